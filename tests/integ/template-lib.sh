# Sourced by template-*.sh after lib.sh: helpers for metadata tests.

# make_base_etc DIR: /etc of a tiny busybox system (init, accounts).
make_base_etc() {
        local e=$1
        mkdir -p "$e/init.d"
        printf '::sysinit:/etc/init.d/rcS\n::askfirst:-/bin/sh\n::ctrlaltdel:/sbin/reboot\n' > "$e/inittab"
        printf '#!/bin/sh\nexit 0\n' > "$e/init.d/rcS"
        chmod 755 "$e/init.d/rcS"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$e/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' > "$e/group"
        printf 'root::19000:0:99999:7:::\n' > "$e/shadow"
        chmod 600 "$e/shadow"
        printf 'NAME="vz test"\nID=vzt\n' > "$e/os-release"
        : > "$e/hostname"
}

# Nothing a template build may touch outside its tree changed on the host.
_host_sums="$(sha256sum /etc/shadow /etc/passwd /etc/hostname 2>/dev/null)"
check_host_clean() {
        [ "$(sha256sum /etc/shadow /etc/passwd /etc/hostname 2>/dev/null)" = "$_host_sums" ] ||
                fail "host files changed"
        for f in /etc/vz-pwned /vz-pwned /tmp/vz-pwned /root/vz-pwned /etc/vzt-post; do
                [ -e "$f" ] || [ -L "$f" ] && fail "$f was created on the host"
        done
        return 0
}
