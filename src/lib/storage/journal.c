/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-progress markers for the storage operations that are not atomic by
 * themselves (create, convert, snapshot, resize): LOCKDIR/<CTID>.op, written
 * (fsynced) before the first change and removed after the last one. Lines of
 * "key=value": op= and pid= first, then what the operation has done so far,
 * appended as it goes. A marker left behind means its vzctl died (kill -9,
 * power loss); the next command that holds the CT's lock reads it and
 * finishes or undoes the operation (see recover.c). These operations run
 * under the CT lock, so a marker seen while holding the lock is stale.
 *
 * Test hook: VZ_TEST_STALL=<step> makes the process pause (for up to five
 * minutes, printing "stalled at <step>") when it reaches that named step, so
 * a test can kill -9 it at a known point. Without the variable it does
 * nothing; the steps are listed where vz_test_stall() is called.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "ctx.h"
#include "err.h"
#include "log.h"
#include "storage.h"
#include "util.h"

char *vz_op_path(const vz_ctx *ctx, unsigned ctid)
{
        const char *dir = vz_ctx_get(ctx, "LOCKDIR");
        return isempty(dir) ? NULL : vz_strdupf("%s/%u.op", dir, ctid);
}

int vz_op_begin(const vz_ctx *ctx, unsigned ctid, const char *op, char *const kv[], vz_err *e)
{
        _cleanup_free_ char *p = vz_op_path(ctx, ctid), *buf = NULL;
        const char *dir = vz_ctx_get(ctx, "LOCKDIR");
        size_t len = 0;
        FILE *f;
        int r;

        if (!p)
                return vz_fail(e, VZ_E_LCKDIR_NOTSET, -EINVAL, "LOCKDIR is not set");
        r = vz_mkdir_p(dir, 0755);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot create %s: %s", dir, strerror(-r));
        f = open_memstream(&buf, &len);
        if (!f)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        fprintf(f, "op=%s\npid=%d\n", op, (int)getpid());
        for (size_t i = 0; kv && kv[i]; i++)
                fprintf(f, "%s\n", kv[i]);
        if (fclose(f) != 0 || !buf)
                return vz_fail(e, VZ_E_RESOURCE, -ENOMEM, "out of memory");
        r = vz_write_file_atomic(p, buf, len, 0600);
        if (r < 0)
                return vz_fail(e, VZ_E_SYSTEM, r, "cannot write %s: %s", p, strerror(-r));
        return 0;
}

int vz_op_add(const vz_ctx *ctx, unsigned ctid, const char *key, const char *value)
{
        _cleanup_free_ char *p = vz_op_path(ctx, ctid), *line = NULL;
        _cleanup_close_ int fd = -1;
        size_t n;

        line = vz_strdupf("%s=%s\n", key, value ? value : "");
        if (!p || !line)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = strlen(line);
        if (write(fd, line, n) != (ssize_t)n)
                return -EIO;
        return fdatasync(fd) < 0 ? -errno : 0;
}

void vz_op_end(const vz_ctx *ctx, unsigned ctid)
{
        _cleanup_free_ char *p = vz_op_path(ctx, ctid);
        if (p && unlink(p) < 0 && errno != ENOENT)
                vz_warn("cannot remove %s: %s", p, strerror(errno));
}

int vz_op_read(const vz_ctx *ctx, unsigned ctid, char ***ret)
{
        _cleanup_free_ char *p = vz_op_path(ctx, ctid), *buf = NULL;
        int r;

        if (!p)
                return -ENOENT;
        r = vz_read_file(p, 65536, &buf, NULL);
        if (r < 0)
                return r;
        return vz_strv_split(buf, "\n", ret);
}

const char *vz_op_get(char *const *lines, const char *key)
{
        size_t kl = strlen(key);
        const char *v = NULL;

        /* The last one wins: a later line updates an earlier one. */
        for (size_t i = 0; lines && lines[i]; i++)
                if (strncmp(lines[i], key, kl) == 0 && lines[i][kl] == '=')
                        v = lines[i] + kl + 1;
        return v;
}

void vz_test_stall(const char *step)
{
        const char *want = getenv("VZ_TEST_STALL");

        if (!want || !streq(want, step))
                return;
        vz_warn("stalled at %s (VZ_TEST_STALL)", step);
        for (int i = 0; i < 300; i++) {
                struct timespec ts = {1, 0};
                nanosleep(&ts, NULL);
        }
}
