#!/bin/bash
# vztmpl-dl against a local HTTP server (python3 -m http.server on
# 127.0.0.1, a free port) serving an OpenVZ-style directory (SHA256SUMS,
# .sha256, .asc signed with a key the test makes) and an LXC image server
# (meta/1.0/index-system, rootfs.tar.xz): listing, download, checksum and
# signature checks (a corrupted download or a bad signature fails clearly
# and leaves no cache), --update, progress only on a terminal; then CTs made
# from the downloaded caches start.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
for t in gpg gpgv zstd xz script; do
        command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done
[ -x /bin/busybox ] || { echo "SKIP: no /bin/busybox (busybox-static)"; exit 77; }
need_cache busybox
C=$T/vz/template/cache
R=$T/repo
export GNUPGHOME=$T/gnupg
HTTP_PID=""
stop_all() {
        [ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
        gpgconf --kill all 2>/dev/null
        return 0
}
at_exit stop_all

# A signing key, made here (no passphrase).
mkdir -m 700 "$GNUPGHOME"
gpg --batch -q --passphrase '' --quick-gen-key 'vz test <vz-test@localhost>' ed25519 sign never 2>/dev/null ||
        fail "cannot make a GPG key"
gpg --batch -q --export >"$T/keyring.gpg"
sign() { gpg --batch -q --yes --armor --detach-sign -o "$1.asc" "$1"; }

# OpenVZ layout.
mkdir -p "$R/ovz"
zstd -dc "$(readlink -f "$C"/busybox.tar.*)" >"$T/bb.tar"
gzip -c "$T/bb.tar" >"$R/ovz/busybox-dl.tar.gz"
xz -T1 -0 -c "$T/bb.tar" >"$R/ovz/other-1.tar.xz"
cp "$R/ovz/busybox-dl.tar.gz" "$R/ovz/bad-1.tar.gz"
cp "$R/ovz/busybox-dl.tar.gz" "$R/ovz/badsig-1.tar.gz"
cp "$R/ovz/busybox-dl.tar.gz" "$R/ovz/nosig-1.tar.gz"
(cd "$R/ovz" && sha256sum busybox-dl.tar.gz bad-1.tar.gz badsig-1.tar.gz nosig-1.tar.gz >SHA256SUMS)
sha256sum "$R/ovz/other-1.tar.xz" | cut -d' ' -f1 >"$R/ovz/other-1.tar.xz.sha256"
for f in busybox-dl.tar.gz other-1.tar.xz bad-1.tar.gz; do sign "$R/ovz/$f"; done
# Corrupted after being summed and signed: one byte in the middle.
printf 'X' | dd of="$R/ovz/bad-1.tar.gz" bs=1 seek=20000 conv=notrunc status=none
# A good file with the signature of another.
cp "$R/ovz/other-1.tar.xz.asc" "$R/ovz/badsig-1.tar.gz.asc"
# LXC image server layout.
D=images/busybox/1/amd64/default/20240101_00:00
mkdir -p "$R/lxc/meta/1.0" "$R/lxc/$D"
cp "$R/ovz/other-1.tar.xz" "$R/lxc/$D/rootfs.tar.xz"
(cd "$R/lxc/$D" && sha256sum rootfs.tar.xz >SHA256SUMS)
sign "$R/lxc/$D/rootfs.tar.xz"
printf 'busybox;1;amd64;default;20240101_00:00;/%s/\nalpine;3.19;arm64;default;20240101_00:00;/images/alpine/\n' \
        "$D" >"$R/lxc/meta/1.0/index-system"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$R" "$PORT" >"$T/http.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/')" 2>/dev/null && break
        sleep 0.1
done
U=http://127.0.0.1:$PORT
cat >"$VZ_CONFDIR/download.conf" <<EOF
# test repositories
TMPL_REPO_PREFIX="$U"
TEMPLATE_REPOS="\$TMPL_REPO_PREFIX/ovz lxc:\$TMPL_REPO_PREFIX/lxc"
GPG_KEYRING=$T/keyring.gpg
EOF

no_leftovers() {
        ls -A "$C" | grep -q '^\.' && fail "$1: temporary file left in $C: $(ls -A "$C")"
        return 0
}

expect_rc 0 vztmpl-dl --list-remote
want=$(printf '%s\n' bad-1 badsig-1 busybox-1-x86_64 busybox-dl nosig-1 other-1 alpine-3.19-arm64 | sort)
[ "$LAST_OUT" = "$want" ] || fail "--list-remote: '$LAST_OUT', want '$want'"
ok "--list-remote lists both repositories"

expect_rc 0 vztmpl-dl busybox-dl
echo "$LAST_OUT" | grep -q "Good signature" || fail "no signature check reported: $LAST_OUT"
echo "$LAST_OUT" | grep -q $'\r' && fail "progress written when piped: $LAST_OUT"
cmp "$C/busybox-dl.tar.gz" "$R/ovz/busybox-dl.tar.gz" || fail "downloaded file differs"
expect_rc 2 vztmpl-dl busybox-dl
echo "$LAST_OUT" | grep -q "already present" || fail "no 'already present': $LAST_OUT"
expect_rc 0 vztmpl-dl --update busybox-dl
echo "$LAST_OUT" | grep -q "up to date" || fail "--update of an unchanged file: $LAST_OUT"
expect_rc 0 vztmpl-dl -q other-1
[ -z "$LAST_OUT" ] || fail "-q printed: $LAST_OUT"
[ -f "$C/other-1.tar.xz" ] || fail "no other-1.tar.xz"
ok "OpenVZ layout: download with SHA256SUMS / .sha256 and signature, already present, --update"

expect_rc 0 vztmpl-dl busybox-1-x86_64
[ -f "$C/busybox-1-x86_64.tar.xz" ] || fail "no busybox-1-x86_64.tar.xz"
cmp "$C/busybox-1-x86_64.tar.xz" "$R/lxc/$D/rootfs.tar.xz" || fail "LXC download differs"
ok "LXC image server: index-system, rootfs.tar.xz, SHA256SUMS, signature"

expect_rc 5 vztmpl-dl bad-1
echo "$LAST_OUT" | grep -q "download of $U/ovz/bad-1.tar.gz is corrupted" || fail "corrupt message: $LAST_OUT"
ls "$C" | grep -q bad-1 && fail "corrupted download left a cache"
no_leftovers "corrupted"
expect_rc 5 vztmpl-dl badsig-1
echo "$LAST_OUT" | grep -q "bad GPG signature" || fail "bad signature message: $LAST_OUT"
ls "$C" | grep -q badsig && fail "badly signed download left a cache"
expect_rc 5 vztmpl-dl nosig-1
echo "$LAST_OUT" | grep -q "has no signature" || fail "missing signature message: $LAST_OUT"
no_leftovers "bad signatures"
expect_rc 0 vztmpl-dl --no-gpg-check nosig-1
rm -f "$C/nosig-1.tar.gz"
sed -i '/GPG_KEYRING/d' "$VZ_CONFDIR/download.conf"
expect_rc 3 vztmpl-dl --gpg-check nosig-1
echo "GPG_KEYRING=$T/keyring.gpg" >>"$VZ_CONFDIR/download.conf"
expect_rc 1 vztmpl-dl nosuch-1
echo "$LAST_OUT" | grep -q "not in any repository" || fail "not-found message: $LAST_OUT"
expect_rc 3 vztmpl-dl
expect_rc 3 vztmpl-dl --bogus
expect_rc 1 vztmpl-dl --no-gpg-check nosuch-1 nosig-1
[ -e "$C/nosig-1.tar.gz" ] && fail "went on after an error without --ignore-errors"
expect_rc 0 vztmpl-dl --no-gpg-check --ignore-errors nosuch-1 nosig-1
[ -f "$C/nosig-1.tar.gz" ] || fail "--ignore-errors did not go on"
rm -f "$C/nosig-1.tar.gz"
expect_rc 1 vztmpl-dl --repo "$U/nothing-here" --list-remote
no_leftovers "errors"
ok "corrupted download, bad/missing signature, missing template: clear messages, exit codes, nothing left"

# Progress on a terminal only.
rm -f "$C/other-1.tar.xz"
script -qec "vztmpl-dl other-1" /dev/null >"$T/tty.out" 2>&1 || fail "vztmpl-dl on a tty failed: $(cat "$T/tty.out")"
grep -q "Downloading other-1: .*%" "$T/tty.out" || fail "no progress on a terminal: $(cat "$T/tty.out")"
ok "progress on a terminal"

touch "$C/localonly.tar.gz"
expect_rc 0 vztmpl-dl --list-local
[ "$LAST_OUT" = "$(printf '%s\n' busybox busybox-1-x86_64 busybox-dl localonly other-1)" ] || fail "--list-local: $LAST_OUT"
expect_rc 0 vztmpl-dl --list-orphans
[ "$LAST_OUT" = "$(printf '%s\n' busybox localonly)" ] || fail "--list-orphans: $LAST_OUT"
expect_rc 0 vztmpl-dl --list-all
echo "$LAST_OUT" | grep -q '^busybox-dl  *local,remote$' || fail "--list-all: $LAST_OUT"
echo "$LAST_OUT" | grep -q '^nosig-1  *remote$' || fail "--list-all: $LAST_OUT"
rm -f "$C/localonly.tar.gz"
# A newer file in the repository: --update-all fetches it.
touch -d '+1 hour' "$R/ovz/other-1.tar.xz"
touch -d '-1 day' "$C/other-1.tar.xz" "$C/busybox-dl.tar.gz"
expect_rc 0 vztmpl-dl --update-all
echo "$LAST_OUT" | grep -q "Template other-1 downloaded" || fail "--update-all: $LAST_OUT"
ok "--list-local, --list-orphans, --list-all, --update-all"

expect_rc 0 vzctl create 101 --ostemplate busybox-dl --hostname dl101
expect_rc 0 vzctl create 102 --ostemplate busybox-1-x86_64
expect_rc 0 vzctl start 101
STARTED="101"
expect_rc 0 vzctl start 102
STARTED="101 102"
expect_rc 0 vzctl exec 101 'hostname; busybox | head -n1'
echo "$LAST_OUT" | grep -qx dl101 || fail "CT 101: $LAST_OUT"
expect_rc 0 vzctl exec 102 'echo lxc-ok'
[ "$LAST_OUT" = lxc-ok ] || fail "CT 102: $LAST_OUT"
for id in 101 102; do expect_rc 0 vzctl stop $id; done
STARTED=""
for id in 101 102; do expect_rc 0 vzctl destroy $id; done
ok "CTs from the downloaded caches start and run commands"
exit 0
