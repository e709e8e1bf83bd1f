#!/bin/bash
# As root: hostile template caches (hard links to /etc/shadow, device nodes,
# setuid files, symlink tricks) never touch the host; a good archive keeps
# POSIX ACLs, file capabilities, xattrs, device nodes and set-id bits.
. "$(dirname "$0")/lib.sh"

UNPACK=$VZ_BUILD/tests/unit/template/vz-tmpl-unpack
[ -x "$UNPACK" ] || { echo "SKIP: $UNPACK not built"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
for t in setfacl getfacl setcap getcap getfattr; do
        command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done

shadow_sum=$(sha256sum /etc/shadow)
shadow_links=$(stat -c %h /etc/shadow)
passwd_sum=$(sha256sum /etc/passwd)
dev_list=$(ls -la /dev | sha256sum)
check_host() {
        [ "$(sha256sum /etc/shadow)" = "$shadow_sum" ] || fail "$1: /etc/shadow changed"
        [ "$(stat -c %h /etc/shadow)" = "$shadow_links" ] || fail "$1: /etc/shadow link count changed"
        [ "$(sha256sum /etc/passwd)" = "$passwd_sum" ] || fail "$1: /etc/passwd changed"
        [ "$(ls -la /dev | sha256sum)" = "$dev_list" ] || fail "$1: /dev changed"
        for f in /etc/vz-pwned /vz-pwned /tmp/vz-pwned /dev/vz-evil /usr/bin/vz-suid; do
                [ -e "$f" ] || [ -L "$f" ] && fail "$1: $f was created on the host"
        done
        return 0
}

# Hostile archives, made with Python's tarfile (it writes whatever we ask).
python3 - "$T" <<'PY'
import io, sys, tarfile
T = sys.argv[1]
def mk(name, members):
    with tarfile.open(f"{T}/{name}.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for kind, path, arg, extra in members:
            ti = tarfile.TarInfo(path)
            ti.uid = ti.gid = 0
            ti.mode = extra.get("mode", 0o644)
            data = None
            if kind == "f":
                data = arg.encode(); ti.size = len(data)
            elif kind == "d":
                ti.type = tarfile.DIRTYPE; ti.mode = extra.get("mode", 0o755)
            elif kind == "l":
                ti.type = tarfile.SYMTYPE; ti.linkname = arg
            elif kind == "h":
                ti.type = tarfile.LNKTYPE; ti.linkname = arg
            elif kind in "cb":
                ti.type = tarfile.CHRTYPE if kind == "c" else tarfile.BLKTYPE
                ti.devmajor, ti.devminor = arg
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
mk("h1", [("h", "shadow", "/etc/shadow", {}), ("f", "shadow", "pwned\n", {})])
mk("h2", [("h", "shadow", "../../../../../../etc/shadow", {}), ("f", "shadow", "pwned\n", {})])
mk("h3", [("l", "a", "/", {}), ("h", "b", "a/etc/shadow", {}), ("f", "b", "pwned\n", {})])
mk("h4", [("l", "a", "/etc", {}), ("f", "a/vz-pwned", "pwned\n", {}),
          ("f", "a/shadow", "root::0:0:99999:7:::\n", {})])
mk("h5", [("l", "shadow", "/etc/shadow", {}), ("f", "shadow", "pwned\n", {})])
mk("h6", [("l", "d", "/dev", {}), ("c", "d/vz-evil", (1, 1), {"mode": 0o666})])
mk("h6b", [("b", "disk", (8, 0), {"mode": 0o666}), ("c", "mem", (1, 1), {"mode": 0o666})])
mk("h7", [("l", "u", "/usr/bin", {}), ("f", "u/vz-suid", "#!/bin/sh\n", {"mode": 0o4755})])
mk("h7b", [("f", "su", "#!/bin/sh\n", {"mode": 0o6755})])
mk("h8", [("d", "x", None, {}), ("l", "x/y", "../..", {}), ("f", "x/y/tmp/vz-pwned", "p\n", {}),
          ("f", "/tmp/vz-pwned", "p\n", {})])
mk("h9", [("l", "a", "/proc/self/root", {}), ("f", "a/tmp/vz-pwned", "p\n", {})])
PY

for mode in "" -f; do
        for h in h1 h2 h3 h4 h5 h6 h6b h7 h7b h8 h9; do
                R=$T/r-$h$mode
                mkdir "$R"
                out=$("$UNPACK" $mode "$T/$h.tar.gz" "$R" 2>&1); rc=$?
                check_host "$h$mode"
                # Anything unpacked stays inside R.
                [ "$rc" = 0 ] || echo "$out" | grep -qE "cache .*(unsafe|cannot|damaged)" ||
                        fail "$h$mode: unclear message: $out"
                echo "  $h${mode:+ (fallback)}: rc=$rc ${out:+($out)}"
                rm -rf "$R"
        done
done
ok "hostile archives do not touch the host"

# Device nodes and set-id bits land inside the target as in the archive.
R=$T/r-dev; mkdir "$R"
"$UNPACK" "$T/h6b.tar.gz" "$R" || fail "h6b unpack"
[ "$(stat -c '%F %t:%T %a' "$R/disk")" = "block special file 8:0 666" ] || fail "block node: $(stat -c '%F %t:%T %a' "$R/disk")"
[ -c "$R/mem" ] || fail "char node missing"
R=$T/r-suid; mkdir "$R"
"$UNPACK" "$T/h7b.tar.gz" "$R" || fail "h7b unpack"
[ "$(stat -c %a "$R/su")" = 6755 ] || fail "setuid/setgid bits lost: $(stat -c %a "$R/su")"
ok "device nodes and set-id bits preserved inside the target"

# A good archive made by GNU tar with ACLs, xattrs and file capabilities.
S=$T/src; mkdir -p "$S/bin" "$S/shared"
printf 'x\n' > "$S/bin/ping"; chmod 755 "$S/bin/ping"
setcap cap_net_raw+ep "$S/bin/ping" || fail setcap
printf 'y\n' > "$S/shared/file"; chown 1234:2345 "$S/shared/file"
setfacl -m u:1001:rw-,g:1002:r-- "$S/shared/file" || fail setfacl
setfacl -d -m u:1001:rwx "$S/shared" || fail "setfacl -d"
setfattr -n user.vz -v hello "$S/shared/file"
setfattr -n trusted.overlay.opaque -v y "$S/shared"
ln "$S/shared/file" "$S/shared/hard"
mknod "$S/null" c 1 3
tar --numeric-owner --acls --xattrs --xattrs-include='*' -C "$S" -czpf "$T/good.tar.gz" . ||
        fail "tar -c"
for mode in "" -f; do
        R=$T/r-good$mode; mkdir "$R"
        "$UNPACK" $mode "$T/good.tar.gz" "$R" || fail "good unpack"
        [ "$(getcap "$R/bin/ping" | sed 's/.* //')" = "$(getcap "$S/bin/ping" | sed 's/.* //')" ] ||
                fail "capability lost: '$(getcap "$R/bin/ping")'"
        [ "$(cd "$S" && getfacl -n shared/file)" = "$(cd "$R" && getfacl -n shared/file)" ] ||
                fail "access ACL differs: $(cd "$R" && getfacl -n shared/file)"
        [ "$(cd "$S" && getfacl -n shared)" = "$(cd "$R" && getfacl -n shared)" ] ||
                fail "default ACL differs: $(cd "$R" && getfacl -n shared)"
        [ "$(getfattr --only-values -n user.vz "$R/shared/file" 2>/dev/null)" = hello ] || fail "user xattr lost"
        getfattr -n trusted.overlay.opaque "$R/shared" >/dev/null 2>&1 &&
                fail "trusted.overlay.* xattr was applied"
        [ "$(stat -c %u:%g "$R/shared/file")" = 1234:2345 ] || fail "owner lost"
        [ "$(stat -c %i "$R/shared/file")" = "$(stat -c %i "$R/shared/hard")" ] || fail "hard link lost"
        [ "$(stat -c '%F %t:%T' "$R/null")" = "character special file 1:3" ] || fail "device node lost"
done
ok "ACLs, default ACLs, capabilities, xattrs, owners, hard links, nodes preserved"
exit 0
