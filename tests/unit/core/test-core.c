/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the basic and registry layers (no root needed). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ctx.h"
#include "err.h"
#include "registry/registry.h"
#include "util.h"

#include "check.h"

static void test_ctid(void)
{
        unsigned id = 7;
        CHECK(vz_ctid_parse("101", &id) == 0 && id == 101);
        CHECK(vz_ctid_parse("0", &id) == 0 && id == 0);
        CHECK(vz_ctid_parse("2147483644", &id) == 0 && id == VZ_CTID_MAX);
        CHECK(vz_ctid_parse("2147483645", &id) < 0);
        CHECK(vz_ctid_parse("0101", &id) < 0);
        CHECK(vz_ctid_parse("-1", &id) < 0);
        CHECK(vz_ctid_parse("10a", &id) < 0);
        CHECK(vz_ctid_parse("", &id) < 0);
        CHECK(vz_ctid_parse("99999999999999999999", &id) < 0);
}

static void test_names(void)
{
        CHECK(vz_name_is_valid("web1"));
        CHECK(vz_name_is_valid("my ct-1.example+x_y"));
        CHECK(!vz_name_is_valid("101"));
        CHECK(!vz_name_is_valid("a/b"));
        CHECK(!vz_name_is_valid(".."));
        CHECK(!vz_name_is_valid(""));
        CHECK(!vz_name_is_valid("tab\there"));
        CHECK(!vz_name_is_valid("new\nline"));
}

static void test_strings(void)
{
        _cleanup_free_ char *a = vz_expand_veid("/vz/private/$VEID", 101);
        _cleanup_free_ char *b = vz_expand_veid("/x/${VEID}/y/$VEID", 7);
        _cleanup_free_ char *c = strdup("/vz/root///");
        _cleanup_strv_free_ char **v = NULL;
        _cleanup_free_ char *j = NULL;

        CHECK(a && streq(a, "/vz/private/101"));
        CHECK(b && streq(b, "/x/7/y/7"));
        CHECK(streq(vz_strip_trailing_slash(c), "/vz/root"));
        CHECK(vz_strv_split("  a b\t c  ", " \t", &v) == 0);
        CHECK(vz_strv_length(v) == 3 && streq(v[2], "c"));
        j = vz_strv_join(v, ",");
        CHECK(j && streq(j, "a,b,c"));
        CHECK(vz_startswith("abc", "ab") && !vz_startswith("a", "ab"));
        CHECK(vz_endswith("x.conf", ".conf") && !vz_endswith("conf", ".conf"));
}

static char tmpdir[] = "/tmp/vz-unit.XXXXXX";

static int write_str(const char *path, const char *s)
{
        return vz_write_file_atomic(path, s, strlen(s), 0644);
}

static void test_atomic_write_and_rm(void)
{
        char p[256], q[256];
        _cleanup_free_ char *buf = NULL;

        snprintf(p, sizeof(p), "%s/f", tmpdir);
        CHECK(write_str(p, "one\n") == 0);
        CHECK(write_str(p, "two\n") == 0);
        CHECK(vz_read_file(p, 1024, &buf, NULL) == 0 && streq(buf, "two\n"));
        /* rm -rf never follows a symlink out of the tree. */
        snprintf(p, sizeof(p), "%s/tree/a/b", tmpdir);
        CHECK(vz_mkdir_p(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/outside", tmpdir);
        CHECK(write_str(p, "keep") == 0);
        snprintf(q, sizeof(q), "%s/tree/a/link", tmpdir);
        CHECK(symlink(p, q) == 0);
        snprintf(q, sizeof(q), "%s/tree/a/dirlink", tmpdir);
        CHECK(symlink(tmpdir, q) == 0);
        snprintf(q, sizeof(q), "%s/tree", tmpdir);
        CHECK(vz_rm_rf(q) == 0);
        CHECK(access(q, F_OK) != 0);
        CHECK(access(p, F_OK) == 0);
        CHECK(vz_dir_is_empty(q) == 1);
}

static void test_ctx_and_lock(void)
{
        char p[512];
        vz_ctx *ctx = NULL;
        vz_lock *l1 = NULL, *l2 = NULL;
        vz_err e = {0};
        unsigned id = 0;
        int r;

        snprintf(p, sizeof(p), "%s/etc", tmpdir);
        CHECK(vz_mkdir_p(p, 0755) == 0);
        setenv("VZ_CONFDIR", p, 1);
        /* No vz.conf: class 10. */
        CHECK(vz_ctx_new(&ctx, &e) < 0 && e.code == VZ_E_NOCONFIG);
        snprintf(p, sizeof(p), "%s/etc/vz.conf", tmpdir);
        {
                char conf[512];
                snprintf(conf, sizeof(conf), "LOCKDIR=%s/lock\nVE_PRIVATE=%s/p/$VEID\n", tmpdir,
                         tmpdir);
                CHECK(write_str(p, conf) == 0);
        }
        vz_err_clear(&e);
        CHECK(vz_ctx_new(&ctx, &e) == 0);
        if (!ctx)
                return;
        CHECK(vz_ctx_get(ctx, "LOCKDIR") != NULL);

        /* Lock: second attempt fails with 9 and names our PID. */
        CHECK(vz_lock_ct(ctx, 101, 0, &l1, &e) == 0);
        vz_err_clear(&e);
        r = vz_lock_ct(ctx, 101, 0, &l2, &e);
        CHECK(r < 0 && e.code == VZ_E_LOCKED);
        {
                char pid[32];
                snprintf(pid, sizeof(pid), "%d", (int)getpid());
                CHECK(strstr(e.msg, pid) != NULL);
        }
        /* Another CT is independent. */
        CHECK(vz_lock_ct(ctx, 102, 0, &l2, NULL) == 0);
        vz_unlock(l2);
        /* A child waiting with a timeout gets it once we release. */
        pid_t child = fork();
        if (child == 0) {
                vz_lock *cl = NULL;
                _exit(vz_lock_ct(ctx, 101, 5, &cl, NULL) == 0 ? 0 : 1);
        }
        usleep(100000);
        vz_unlock(l1);
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* The child died holding it: stale, recovered. */
        vz_err_clear(&e);
        CHECK(vz_lock_ct(ctx, 101, 0, &l1, &e) == 0);
        vz_unlock(l1);
        snprintf(p, sizeof(p), "%s/lock/101.lck", tmpdir);
        CHECK(access(p, F_OK) != 0);

        /* Names: register, resolve, conflict. */
        snprintf(p, sizeof(p), "%s/etc/conf", tmpdir);
        CHECK(vz_mkdir_p(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/etc/conf/101.conf", tmpdir);
        CHECK(write_str(p, "NAME=\"web\"\n") == 0);
        CHECK(vz_name_register(ctx, "web", 101, NULL) == 0);
        CHECK(vz_ct_resolve(ctx, "web", &id, NULL) == 0 && id == 101);
        CHECK(vz_ct_resolve(ctx, "102", &id, NULL) == 0 && id == 102);
        vz_err_clear(&e);
        CHECK(vz_name_register(ctx, "web", 102, &e) < 0 && e.code == VZ_E_SET_NAME);
        vz_err_clear(&e);
        CHECK(vz_ct_resolve(ctx, "nope", &id, &e) < 0 && e.code == VZ_E_VALUE);
        /* A name link whose CT config has another NAME does not resolve. */
        CHECK(write_str(p, "NAME=\"other\"\n") == 0);
        CHECK(vz_ct_resolve(ctx, "web", &id, NULL) < 0);
        CHECK(vz_name_unregister_ct(ctx, 101) == 0);
        snprintf(p, sizeof(p), "%s/etc/names/web", tmpdir);
        CHECK(access(p, F_OK) != 0);
        {
                unsigned *ids = NULL;
                size_t n = 0;
                snprintf(p, sizeof(p), "%s/etc/conf/7.conf", tmpdir);
                write_str(p, "");
                snprintf(p, sizeof(p), "%s/etc/conf/0.conf", tmpdir);
                write_str(p, "");
                snprintf(p, sizeof(p), "%s/etc/conf/ve-x.conf-sample", tmpdir);
                write_str(p, "");
                CHECK(vz_ct_list_ids(ctx, &ids, &n, NULL) == 2 && n == 2 && ids[0] == 7 &&
                      ids[1] == 101);
                free(ids);
        }
        vz_ctx_free(ctx);
}

/* Errors gain context on the way up: a chain, outermost first; the code
 * and errno of the innermost failure stay. */
static void test_err_chain(void)
{
        vz_err e = {0};
        char big[2000];

        CHECK(vz_fail(&e, VZ_E_VE_ROOT_NOTSET, -EACCES, "cannot mount %s", "/vz/root/101") ==
              -EACCES);
        CHECK(vz_err_prefix(&e, -EACCES, "cannot mount CT %u", 101u) == -EACCES);
        CHECK(vz_err_prefix(&e, -EACCES, "cannot start") == -EACCES);
        CHECK(streq(e.msg, "cannot start: cannot mount CT 101: cannot mount /vz/root/101"));
        CHECK(e.code == VZ_E_VE_ROOT_NOTSET && e.errnum == EACCES);
        /* The same context twice in a row is said once. */
        CHECK(vz_err_prefix(&e, -EACCES, "cannot start") == -EACCES);
        CHECK(streq(e.msg, "cannot start: cannot mount CT 101: cannot mount /vz/root/101"));
        /* No message yet: the chain ends with the errno's text. */
        vz_err_clear(&e);
        CHECK(vz_err_prefix(&e, EPERM, "cannot set up the network") == -EPERM);
        CHECK(streq(e.msg, "cannot set up the network: Operation not permitted"));
        CHECK(e.code == VZ_E_SYSTEM && e.errnum == EPERM);
        CHECK(vz_err_prefix(NULL, -ENOENT, "x") == -ENOENT);
        /* Too long: cut, still terminated. */
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK(vz_err_prefix(&e, -EPERM, "%s", big) == -EPERM);
        CHECK(strlen(e.msg) == sizeof(e.msg) - 1);
}

/* A child pid variable is killed and reaped when its scope ends early;
 * TAKE_PID hands it on. */
static pid_t spawn_sleeper(bool take)
{
        _cleanup_kill_ pid_t pid = fork();
        pid_t seen = pid;

        if (pid == 0) {
                pause();
                _exit(0);
        }
        if (take)
                return TAKE_PID(pid);
        return seen;
}

static void test_cleanup_kill(void)
{
        pid_t pid = spawn_sleeper(false);
        int st;

        CHECK(pid > 0);
        /* Already reaped by the cleanup: no such child any more. */
        CHECK(waitpid(pid, &st, WNOHANG) < 0 && errno == ECHILD);
        pid = spawn_sleeper(true);
        CHECK(pid > 0 && kill(pid, 0) == 0);
        kill(pid, SIGKILL);
        CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
}

int main(void)
{
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        test_ctid();
        test_names();
        test_strings();
        test_atomic_write_and_rm();
        test_ctx_and_lock();
        test_err_chain();
        test_cleanup_kill();
        vz_rm_rf(tmpdir);
        if (check_failures)
                fprintf(stderr, "%d check(s) failed\n", check_failures);
        return check_failures ? 1 : 0;
}
