#!/bin/bash
# Hostile OS template metadata: values that would become options or paths
# out of the tree, symlinks and FIFOs in the metadata directory, and a
# pre-install script that tries to get out of its sandbox. Each fails with
# a clear message and OpenVZ's exit code; nothing outside the template
# cache's work directory is written, and nothing is left behind.
. "$(dirname "$0")/lib.sh"
[ -x /bin/busybox ] || { echo "SKIP: no /bin/busybox (busybox-static)"; exit 77; }
. "$(dirname "$0")/template-lib.sh"
C=$T/vz/template/cache
MD=$VZ_CONFDIR/templates
core_pattern=$(cat /proc/sys/kernel/core_pattern)
host_name=$(hostname)

no_leftovers() {
        [ -z "$(ls -A $C)" ] || fail "$1: left in $C: $(ls -A $C)"
        check_host_clean
}
# bad NAME CODE PATTERN: vzpkg create cache NAME fails with CODE and a
# message matching PATTERN, leaving nothing.
bad() {
        expect_rc $2 timeout 60 vzpkg create cache $1
        echo "$LAST_OUT" | grep -q -- "$3" || fail "$1: unclear message: $LAST_OUT"
        echo "  $1: $(echo "$LAST_OUT" | tail -1)"
        no_leftovers $1
}
meta() { # NAME template.conf-text
        mkdir -p $MD/$1
        printf '%s\n' "$2" > $MD/$1/template.conf
        echo "r file:///nonexistent/repo" > $MD/$1/repositories
}

meta opt "BUILDER=pacman"
printf -- '--root=/\n' > $MD/opt/packages
bad opt 21 "invalid package name '--root=/'"

meta rel "BUILDER=dnf
RELEASE=--installroot=/"
bad rel 21 "invalid RELEASE"

meta url "BUILDER=pacman"
echo "r file:///srv/../etc" > $MD/url/repositories
bad url 21 "invalid URL"

meta key "BUILDER=dnf
RELEASE=9
GPGKEY=../../../etc/shadow"
bad key 21 "invalid GPGKEY"

meta keylink "BUILDER=dnf
RELEASE=9
GPGKEY=shadow"
ln -s /etc $MD/keylink/keys
bad keylink 21 "keys"

meta keyring "BUILDER=debootstrap
RELEASE=bookworm
KEYRING=/usr/share/keyrings/../../../etc/shadow"
bad keyring 21 "invalid KEYRING"

mkdir -p $MD/conflink
ln -s /etc/shadow $MD/conflink/template.conf
bad conflink 21 "symbolic link"

ln -s /etc $MD/dirlink
bad dirlink 21 "not a directory"

meta fifo "BUILDER=pacman"
mkfifo $MD/fifo/post-install
bad fifo 21 "not a regular file"

meta quote 'BUILDER=pacman
DESCRIPTION="a" ; touch /tmp/vz-pwned'
bad quote 21 "unbalanced quotes"

meta dollar 'BUILDER=dnf
RELEASE=$(touch /tmp/vz-pwned)'
bad dollar 21 "double quotes"

expect_rc 21 vzpkg create cache --packages '--root=/,x' busybox-nometa 2>/dev/null
bad centos-7 21 "unknown OS template 'centos-7'"
ok "hostile metadata values refused"

# vzctl create suggests vzpkg create cache only for what vzpkg can build.
expect_rc 91 vzctl create 301 --ostemplate centos-7
echo "$LAST_OUT" | grep -q "no metadata to build it" || fail "vzctl create centos-7: $LAST_OUT"
echo "$LAST_OUT" | grep -q "vzpkg create cache" && fail "suggests what vzpkg refuses: $LAST_OUT"
expect_rc 91 vzctl create 301 --ostemplate debian-11-x86_64
echo "$LAST_OUT" | grep -q "vzpkg create cache debian-11-x86_64" || fail "no suggestion: $LAST_OUT"
[ -e $T/vz/private/301 ] && fail "private area left"
ok "vzctl create's hint names only buildable templates"

# A pre-install script that tries to get out. It runs as root of its own
# user namespace, with the new (empty) root as / and the host detached:
# every write lands in the tree, privileged operations fail. It then fails
# the build (exit 3), so the tree is thrown away.
meta escape "BUILDER=pacman"
echo vzt > $MD/escape/packages
cat > $MD/escape/pre-install <<SH
mkdir -p $T && echo pwned > $T/escape-direct
ln -s / /hostroot && echo pwned > /hostroot$T/escape-link
echo pwned > /tmp/vz-pwned
echo pwned > /root/vz-pwned 2>/dev/null
mknod /vz-evil b 8 0 2>/dev/null && echo "ESCAPE: mknod worked"
mount -t proc proc /mnt 2>/dev/null; ls /mnt/1/root/ 2>/dev/null | grep -q vz-test && echo "ESCAPE: host root via proc"
cat /proc/1/root/etc/shadow 2>/dev/null | grep -q '^root:' && echo "ESCAPE: read a shadow"
# (the same value: harmless even if the sandbox were broken)
cat /proc/sys/kernel/core_pattern > /tmp/cp && cat /tmp/cp > /proc/sys/kernel/core_pattern 2>/dev/null && echo "ESCAPE: core_pattern writable"
echo 1 > /proc/self/oom_score_adj 2>/dev/null && echo "ESCAPE: /proc writable"
mount -o remount,rw /proc 2>/dev/null && echo "ESCAPE: /proc remounted rw"
umount /dev 2>/dev/null && echo "ESCAPE: unmounted /dev"
ping -c1 -W1 127.0.0.1 >/dev/null 2>&1 && echo "ESCAPE: network"
hostname vz-pwned-host 2>/dev/null
sleep 987654 &
cd / && for i in 1 2 3 4 5 6 7 8; do cd ..; done; [ -e "$T/host-marker" ] && echo "ESCAPE: ../ reached the host"
echo "uid \$(id -u)"
exit 3
SH
touch $T/host-marker
bad escape 79 "the pre-install script of escape failed with status 3"
echo "$LAST_OUT" | grep ESCAPE && fail "the script escaped"
for f in $T/escape-direct $T/escape-link; do [ -e $f ] && fail "$f written on the host"; done
[ "$(cat /proc/sys/kernel/core_pattern)" = "$core_pattern" ] || fail "core_pattern changed"
[ "$(hostname)" = "$host_name" ] || fail "host name changed"
pgrep -f 'sleep 987654' && fail "the script's background process survived"
ok "pre-install script stays in its sandbox"
exit 0
