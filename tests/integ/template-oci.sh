#!/bin/bash
# vzpkg import of an OCI image: the test writes an image layout itself
# (oci-layout, index.json, blobs: the busybox cache as the base layer, then
# layers with whiteouts), imports it, and a CT made from the cache starts and
# runs a command. A corrupted blob, a wrong tag and hostile layers (path
# traversal, symlink escape, whiteouts escaping the root) fail with a clear
# message and write nothing outside; a skopeo reference (oci-archive:) works.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: needs zstd"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: no /bin/busybox (busybox-static)"; exit 77; }
need_cache busybox
C=$T/vz/template/cache
W=$T/work
OUT=$T/outside
mkdir -p "$W" "$OUT"
echo keep >"$OUT/victim"

# mklayout DIR TAG LAYER...: an OCI image layout with one image of these
# layers (.tar or .tar.gz), tagged TAG.
mklayout() {
        python3 - "$@" <<'PY'
import hashlib, json, os, sys
out, tag, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{h}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
descs, diffids = [], []
for p in layers:
    data = open(p, "rb").read()
    d = blob(data)
    d["mediaType"] = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if p.endswith(".gz") else "")
    descs.append(d)
    diffids.append(d["digest"])
cfg = blob(json.dumps({"architecture": "amd64", "os": "linux",
                       "config": {"Cmd": ["/bin/sh"]},
                       "rootfs": {"type": "layers", "diff_ids": diffids}}).encode())
cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
man = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": cfg, "layers": descs}).encode())
man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
man["annotations"] = {"org.opencontainers.image.ref.name": tag}
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
json.dump({"schemaVersion": 2, "manifests": [man]}, open(f"{out}/index.json", "w"))
PY
}

# Layers with tar-format details made by Python's tarfile (names with '..',
# whiteouts): mktar FILE kind:path[:arg] ...
mktar() {
        python3 - "$@" <<'PY'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w:gz" if out.endswith(".gz") else "w", format=tarfile.PAX_FORMAT) as tf:
    for s in specs:
        kind, path, *arg = s.split(":", 2)
        ti = tarfile.TarInfo(path)
        ti.uid = ti.gid = 0
        ti.mode = 0o644
        data = None
        if kind == "f":
            data = (arg[0] if arg else "x").encode() + b"\n"; ti.size = len(data)
        elif kind == "d":
            ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        elif kind == "l":
            ti.type = tarfile.SYMTYPE; ti.linkname = arg[0]
        tf.addfile(ti, io.BytesIO(data) if data is not None else None)
PY
}

host_untouched() {
        [ "$(cat "$OUT/victim" 2>/dev/null)" = keep ] || fail "$1: $OUT/victim was deleted or changed"
        [ -z "$(ls -A "$OUT" | grep -v '^victim$')" ] || fail "$1: files written to $OUT: $(ls -A "$OUT")"
        [ -e "$T/escaped" ] && fail "$1: $T/escaped written"
        [ -e /tmp/vz-oci-escaped ] && fail "$1: /tmp/vz-oci-escaped written"
        ls -A "$C" | grep -q '^\.' && fail "$1: staging left in $C: $(ls -A "$C")"
        return 0
}

# The base layer: the busybox cache, uncompressed. Then a layer adding
# files, then one with a whiteout and an opaque directory.
zstd -dc "$(readlink -f "$C"/busybox.tar.*)" >"$W/base.tar" || fail "cannot decompress busybox cache"
mkdir -p "$W/l2/opt/data" "$W/l2/etc"
echo one >"$W/l2/opt/data/one"; echo two >"$W/l2/opt/data/two"; echo old >"$W/l2/etc/old-file"
tar -C "$W/l2" --sort=name --numeric-owner --owner=0 --group=0 -czf "$W/l2.tar.gz" .
mkdir -p "$W/l3/opt/data" "$W/l3/etc"
touch "$W/l3/etc/.wh.old-file" "$W/l3/opt/data/.wh..wh..opq"
echo three >"$W/l3/opt/data/three"
tar -C "$W/l3" --sort=name --numeric-owner --owner=0 --group=0 -cf "$W/l3.tar" .
mklayout "$W/img" v1 "$W/base.tar" "$W/l2.tar.gz" "$W/l3.tar"

expect_rc 0 vzpkg import "oci:$W/img:v1" ocibox
[ -f "$C/ocibox.tar.zst" ] || fail "no $C/ocibox.tar.zst"
expect_rc 0 vzpkg list -c
echo "$LAST_OUT" | grep -qx ocibox || fail "vzpkg list: $LAST_OUT"
expect_rc 21 vzpkg import "oci:$W/img:v1" ocibox
echo "$LAST_OUT" | grep -q "already exists" || fail "no 'already exists': $LAST_OUT"
expect_rc 0 vzpkg -q import --force "oci:$W/img" ocibox
[ -z "$LAST_OUT" ] || fail "vzpkg -q printed: $LAST_OUT"
host_untouched "good image"
ok "image imported (3 layers, whiteout, opaque dir)"

expect_rc 0 vzctl create 101 --ostemplate ocibox --hostname oci101
expect_rc 0 vzctl start 101
STARTED="101"
expect_rc 0 vzctl exec 101 'cat /opt/data/three; ls /opt/data; ls /etc/old-file 2>&1; hostname'
out=$LAST_OUT
echo "$out" | grep -qx three || fail "no /opt/data/three in CT: $out"
echo "$out" | grep -qx 'one\|two' && fail "opaque whiteout not applied: $out"
echo "$out" | grep -q 'No such file' || fail "/etc/old-file not whited out: $out"
echo "$out" | grep -qx oci101 || fail "hostname: $out"
expect_rc 0 vzctl stop 101
STARTED=""
expect_rc 0 vzctl destroy 101
ok "CT from the imported cache starts and runs a command"

# Errors: wrong tag, not a layout, corrupted blob, no skopeo transport.
expect_rc 47 vzpkg import "oci:$W/img:nosuch" bad1
echo "$LAST_OUT" | grep -q "no image tagged 'nosuch'" || fail "wrong tag message: $LAST_OUT"
expect_rc 47 vzpkg import "oci:$W" bad1
echo "$LAST_OUT" | grep -q "not an OCI image layout" || fail "not-a-layout message: $LAST_OUT"
expect_rc 21 vzpkg import "oci:$W/img" ../bad
expect_rc 27 vzpkg import "oci:$W/img"
cp -a "$W/img" "$W/corrupt"
big=$(ls -S "$W/corrupt/blobs/sha256" | head -n1)
printf 'X' | dd of="$W/corrupt/blobs/sha256/$big" bs=1 seek=5000 conv=notrunc status=none
expect_rc 47 vzpkg import "oci:$W/corrupt:v1" bad1
echo "$LAST_OUT" | grep -q "blob sha256:$big is corrupted" || fail "corrupt message: $LAST_OUT"
ls "$C" | grep -q bad1 && fail "a cache was left after a failed import"
host_untouched "corrupted blob"
ok "wrong tag, non-layout, corrupted blob: clear messages, nothing left"

# Hostile layers over a small base that has symlinks pointing out.
mktar "$W/hbase.tar" d:bin d:etc f:etc/passwd:root "l:esc:$OUT" l:up:../../.. "l:etcesc:$OUT"
hostile() {
        local name=$1 want=$2 msg=$3; shift 3
        mktar "$W/$name.tar" "$@"
        mklayout "$W/$name" v1 "$W/hbase.tar" "$W/$name.tar"
        out=$(vzpkg import "oci:$W/$name:v1" "$name" 2>&1); rc=$?
        if [ "$want" = fail ]; then
                [ "$rc" != 0 ] || fail "$name: import of a hostile layer succeeded"
                echo "$out" | grep -q "$msg" || fail "$name: message: $out"
                ls "$C" | grep -q "$name" && fail "$name: a cache was left"
                echo "  $name: refused"
        elif [ "$rc" = 0 ]; then
                # Contained: the entry landed inside the template.
                zstd -dc "$C/$name.tar.zst" | tar --warning=no-unknown-keyword -t | grep -q "$msg" ||
                        fail "$name: not inside the cache"
                echo "  $name: contained in the template"
        else
                echo "$out" | grep -q "cannot\|refusing" || fail "$name: unclear failure: $out"
                echo "  $name: refused: ${out##*: }"
        fi
        host_untouched "$name"
}
hostile trav fail "refusing entry '../../escaped'" f:../../escaped
hostile trav2 fail "refusing entry" f:bin/../../../escaped
hostile wh-trav fail "refusing entry" f:../.wh.victim
hostile wh-dotdot fail "whiteout does not name an entry" f:bin/.wh..
hostile wh-kind fail "unknown whiteout kind" f:bin/.wh..wh.plnk
hostile symesc either "pwned" f:esc/pwned
hostile symup either "pwned" f:up/pwned
hostile wh-sym either "etc/passwd" f:esc/.wh.victim f:etcesc/.wh..wh..opq
hostile abs either "vz-oci-escaped" f:/tmp/vz-oci-escaped
ok "hostile layers refused or contained; nothing written or deleted outside"

# A whiteout that empties the root, between two files of one directory in
# the same layer: the second one must land in the tree, not in the
# directory the whiteout deleted.
mktar "$W/opq.tar" f:deep/sub/one f:.wh..wh..opq f:deep/sub/two
mklayout "$W/opq" v1 "$W/hbase.tar" "$W/opq.tar"
expect_rc 0 vzpkg import "oci:$W/opq:v1" opq
list=$(zstd -dc "$C/opq.tar.zst" | tar --warning=no-unknown-keyword -t)
echo "$list" | grep -qx './deep/sub/two' || fail "file after a root opaque whiteout lost: $list"
echo "$list" | grep -q 'etc/passwd' && fail "root opaque whiteout did not empty the lower layer: $list"
ok "opaque whiteout of the root"

# Any other reference goes through skopeo into a temporary layout.
if command -v skopeo >/dev/null; then
        tar -C "$W/img" -cf "$W/img.tar" .
        expect_rc 0 vzpkg import "oci-archive:$W/img.tar:v1" ocibox2
        [ -f "$C/ocibox2.tar.zst" ] || fail "no ocibox2 cache"
        expect_rc 47 vzpkg import "oci-archive:$W/nosuch.tar" bad2
        echo "$LAST_OUT" | grep -q "skopeo cannot copy" || fail "skopeo failure message: $LAST_OUT"
        host_untouched "skopeo"
        ok "oci-archive: through skopeo"
else
        echo "note: skopeo not installed, oci-archive: import not tested"
fi
exit 0
