#!/bin/bash
# A Debian 12 CT on the overlay layout: systemd comes up, the CT's root
# manages users and changes template files and directories (useradd, su,
# rm -rf of a template tree, rename of a template directory), and none of it
# reaches the shared lower layer.
. "$(dirname "$0")/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || { echo "SKIP: no overlayfs in this kernel"; exit 77; }
need_cache debian-12-x86_64-minimal
STARTED="501"
expect_rc 0 vzctl create 501 --ostemplate debian-12-x86_64-minimal --layout overlay
lower=$(readlink $T/vz/private/501/lower)
n0=$(find $lower -xdev | wc -l)
expect_rc 0 vzctl start 501
for i in $(seq 60); do
        s=$(vzctl exec 501 systemctl is-system-running 2>/dev/null)
        case $s in running | degraded) break ;; esac
        sleep 1
done
case $s in running | degraded) ;; *) fail "systemd did not come up: $s" ;; esac
ok "systemd runs on the overlay root ($s)"
expect_rc 0 vzctl exec 501 'useradd -m bob && su bob -c "touch /home/bob/f" && stat -c %U /home/bob/f'
[ "$LAST_OUT" = bob ] || fail "su/useradd: $LAST_OUT"
expect_rc 0 vzctl exec 501 'rm -rf /usr/share/doc && mv /etc/apt /etc/apt2 && mv /etc/apt2 /etc/apt &&
        ls /etc/apt/sources.list* >/dev/null && ! ls /usr/share/doc 2>/dev/null && grep -c bob /etc/passwd'
[ -d $lower/usr/share/doc ] && [ "$(find $lower -xdev | wc -l)" = "$n0" ] &&
        ! grep -q bob $lower/etc/passwd || fail "the CT changed the lower"
ok "users, rm -rf and renames of template trees stay in the CT's upper"
expect_rc 0 vzctl stop 501
expect_rc 0 vzctl destroy 501
[ -z "$(ls -A $T/vz/private)" ] || fail "left in private: $(ls -A $T/vz/private)"
ok "destroy leaves nothing"
