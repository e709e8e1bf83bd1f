/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl set --userpasswd user:password, done by vz itself inside the CT (a
 * process joined to it, as the CT's root): the password is hashed with
 * crypt(3) (SHA-512, random salt) and written into the CT's /etc/shadow; a
 * missing user is added, as OpenVZ's set_userpass scripts did. Files are
 * replaced atomically and never through a symlink.
 */
#include <crypt.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "runtime.h"
#include "util.h"

static bool user_name_valid(const char *u)
{
        if (isempty(u) || strlen(u) > 32 || !(islower((unsigned char)u[0]) || u[0] == '_'))
                return false;
        for (const char *p = u; *p; p++)
                if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
                    !strchr("_-.", *p))
                        return false;
        return true;
}

/* Replace /etc/<name> with content, keeping owner and mode. */
static int replace_file(const char *path, const char *content, mode_t def_mode)
{
        _cleanup_free_ char *tmp = vz_strdupf("%s.vztmp", path);
        struct stat st;
        int fd;
        size_t len = strlen(content);

        if (!tmp)
                return -ENOMEM;
        if (lstat(path, &st) < 0) {
                st.st_mode = def_mode;
                st.st_uid = 0;
                st.st_gid = 0;
        } else if (!S_ISREG(st.st_mode))
                return -ELOOP; /* a symlink or worse: not ours to follow */
        unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
        if (fd < 0)
                return -errno;
        if (write(fd, content, len) != (ssize_t)len || fchown(fd, st.st_uid, st.st_gid) < 0 ||
            fchmod(fd, st.st_mode & 07777) < 0 || fsync(fd) < 0) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r ? r : -EIO;
        }
        close(fd);
        return rename(tmp, path) < 0 ? -errno : 0;
}

static int read_etc(const char *path, char **ret)
{
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
                return -ELOOP;
        int r = vz_read_file(path, 16 << 20, ret, NULL);
        if (r == -ENOENT) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

/* The line of `name` in a colon file, or NULL. */
static char *find_entry(char *buf, const char *name)
{
        size_t l = strlen(name);
        for (char *p = buf; p && *p;) {
                if (strncmp(p, name, l) == 0 && p[l] == ':')
                        return p;
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return NULL;
}

static unsigned next_free_id(const char *buf)
{
        unsigned max = 999;
        for (const char *p = buf; p && *p;) {
                const char *c = strchr(p, ':');
                if (c && (c = strchr(c + 1, ':'))) {
                        unsigned id = (unsigned)strtoul(c + 1, NULL, 10);
                        if (id > max && id < 60000)
                                max = id;
                }
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return max + 1;
}

static int append_line(const char *path, const char *line, mode_t mode)
{
        _cleanup_free_ char *buf = NULL, *out = NULL;
        int r = read_etc(path, &buf);

        if (r < 0)
                return r;
        out = vz_strdupf("%s%s%s\n", buf, buf[0] && buf[strlen(buf) - 1] != '\n' ? "\n" : "", line);
        return out ? replace_file(path, out, mode) : -ENOMEM;
}

static int add_user(const char *user, const char *hash)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL, *line = NULL, *home = NULL;
        const char *shell = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
        unsigned id;
        int r;

        r = read_etc("/etc/passwd", &passwd);
        if (r < 0)
                return r;
        r = read_etc("/etc/group", &group);
        if (r < 0)
                return r;
        id = next_free_id(passwd);
        if (next_free_id(group) > id)
                id = next_free_id(group);
        home = vz_strdupf("/home/%s", user);
        line = vz_strdupf("%s:x:%u:%u::%s:%s", user, id, id, home, shell);
        if (!home || !line)
                return -ENOMEM;
        r = append_line("/etc/passwd", line, 0644);
        free(line);
        if (r == 0 && !find_entry(group, user) && (line = vz_strdupf("%s:x:%u:", user, id)))
                r = append_line("/etc/group", line, 0644);
        else
                line = NULL;
        free(line);
        line = vz_strdupf("%s:%s:%ld:0:99999:7:::", user, hash, (long)(time(NULL) / 86400));
        if (r == 0)
                r = line ? append_line("/etc/shadow", line, 0640) : -ENOMEM;
        if (r == 0 && mkdir("/home", 0755) < 0 && errno != EEXIST)
                r = -errno;
        if (r == 0 && mkdir(home, 0750) == 0 && chown(home, id, id) < 0)
                r = -errno;
        return r;
}

int vz_ct_set_password(const vz_ct *ct, void *arg)
{
        _cleanup_free_ char *up = strdup(arg), *shadow = NULL, *out = NULL, *salt = NULL;
        char *pass, *line, *end, *hash;
        struct crypt_data cd;
        (void)ct;

        if (!up || !(pass = strchr(up, ':')))
                return VZ_E_CHANGEPASS;
        *pass++ = '\0';
        if (!user_name_valid(up) || !*pass)
                return VZ_E_CHANGEPASS;
        salt = crypt_gensalt_ra("$6$", 0, NULL, 0);
        memset(&cd, 0, sizeof(cd));
        hash = salt ? crypt_r(pass, salt, &cd) : NULL;
        if (!hash || hash[0] == '*')
                return VZ_E_CHANGEPASS;
        if (read_etc("/etc/shadow", &shadow) < 0)
                return VZ_E_CHANGEPASS;
        line = find_entry(shadow, up);
        if (!line) {
                _cleanup_free_ char *passwd = NULL;
                if (read_etc("/etc/passwd", &passwd) < 0)
                        return VZ_E_CHANGEPASS;
                if (!find_entry(passwd, up))
                        return add_user(up, hash) < 0 ? VZ_E_CHANGEPASS : 0;
                /* In passwd without a shadow entry: add one. */
                _cleanup_free_ char *l =
                    vz_strdupf("%s:%s:%ld:0:99999:7:::", up, hash, (long)(time(NULL) / 86400));
                return l && append_line("/etc/shadow", l, 0640) == 0 ? 0 : VZ_E_CHANGEPASS;
        }
        /* Replace the second field of the user's line. */
        {
                char *f2 = strchr(line, ':') + 1, *f2end = strchr(f2, ':');
                end = f2end ? f2end : f2 + strcspn(f2, "\n");
                *f2 = '\0';
                out = vz_strdupf("%s%s%s", shadow, hash, end);
        }
        if (!out || replace_file("/etc/shadow", out, 0640) < 0)
                return VZ_E_CHANGEPASS;
        return 0;
}

_public_ int vz_ct_set_userpasswd(vz_ct *ct, const char *user_pass, vz_err *e)
{
        bool started = false;
        int r;

        if (!user_pass || !strchr(user_pass, ':') || user_pass[0] == ':')
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "--userpasswd needs user:password");
        if (!vz_ct_is_running(ct)) {
                /* As OpenVZ: start the CT for the change, stop it after. */
                r = vz_ct_start(ct, 0, 0, e);
                if (r < 0)
                        return r;
                started = true;
        }
        r = vz_ct_run_inside(ct, vz_ct_set_password, (void *)user_pass, e);
        if (started)
                vz_ct_stop(ct, VZ_STOP_FAST, NULL);
        if (r < 0)
                return r;
        if (r > 0)
                return vz_fail(e, VZ_E_CHANGEPASS, -EIO,
                               "cannot set the password (bad user name, or the CT's "
                               "/etc/passwd or /etc/shadow is not a regular file)");
        return 0;
}
