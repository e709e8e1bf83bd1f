#!/bin/bash
# A real OpenVZ client, unmodified: collectd's OpenVZ plugin
# (Collectd/Plugins/OpenVZ.pm, Debian package collectd-core), driven by a
# small Perl harness that stands in for collectd's embedded Perl (only the
# Collectd:: plugin API: plugin_register, plugin_dispatch_values,
# plugin_get_interval) and calls the plugin's read callback once.
# The plugin lists CTs with `/usr/sbin/vzlist -Ho veid|name|hostname` and
# reads everything else inside the CT through `/usr/sbin/vzctl exec`
# (/proc/net/dev, /proc/mounts + stat -tf, /proc/loadavg, /proc/*/stat,
# w -h): no /proc/vz file. Its values for a running CT must be the CT's own:
# its processes (the same count the CT's /proc has), its root filesystem's
# size, its load average (lxcfs), dispatched under the CT's name.
# The plugin's paths are fixed: the test runs in a mount namespace of its
# own with the build tree's vzctl/vzlist laid over /usr/sbin (an overlay
# with /usr/sbin below); the host's /usr/sbin is not touched.
if [ -z "${VZ_TEST_PRIVATE_NS:-}" ]; then
        command -v unshare >/dev/null || { echo "SKIP: no unshare(1)"; exit 77; }
        VZ_TEST_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
PM=/usr/share/perl5/Collectd/Plugins/OpenVZ.pm
[ -f "$PM" ] || { echo "SKIP: $PM not installed (Debian package collectd-core)"; exit 77; }
command -v perl >/dev/null || { echo "SKIP: no perl"; exit 77; }
need_cache busybox
ID=481

mkdir -p "$T/sbin" "$T/perl"
ln -s "$VZ_BUILD/src/tools/vzctl" "$T/sbin/vzctl"
ln -s "$VZ_BUILD/src/tools/vzlist" "$T/sbin/vzlist"
mount -t overlay vz-test-sbin -o "lowerdir=$T/sbin:/usr/sbin" /usr/sbin ||
        fail "cannot lay the build's vzctl over /usr/sbin in the test's mount namespace"

# The Collectd:: API the plugin uses, as collectd's perl plugin exports it.
cat > "$T/perl/Collectd.pm" <<'EOF'
package Collectd;
use strict;
use warnings;
use Exporter 'import';
use constant { TYPE_INIT => 0, TYPE_READ => 1, TYPE_WRITE => 2, TYPE_SHUTDOWN => 3,
               TYPE_LOG => 4, TYPE_NOTIF => 5, TYPE_FLUSH => 6, TYPE_CONFIG => 7,
               LOG_ERR => 3, LOG_WARNING => 4, LOG_NOTICE => 5, LOG_INFO => 6, LOG_DEBUG => 7 };
our (%read, @values);
our @EXPORT_OK = qw(plugin_register plugin_dispatch_values plugin_get_interval plugin_log
        TYPE_INIT TYPE_READ TYPE_WRITE TYPE_SHUTDOWN TYPE_LOG TYPE_NOTIF TYPE_FLUSH TYPE_CONFIG
        LOG_ERR LOG_WARNING LOG_NOTICE LOG_INFO LOG_DEBUG);
our %EXPORT_TAGS = (all => \@EXPORT_OK);
sub plugin_register { my ($type, $name, $cb) = @_; $read{$name} = $cb if $type == TYPE_READ; 1 }
# The plugin reuses its hash between calls: keep a copy of each.
sub plugin_dispatch_values { my %v = %{$_[0]}; $v{values} = [@{$v{values}}]; push @values, \%v; 1 }
sub plugin_get_interval { 10 }
sub plugin_log { print STDERR "collectd log: $_[1]\n"; 1 }
1;
EOF
cat > "$T/perl/harness.pl" <<'EOF'
use strict;
use warnings;
use Collectd;
require Collectd::Plugins::OpenVZ;
my $cb = $Collectd::read{OpenVZ} or die "the plugin registered no read callback\n";
{ no strict 'refs'; $cb = \&{"Collectd::Plugins::OpenVZ::$cb"} unless ref $cb; }
$cb->();
for my $v (@Collectd::values) {
        print join(' ', $v->{host}, $v->{plugin}, $v->{plugin_instance} // '-', $v->{type},
                   $v->{type_instance} // '-', @{$v->{values}}), "\n";
}
EOF
collect() { perl -I"$T/perl" "$T/perl/harness.pl"; }

expect_rc 0 vzctl create $ID --ostemplate busybox --hostname cd481.example --name collectd481
STARTED=$ID
expect_rc 0 vzctl start $ID
# Something to count: three sleeps of the CT's own.
vzctl exec $ID 'for i in 1 2 3; do setsid sleep 1000 </dev/null >/dev/null 2>&1 & done'

out=$(collect 2>"$T/collect.err") || fail "harness: $(cat "$T/collect.err")"
echo "$out" | sed 's/^/  /'
[ -n "$out" ] || fail "nothing dispatched: $(cat "$T/collect.err")"
echo "$out" | awk '$1 != "collectd481" { exit 1 }' || fail "values not under the CT's name"

# processes: ps_state per state, summed = the processes the CT's /proc has
# (counted by the same glob the plugin uses; cat itself is one of them).
sum=$(echo "$out" | awk '$2 == "processes" && $4 == "ps_state" { s += $6 } END { print s + 0 }')
sleeping=$(echo "$out" | awk '$2 == "processes" && $5 == "sleeping" { print $6 }')
expect_rc 0 vzctl exec $ID 'ls -d /proc/[0-9]* | wc -l'
inside=$LAST_OUT
[ "$sum" -ge 5 ] || fail "processes: $sum in all (init, 3 sleeps, cat at least)"
[ "$((sum - inside))" -ge -2 ] && [ "$((sum - inside))" -le 2 ] ||
        fail "processes: plugin counted $sum, the CT has $inside"
[ "${sleeping:-0}" -ge 4 ] || fail "processes: $sleeping sleeping (init + 3 sleeps)"
host=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
[ "$sum" -lt "$host" ] || fail "processes: $sum, the host's $host (not the CT's)"
ok "processes: $sum ($sleeping sleeping), the CT's /proc has $inside"

# load: three numbers, the CT's (lxcfs) /proc/loadavg.
load=$(echo "$out" | awk '$2 == "load" { print $6, $7, $8 }')
echo "$load" | grep -Eq '^[0-9.]+ [0-9.]+ [0-9.]+$' || fail "load: '$load'"
ok "load: $load"

# df: the CT's root filesystem, computed by the plugin from the CT's own
# `stat -tf` (fields 6-8 as coreutils prints them: fundamental block size,
# blocks, free; busybox's terse format has no fundamental block size, so in
# the busybox CT the plugin's arithmetic is off by one field: it is the
# plugin's coreutils assumption, the same on OpenVZ, not vz's).
root=$(echo "$out" | awk '$2 == "df" && $5 == "root" { print $6, $7 }')
[ -n "$root" ] || fail "df: no root value: $out"
expect_rc 0 vzctl exec $ID 'stat -tf /'
want=$(echo "$LAST_OUT" | awk '{ print $6 * ($7 - $8), $6 * $8 }')
# (the host's files change the free count between the two reads: 1%)
echo "$root $want" | awk '{ for (i = 1; i <= 2; i++) { d = $i - $(i + 2); if (d < 0) d = -d
        if (d > $(i + 2) / 100) exit 1 } }' ||
        fail "df root: plugin '$root', from the CT's stat -tf: '$want'"
ok "df root: $root (from the CT's stat -tf /)"

# users: one value (w -h inside: none logged in).
echo "$out" | awk '$2 == "users" && $4 == "users" { f = 1 } END { exit !f }' || fail "users: $out"
ok "users"

expect_rc 0 vzctl stop $ID
STARTED=
out=$(collect 2>/dev/null) || fail "harness with no CT running"
[ -z "$out" ] || fail "values dispatched with no CT running: $out"
ok "collectd OpenVZ plugin"
