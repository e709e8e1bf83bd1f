/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Import of an OCI image as a template cache (vzpkg import).
 *
 * "oci:DIR[:TAG]" is an OCI image layout (image-spec image-layout.md) read
 * directly; any other reference goes through skopeo(1), which copies it into
 * a temporary layout first (skopeo speaks the registries, docker archives and
 * storage back ends; we only ever read a layout).
 *
 * Everything in the image is untrusted: the digests of the index, manifest,
 * config and every layer are checked before use (a digest is also a file
 * name: only "sha256:" + 64 hex digits is accepted), the layers are applied
 * in order into a private staging directory with the rules of the template
 * unpacker (unpack.c: no '..', parents resolved inside the root, final
 * components never followed) plus OCI whiteouts, and the flattened tree is
 * packed into TEMPLATE/cache/<name>.tar.zst, renamed into place only when
 * complete. The staging directory goes whatever happens.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <nettle/sha2.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "template.h"

#define MAX_JSON   (4u << 20)
#define MAX_LAYERS 256
#define BUF_SIZE   (1u << 20)

#define MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST  "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MAN   "application/vnd.docker.distribution.manifest.v2+json"
#define ANN_REF_NAME    "org.opencontainers.image.ref.name"

struct import {
        const char *ref;
        int layout_fd;
        vz_err *e;
};

static const char *jstr(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

__attribute__((format(printf, 2, 3))) static int bad_image(struct import *im, const char *fmt, ...)
{
        char what[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        return vz_fail(im->e, VZ_E_FS_BAD_TMPL, -EINVAL, "image %s is not usable: %s", im->ref,
                       what);
}

/* "sha256:<64 lowercase hex>" -> the hex part; anything else is refused
 * (it becomes a path under blobs/). */
static const char *digest_hex(const char *digest)
{
        const char *h;

        if (!digest || !vz_startswith(digest, "sha256:"))
                return NULL;
        h = digest + 7;
        if (strlen(h) != 64)
                return NULL;
        for (const char *p = h; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return NULL;
        return h;
}

/* Open the blob of a descriptor and check its size and digest; with ret_data
 * (max bytes) its content is returned NUL-terminated, else the fd, rewound. */
static int open_blob(struct import *im, struct json_object *desc, size_t max, char **ret_data,
                     int *ret_fd)
{
        const char *digest = jstr(desc, "digest"), *hex = digest_hex(digest);
        struct json_object *jsize;
        _cleanup_free_ char *path = NULL, *data = NULL;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        struct sha256_ctx sha;
        uint8_t sum[SHA256_DIGEST_SIZE];
        char sumhex[SHA256_DIGEST_SIZE * 2 + 1];
        int64_t want = -1;
        uint64_t got = 0;
        ssize_t n;

        if (!hex)
                return bad_image(im, "unsupported or malformed digest '%s'", digest ? digest : "");
        if (json_object_object_get_ex(desc, "size", &jsize) &&
            json_object_is_type(jsize, json_type_int))
                want = json_object_get_int64(jsize);
        if (want < 0)
                return bad_image(im, "descriptor of %s has no size", digest);
        if (ret_data && (uint64_t)want > max)
                return bad_image(im, "%s is too large for a manifest", digest);
        path = vz_strdupf("blobs/sha256/%s", hex);
        buf = malloc(BUF_SIZE);
        if (!path || !buf)
                return vz_fail(im->e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        fd = openat(im->layout_fd, path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return vz_fail(im->e, VZ_E_FS_BAD_TMPL, -errno, "image %s: cannot open blob %s: %m",
                               im->ref, digest);
        if (ret_data) {
                data = malloc((size_t)want + 1);
                if (!data)
                        return vz_fail(im->e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        }
        sha256_init(&sha);
        while ((n = read(fd, buf, BUF_SIZE)) > 0) {
                if (got + (uint64_t)n > (uint64_t)want)
                        return bad_image(im, "blob %s is larger than its descriptor says", digest);
                if (data)
                        memcpy(data + got, buf, (size_t)n);
                sha256_update(&sha, (size_t)n, buf);
                got += (uint64_t)n;
        }
        if (n < 0)
                return vz_fail(im->e, VZ_E_FS_BAD_TMPL, -errno, "image %s: cannot read blob %s: %m",
                               im->ref, digest);
        if (got != (uint64_t)want)
                return bad_image(im, "blob %s is shorter than its descriptor says", digest);
        sha256_digest(&sha, sizeof(sum), sum);
        for (size_t i = 0; i < sizeof(sum); i++)
                snprintf(sumhex + 2 * i, 3, "%02x", sum[i]);
        if (!streq(sumhex, hex))
                return vz_fail(im->e, VZ_E_FS_BAD_TMPL, -EBADMSG,
                               "image %s: blob %s is corrupted (its content hashes to sha256:%s)",
                               im->ref, digest, sumhex);
        if (ret_data) {
                data[got] = '\0';
                *ret_data = TAKE_PTR(data);
                return 0;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return vz_fail(im->e, VZ_E_SYSTEM, -errno, "cannot rewind blob: %m");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int parse_json(struct import *im, const char *text, const char *what,
                      struct json_object **ret)
{
        struct json_object *o = json_tokener_parse(text);

        if (!o || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return bad_image(im, "%s is not a JSON object", what);
        }
        *ret = o;
        return 0;
}

static int read_layout_file(struct import *im, const char *name, char **ret);

static int read_blob_json(struct import *im, struct json_object *desc, const char *what,
                          struct json_object **ret)
{
        _cleanup_free_ char *text = NULL;
        int r = open_blob(im, desc, MAX_JSON, &text, NULL);

        if (r < 0)
                return r;
        return parse_json(im, text, what, ret);
}

static const char *host_arch(void)
{
        struct utsname u;
        /* An architecture this table does not know: the thread's copy. */
        static _Thread_local char buf[sizeof(u.machine)];
        static const struct {
                const char *uname, *oci;
        } map[] = {{"x86_64", "amd64"}, {"aarch64", "arm64"},   {"i686", "386"},
                   {"i386", "386"},     {"ppc64le", "ppc64le"}, {"s390x", "s390x"}};

        if (uname(&u) < 0)
                return "amd64";
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(u.machine, map[i].uname))
                        return map[i].oci;
        snprintf(buf, sizeof(buf), "%s", u.machine);
        return buf;
}

/* From an index (index.json or a nested one), the descriptor to use: by tag
 * at the top level, by platform (linux/<host arch>) below. Borrowed. */
static int pick_manifest(struct import *im, struct json_object *index, const char *tag, bool top,
                         struct json_object **ret)
{
        struct json_object *ms, *found = NULL;
        size_t n;

        if (!json_object_object_get_ex(index, "manifests", &ms) ||
            !json_object_is_type(ms, json_type_array))
                return bad_image(im, "%s has no manifests", top ? "index.json" : "an image index");
        n = json_object_array_length(ms);
        for (size_t i = 0; i < n; i++) {
                struct json_object *d = json_object_array_get_idx(ms, i), *ann, *plat;
                const char *name = NULL;

                if (json_object_object_get_ex(d, "annotations", &ann))
                        name = jstr(ann, ANN_REF_NAME);
                if (top && tag) {
                        if (name && streq(name, tag)) {
                                found = d;
                                break;
                        }
                        continue;
                }
                if (!top && json_object_object_get_ex(d, "platform", &plat)) {
                        const char *os = jstr(plat, "os"), *arch = jstr(plat, "architecture");
                        if (os && arch && streq(os, "linux") && streq(arch, host_arch())) {
                                found = d;
                                break;
                        }
                        continue;
                }
                if (n == 1 || (name && streq(name, "latest"))) {
                        found = d;
                        break;
                }
        }
        if (!found) {
                if (top && tag)
                        return bad_image(im, "no image tagged '%s' in index.json", tag);
                if (top)
                        return bad_image(im, "%s",
                                         "index.json lists several images: give a tag "
                                         "(oci:DIR:TAG)");
                return bad_image(im, "no image for linux/%s in its image index", host_arch());
        }
        *ret = found;
        return 0;
}

/* The image manifest (owned) for tag, going down through image indexes. */
static int load_manifest(struct import *im, const char *tag, struct json_object **ret)
{
        _cleanup_free_ char *text = NULL;
        struct json_object *index = NULL, *desc, *next;
        int r;

        r = read_layout_file(im, "index.json", &text);
        if (r < 0)
                return r;
        r = parse_json(im, text, "index.json", &index);
        if (r < 0)
                return r;
        r = pick_manifest(im, index, tag, true, &desc);
        for (int depth = 0; r >= 0; depth++) {
                const char *mt = jstr(desc, "mediaType");

                if (depth > 3) {
                        r = bad_image(im, "%s", "image indexes nested too deep");
                        break;
                }
                r = read_blob_json(im, desc, "a manifest", &next);
                if (r < 0)
                        break;
                if (!mt)
                        mt = jstr(next, "mediaType");
                if (mt && (streq(mt, MT_OCI_INDEX) || streq(mt, MT_DOCKER_LIST))) {
                        json_object_put(index);
                        index = next;
                        r = pick_manifest(im, index, NULL, false, &desc);
                        continue;
                }
                if (mt && !streq(mt, MT_OCI_MANIFEST) && !streq(mt, MT_DOCKER_MAN)) {
                        json_object_put(next);
                        r = bad_image(im, "unsupported manifest type %s", mt);
                        break;
                }
                *ret = next;
                break;
        }
        json_object_put(index);
        return r;
}

static bool layer_type_ok(const char *mt)
{
        static const char *const ok[] = {
            "application/vnd.oci.image.layer.v1.tar",
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        };
        for (size_t i = 0; mt && i < ELEMENTSOF(ok); i++)
                if (streq(mt, ok[i]))
                        return true;
        return false;
}

/* ------------------------------------------------------------ helpers */

static int read_layout_file(struct import *im, const char *name, char **ret)
{
        _cleanup_close_ int fd = openat(im->layout_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *p = NULL;
        int r;

        if (fd < 0)
                return vz_fail(im->e, VZ_E_FS_BAD_TMPL, -errno,
                               "image %s: cannot open %s (not an OCI image layout?): %m", im->ref,
                               name);
        p = vz_strdupf("/proc/self/fd/%d", fd);
        if (!p)
                return vz_fail(im->e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        r = vz_read_file(p, MAX_JSON, ret, NULL);
        if (r < 0)
                return vz_fail(im->e, VZ_E_FS_BAD_TMPL, r, "image %s: cannot read %s: %s", im->ref,
                               name, strerror(-r));
        return 0;
}

/* Run skopeo copy ref oci:dir:vz; its last error line goes into the message. */
static int skopeo_copy(const char *ref, const char *dir, vz_err *e)
{
        _cleanup_free_ char *dst = vz_strdupf("oci:%s:vz", dir);
        char *argv[] = {"skopeo", "copy", "--quiet", (char *)ref, dst, NULL};
        posix_spawn_file_actions_t fa;
        char out[4096], *last;
        size_t len = 0;
        int pipefd[2], status, r;
        ssize_t n;
        pid_t pid;

        if (!dst)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return vz_fail(e, VZ_E_SYSTEM, -errno, "pipe: %m");
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
        r = posix_spawnp(&pid, "skopeo", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                if (r == ENOENT)
                        return vz_fail(e, VZ_E_SYSTEM, -r,
                                       "cannot import %s: skopeo is not installed (install "
                                       "skopeo, or give a local image layout as oci:DIR[:TAG])",
                                       ref);
                return vz_fail(e, VZ_E_SYSTEM, -r, "cannot run skopeo: %s", strerror(r));
        }
        /* Keep the tail of the output: skopeo's error is its last line. */
        while ((n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                len += (size_t)n;
                if (len == sizeof(out) - 1) {
                        memmove(out, out + len / 2, len - len / 2);
                        len -= len / 2;
                }
        }
        close(pipefd[0]);
        out[len] = '\0';
        while (len > 0 && out[len - 1] == '\n')
                out[--len] = '\0';
        last = strrchr(out, '\n');
        last = last ? last + 1 : out;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return vz_fail(e, VZ_E_SYSTEM, -errno, "waitpid: %m");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return vz_fail(e, VZ_E_FS_BAD_TMPL, -EIO, "skopeo cannot copy %s: %s", ref,
                               *last ? last : "failed");
        return 0;
}

/* ------------------------------------------------------------ import */

/* "oci:DIR[:TAG]": the tag is after the last ':' that follows the last '/'. */
static int split_oci_ref(const char *ref, char **ret_dir, char **ret_tag)
{
        const char *p = ref + 4, *slash = strrchr(p, '/'), *colon = strrchr(p, ':');

        if (colon && slash && colon < slash)
                colon = NULL;
        *ret_dir = colon ? strndup(p, (size_t)(colon - p)) : strdup(p);
        *ret_tag = colon && colon[1] ? strdup(colon + 1) : NULL;
        if (!*ret_dir || (colon && colon[1] && !*ret_tag))
                return -ENOMEM;
        return 0;
}

static int apply_layers(struct import *im, struct json_object *manifest, int root_fd,
                        const vz_import_opts *opts)
{
        struct json_object *layers;
        uint64_t total = 0, done = 0;
        size_t n;
        int r;

        if (!json_object_object_get_ex(manifest, "layers", &layers) ||
            !json_object_is_type(layers, json_type_array))
                return bad_image(im, "%s", "its manifest lists no layers");
        n = json_object_array_length(layers);
        if (n == 0)
                return bad_image(im, "%s", "its manifest lists no layers");
        if (n > MAX_LAYERS)
                return bad_image(im, "%s", "more than 256 layers");
        for (size_t i = 0; i < n; i++) {
                struct json_object *d = json_object_array_get_idx(layers, i), *s;
                const char *mt = jstr(d, "mediaType");

                if (!layer_type_ok(mt))
                        return bad_image(im, "unsupported layer type %s", mt ? mt : "(none)");
                if (json_object_object_get_ex(d, "size", &s))
                        total += (uint64_t)json_object_get_int64(s);
        }
        for (size_t i = 0; i < n; i++) {
                struct json_object *d = json_object_array_get_idx(layers, i), *s;
                _cleanup_close_ int fd = -1;
                _cleanup_free_ char *p = NULL;

                r = open_blob(im, d, 0, NULL, &fd);
                if (r < 0)
                        return r;
                p = vz_strdupf("/proc/self/fd/%d", fd);
                if (!p)
                        return vz_fail(im->e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                vz_debug("applying layer %zu/%zu %s", i + 1, n, jstr(d, "digest"));
                r = vz_tmpl_unpack_layer(p, root_fd, im->e);
                if (r < 0) {
                        char msg[sizeof(im->e->msg)];

                        snprintf(msg, sizeof(msg), "%s", im->e->msg);
                        return vz_fail_replace(im->e, im->e->code, r,
                                               "image %s, layer %zu (%s): %s", im->ref, i + 1,
                                               jstr(d, "digest"), msg);
                }
                if (json_object_object_get_ex(d, "size", &s))
                        done += (uint64_t)json_object_get_int64(s);
                if (opts && opts->progress)
                        opts->progress(done, total, opts->userdata);
        }
        return 0;
}

static int import_layout(struct import *im, const char *tag, const char *root,
                         const vz_import_opts *opts)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int root_fd = -1;
        struct json_object *manifest = NULL, *cfg = NULL, *cfgd;
        int r;

        r = read_layout_file(im, "oci-layout", &text);
        if (r < 0)
                return r;
        if (!strstr(text, "imageLayoutVersion"))
                return bad_image(im, "%s", "oci-layout has no imageLayoutVersion");
        r = load_manifest(im, tag, &manifest);
        if (r < 0)
                return r;
        /* The config: checked like any blob; a foreign architecture is
         * refused (its binaries would not run here). */
        if (!json_object_object_get_ex(manifest, "config", &cfgd)) {
                r = bad_image(im, "%s", "its manifest has no config");
                goto out;
        }
        r = read_blob_json(im, cfgd, "the image config", &cfg);
        if (r < 0)
                goto out;
        if (jstr(cfg, "architecture") && !streq(jstr(cfg, "architecture"), host_arch())) {
                r = bad_image(im, "it is built for %s", jstr(cfg, "architecture"));
                goto out;
        }
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0) {
                r = vz_fail(im->e, VZ_E_SYSTEM, -errno, "cannot open %s: %m", root);
                goto out;
        }
        r = apply_layers(im, manifest, root_fd, opts);
        if (r < 0)
                goto out;
        if (faccessat(root_fd, "sbin/init", X_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
            faccessat(root_fd, "sbin/init", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                vz_warn("image %s has no /sbin/init: a CT made from it will not start until "
                        "one is installed",
                        im->ref);
out:
        json_object_put(cfg);
        json_object_put(manifest);
        return r;
}

_public_ int vz_tmpl_import_impl(vz_ctx *ctx, const char *ref, const char *ostemplate,
                                 const vz_import_opts *opts, vz_err *e)
{
        _cleanup_free_ char *dir = NULL, *work = NULL, *root = NULL, *layout = NULL, *tag = NULL,
                            *final = NULL, *existing = NULL;
        struct import im = {.ref = ref, .layout_fd = -1, .e = e};
        struct tmpl_writer w;
        bool force = opts && opts->force;
        vz_err e2 = {0};
        int r;

        if (isempty(ref))
                return vz_fail(e, VZ_E_VALUE, -EINVAL, "no image reference given");
        r = vz_tmpl_check_name(ostemplate, e);
        if (r < 0)
                return r;
        if (!force && vz_tmpl_find_cache(ctx, ostemplate, &existing, &e2) >= 0)
                return vz_fail(e, VZ_E_VALUE, -EEXIST,
                               "template cache %s already exists (use --force to replace it)",
                               existing);
        r = tmpl_cache_dir_create(ctx, &dir, e);
        if (r < 0)
                return r;
        work = vz_strdupf("%s/.%s.import.XXXXXX", dir, ostemplate);
        if (!work)
                return vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
        if (!mkdtemp(work))
                return vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %m", work);
        root = vz_strdupf("%s/rootfs", work);
        if (!root) {
                r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                goto out;
        }
        if (mkdir(root, 0755) < 0) {
                r = vz_fail(e, VZ_E_SYSTEM, -errno, "cannot create %s: %m", root);
                goto out;
        }
        if (vz_startswith(ref, "oci:")) {
                r = split_oci_ref(ref, &layout, &tag);
                if (r < 0) {
                        r = vz_fail(e, VZ_E_SYSTEM, r, "out of memory");
                        goto out;
                }
        } else {
                layout = vz_strdupf("%s/layout", work);
                tag = strdup("vz");
                if (!layout || !tag) {
                        r = vz_fail(e, VZ_E_SYSTEM, -ENOMEM, "out of memory");
                        goto out;
                }
                vz_info("Copying %s with skopeo", ref);
                r = skopeo_copy(ref, layout, e);
                if (r < 0)
                        goto out;
        }
        im.layout_fd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (im.layout_fd < 0) {
                r = vz_fail(e, VZ_E_FS_BAD_TMPL, -errno, "cannot open image layout %s: %m", layout);
                goto out;
        }
        r = import_layout(&im, tag, root, opts);
        if (r < 0)
                goto out;
        /* The flattened tree is packed as the cache. */
        r = tmpl_writer_open(&w, ctx, ostemplate, 0, NULL, e);
        if (r < 0)
                goto out;
        final = strdup(w.final_path);
        r = tmpl_pack_tree(&w, root, e);
        if (r < 0) {
                tmpl_writer_abort(&w);
                goto out;
        }
        r = tmpl_writer_commit(&w, force, e);
        /* With --force, a cache of another compression would still be found
         * first (vz_tmpl_find_cache's order): the import replaces it. */
        if (r == 0 && final)
                tmpl_remove_other_caches(ctx, ostemplate, final);
out:
        if (im.layout_fd >= 0)
                close(im.layout_fd);
        {
                int rr = vz_rm_rf(work);
                if (rr < 0)
                        vz_warn("cannot remove %s: %s", work, strerror(-rr));
        }
        return r;
}
