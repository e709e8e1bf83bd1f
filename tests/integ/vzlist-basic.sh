#!/bin/bash
# vzlist over hand-written CT configs (no CT is started): which CTs are
# listed, the exact text columns, JSON, filters, sorting and exit codes.
. "$(dirname "$0")/lib.sh"

command -v vzlist >/dev/null || { echo "SKIP: vzlist not built in $VZ_BUILD"; exit 77; }

# mkct ID [KEY=VALUE...]: a config, and a private area unless NOPRIVATE=1.
mkct() {
        local id=$1 kv
        shift
        : > "$VZ_CONFDIR/conf/$id.conf"
        for kv in "$@"; do
                printf '%s="%s"\n' "${kv%%=*}" "${kv#*=}" >> "$VZ_CONFDIR/conf/$id.conf"
        done
        [ "${NOPRIVATE:-0}" = 1 ] || mkdir -p "$T/vz/private/$id"
}

# No CT at all, then no running CT: message on stderr, exit 0, JSON [].
expect_rc 0 vzlist
[ "$LAST_OUT" = "Container(s) not found" ] || fail "no CTs: got '$LAST_OUT'"
out=$(vzlist 2>/dev/null) && [ -z "$out" ] || fail "no CTs: stdout not empty: '$out'"
[ "$(vzlist -j 2>&1)" = "[]" ] || fail "no CTs: -j did not print []"
ok "no containers"

mkct 101 HOSTNAME=ct101.test NAME=web "IP_ADDRESS=10.1.0.1 10.1.0.2" DESCRIPTION=first \
        PHYSPAGES=0:262144 SWAPPAGES=0:131072 NUMPROC=240:240 ONBOOT=yes \
        DISKSPACE=1048576:1153434 CPUUNITS=1000 "FEATURES=nfs:on" \
        "CAPABILITY=CHOWN:on NET_ADMIN:off"
ln -s "$VZ_CONFDIR/conf/101.conf" "$VZ_CONFDIR/names/web"
mkct 102 HOSTNAME=other.test DESCRIPTION=second
mkct 1000 HOSTNAME=a-really-long-hostname.subdomain.example.org
NOPRIVATE=1 mkct 103 HOSTNAME=ghost.test

expect_rc 0 vzlist
[ "$LAST_OUT" = "Container(s) not found" ] || fail "only stopped CTs: got '$LAST_OUT'"

want='      CTID      NPROC STATUS    IP_ADDR         HOSTNAME
       101          - stopped   10.1.0.1        ct101.test
       102          - stopped   -               other.test
      1000          - stopped   -               a-really-long-hostname.subdomain.example.org'
out=$(vzlist -a) || fail "vzlist -a failed"
[ "$out" = "$want" ] || fail "vzlist -a:
$out
--- expected:
$want"
ok "vzlist -a (103 without private area hidden)"

[ "$(vzlist -S)" = "$want" ] || fail "vzlist -S differs from -a with nothing running"
ok "vzlist -S"

want=' SMARTNAME      NPROC STATUS    IP_ADDR         HOSTNAME
       web          - stopped   10.1.0.1        ct101.test
       102          - stopped   -               other.test
      1000          - stopped   -               a-really-long-hostname.subdomain.example.org'
[ "$(vzlist -a -n)" = "$want" ] || fail "vzlist -a -n: $(vzlist -a -n)"
ok "vzlist -n"

[ "$(vzlist -a -1)" = "$(printf '       101\n       102\n      1000')" ] || fail "vzlist -1"
[ "$(vzlist -a -H -o ctid)" = "$(vzlist -a -1)" ] || fail "-H -o ctid differs from -1"
ok "vzlist -1"

f='%-32s %-32s %10s %10s %5s %6s\n'
want=$(printf "$f" HOSTNAME NAME NPROC.B PHYSP.L VSWAP ONBOOT ct101.test web 240 262144 yes yes \
        other.test - - - no - a-really-long-hostname.subdomain - - - no -)
out=$(vzlist -a -o hostname,name,numproc.b,physpages.l,vswap,onboot)
[ "$out" = "$want" ] || fail "vzlist -o:
$out"
out=$(vzlist -a -t -H -o hostname,ctid | tail -n1)
[ "$out" = "a-really-long-hostname.subdomain.example.org       1000" ] || fail "-t: '$out'"
out=$(vzlist -a -H -o ip,ctid 101)
[ "$out" = "10.1.0.1               101" ] || fail "list not cut to first: '$out'"
out=$(vzlist -a -H -o ctid,ip 101)
[ "$out" = "       101 10.1.0.1 10.1.0.2" ] || fail "last-column list: '$out'"
ok "vzlist -o / -t / list fields"

# Filters (fnmatch) and sorting.
[ "$(vzlist -a -1 -N web)" = "       101" ] || fail "-N web"
[ "$(vzlist -a -1 -h 'ct10*')" = "       101" ] || fail "-h ct10*"
[ "$(vzlist -a -1 -d 'sec*')" = "       102" ] || fail "-d sec*"
out=$(vzlist -a -N nosuch) || fail "filter without match must exit 0"
[ "$out" = "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME" ] || fail "empty filter: '$out'"
[ "$(vzlist -a -1 -s -ctid)" = "$(printf '      1000\n       102\n       101')" ] || fail "-s -ctid"
[ "$(vzlist -a -1 -s hostname)" = "$(printf '      1000\n       101\n       102')" ] || fail "-s hostname"
ok "filters and sorting"

# Explicit CTIDs and names.
[ "$(vzlist -1 102)" = "       102" ] || fail "explicit stopped CTID not listed"
[ "$(vzlist -1 web)" = "       101" ] || fail "name not resolved"
expect_rc 1 vzlist 999
[ "$LAST_OUT" = "Container(s) not found" ] || fail "vzlist 999: '$LAST_OUT'"
expect_rc 1 vzlist nosuchname
[ "$LAST_OUT" = "CT ID nosuchname is invalid." ] || fail "bad name: '$LAST_OUT'"
[ "$(vzlist -j 999 2>/dev/null)" = "[]" ] || fail "vzlist -j 999"
ok "explicit ids"

# Bad usage.
expect_rc 1 vzlist -a -o ctid,bogus
[ "$LAST_OUT" = "Unknown field: bogus" ] || fail "unknown field: '$LAST_OUT'"
expect_rc 1 vzlist -j -o numproc.m
expect_rc 1 vzlist -s bogus
expect_rc 1 vzlist --bogus
expect_rc 0 vzlist -L
echo "$LAST_OUT" | grep -q '^kmemsize.m *KMEMSIZE.M' || fail "-L lacks kmemsize.m"
expect_rc 0 vzlist --help
if command -v setpriv >/dev/null; then
        expect_rc 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v vzlist)" -a
        echo "$LAST_OUT" | grep -q "root" || fail "non-root message: '$LAST_OUT'"
fi
ok "usage errors"

# JSON: valid, all base fields, OpenVZ's value shapes.
vzlist -a -j > "$T/out.json" || fail "vzlist -a -j failed"
python3 - "$T/out.json" <<'EOF' || fail "JSON check failed"
import json, sys
d = json.load(open(sys.argv[1]))
assert [c["ctid"] for c in d] == [101, 102, 1000], d
a, b = d[0], d[1]
assert a["hostname"] == "ct101.test" and a["name"] == "web"
assert a["ip"] == ["10.1.0.1", "10.1.0.2"] and b["ip"] == []
assert a["status"] == "stopped" and a["description"] == "first"
assert a["numproc"] == {"held": 0, "maxheld": 0, "barrier": 240, "limit": 240, "failcnt": 0}, a["numproc"]
assert a["physpages"]["limit"] == 262144 and a["vswap"] is True and b["vswap"] is False
assert a["diskspace"]["softlimit"] == 1048576 and a["diskspace"]["hardlimit"] == 1153434
assert a["onboot"] is True and b["onboot"] is None and a["disabled"] is False
assert a["cpuunits"] == 1000 and a["laverage"] is None and a["uptime"] is None
assert a["features"] == {"nfs": True}
assert a["capability"] == {"chown": True, "net_admin": False}
assert a["private"].endswith("/vz/private/101") and a["layout"] == "simfs"
assert "numproc.m" not in a and "veid" not in a
EOF
out=$(vzlist -j -o ctid,hostname 102 | python3 -c 'import json,sys; print(json.load(sys.stdin))')
[ "$out" = "[{'ctid': 102, 'hostname': 'other.test'}]" ] || fail "vzlist -j -o: $out"
ok "JSON"
