#!/bin/bash
# Parallel safety: 50 vzctl commands at once over 20 CTs (start, stop, set
# --save, exec, destroy, create, in random order, half of them with
# --wait-lock), then, from the host:
#  - every config parses (vzctl reads it) and holds exactly one of the
#    states that were written: the sample's keys all there, CPUUNITS and
#    DESCRIPTION each one some `set` wrote, never a mix or a partial file;
#    no temp file left in the config or lock directory;
#  - no CT half started or half stopped: `vzctl status` agrees with the
#    supervisor (alive, parent of a live init), the CT's cgroups (exist
#    with its init in them exactly when running) and the VE_ROOT mount;
#  - every command that failed said why, with an exit code that fits what
#    the CT was doing (9 naming the lock holder, 32 running, 31 not
#    running, 44 exists, 14 no config...), and none run with --wait-lock
#    failed on the lock.
# CONCURRENCY_REPEAT rounds (default 2); CONCURRENCY_SEED fixes the random
# order (printed on failure).
. "$(dirname "$0")/lib.sh"
need_cache busybox

ROUNDS=${CONCURRENCY_REPEAT:-2}
SEED=${CONCURRENCY_SEED:-$$}
RANDOM=$SEED
IDS=$(seq 800 819)
STARTED=$IDS
CG=vztest-$$
KEYS="VE_ROOT VE_PRIVATE OSTEMPLATE LOCAL_UID LOCAL_GID"
echo "seed $SEED, $ROUNDS rounds"

out=$T/cmd
mkdir -p $out
conf() { echo "$VZ_CONFDIR/conf/$1.conf"; }

# ------------------------------------------------------------------ checks
check_config() {
        local id=$1 f k v
        f=$(conf $id)
        [ -e "$f" ] || return 0
        for k in $KEYS; do
                grep -q "^$k=" "$f" || fail "round $r: CT $id config lacks $k: $(cat "$f")"
        done
        # each value one that was written (by create: none, or by a set)
        v=$(sed -n 's/^CPUUNITS="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f")
        [ -z "$v" ] || grep -qx "$id cpu $v" $T/written ||
                fail "round $r: CT $id CPUUNITS=$v was never written"
        v=$(sed -n 's/^DESCRIPTION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f")
        [ -z "$v" ] || grep -qx "$id desc $v" $T/written ||
                fail "round $r: CT $id DESCRIPTION=$v was never written"
        [ "$(grep -c '^CPUUNITS=' "$f")" -le 1 ] || fail "round $r: CT $id CPUUNITS twice"
        vzctl status $id >/dev/null 2>&1 || fail "round $r: CT $id config does not parse"
}

cgroup_dirs() { find /sys/fs/cgroup -maxdepth 4 -type d -path "*/$CG/$1" 2>/dev/null; }

check_state() {
        local id=$1 st sup init d running=no
        st=$(vzctl status $id 2>&1) || fail "round $r: status $id: $st"
        case $st in *" running") running=yes ;; esac
        sup=$(cat $T/run/$id.pid 2>/dev/null)
        init=$(cat $T/run/$id.init 2>/dev/null)
        if [ $running = yes ]; then
                [ -n "$sup" ] && kill -0 "$sup" 2>/dev/null ||
                        fail "round $r: CT $id 'running' without a supervisor"
                [ -n "$init" ] && kill -0 "$init" 2>/dev/null ||
                        fail "round $r: CT $id 'running' without init"
                [ "$(awk '{print $4}' /proc/$init/stat)" = "$sup" ] ||
                        fail "round $r: CT $id init $init is not the supervisor's child"
                d=$(find /sys/fs/cgroup/pids -maxdepth 3 -type d -path "*/$CG/$id" 2>/dev/null | head -n1)
                [ -n "$d" ] && grep -qx "$init" $d/cgroup.procs ||
                        fail "round $r: CT $id init not in its pids cgroup"
                case $st in *" mounted "*) ;; *) fail "round $r: CT $id running, not mounted: $st" ;; esac
        else
                [ -z "$sup" ] || ! kill -0 "$sup" 2>/dev/null ||
                        [ "$(cat /proc/$sup/comm 2>/dev/null)" != vz-supervisor ] ||
                        fail "round $r: CT $id '$st' but its supervisor $sup lives"
                [ -z "$(cgroup_dirs $id)" ] ||
                        fail "round $r: CT $id '$st' but has cgroups: $(cgroup_dirs $id)"
                case $st in
                *" unmounted "*) ;;
                *) fail "round $r: CT $id stopped but mounted: $st" ;;
                esac
                ! grep -q " $T/vz/root/$id " /proc/self/mountinfo ||
                        fail "round $r: CT $id stopped but VE_ROOT is a mount"
        fi
        case $st in
        *" deleted "*)
                [ ! -e $T/vz/private/$id ] || fail "round $r: CT $id deleted, private area left"
                [ ! -e "$(conf $id)" ] || fail "round $r: CT $id deleted, config left" ;;
        esac
}

# rc allowed for each command, whatever state the CT was in meanwhile
check_result() {
        local f=$1 cmd id wl rc msg
        read -r cmd id wl rc < $f.rc
        msg=$(cat $f.out)
        [ "$rc" = 0 ] && return 0
        [ -n "$msg" ] || fail "round $r: '$cmd $id' exited $rc saying nothing"
        if [ "$rc" = 9 ]; then
                [ "$wl" = wait ] && fail "round $r: '$cmd $id' with --wait-lock failed on the lock: $msg"
                echo "$msg" | grep -q "locked by PID [0-9]" ||
                        fail "round $r: '$cmd $id' exit 9 without the holder: $msg"
                return 0
        fi
        case "$cmd:$rc" in
        start:32 | start:14 | start:43) ;; # running / destroyed meanwhile
        stop:14) ;;
        set:14) ;;
        exec:31 | exec:14) ;; # not running / destroyed
        exec:8) echo "$msg" | grep -q "killed by signal" ||
                        fail "round $r: 'exec $id' exited 8: $msg" ;; # a stop inside killed it
        destroy:41 | destroy:32 | destroy:14) ;; # running, or gone already
        create:44) ;; # exists
        *) fail "round $r: '$cmd $id' exited $rc: $msg" ;;
        esac
}

# ------------------------------------------------------------------ rounds
# what create writes (the sample's value) counts as written too
: > $T/written
sample=$(sed -n 's/^CONFIGFILE="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' $VZ_CONFDIR/vz.conf)
v=$(sed -n 's/^CPUUNITS="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' $VZ_CONFDIR/conf/ve-$sample.conf-sample)
for id in $IDS; do echo "$id cpu $v" >> $T/written; done
for ((r = 1; r <= ROUNDS; r++)); do
        # a known start: the first 14 exist, half of those running
        for id in $IDS; do
                if [ $id -lt 814 ]; then
                        [ -e "$(conf $id)" ] ||
                                expect_rc 0 vzctl create $id --ostemplate busybox
                        if [ $((id % 2)) = 0 ]; then
                                vzctl status $id | grep -q " running" || expect_rc 0 vzctl start $id
                        else
                                vzctl stop $id --fast >/dev/null 2>&1
                        fi
                else
                        vzctl stop $id --fast >/dev/null 2>&1
                        [ ! -e "$(conf $id)" ] || expect_rc 0 vzctl destroy $id
                fi
        done
        rm -f $out/*
        pids=""
        for ((i = 0; i < 50; i++)); do
                id=$((800 + RANDOM % 20))
                wl=nowait; w=""
                if [ $((RANDOM % 2)) = 0 ]; then wl=wait; w=--wait-lock=120; fi
                case $((RANDOM % 7)) in
                0) cmd=start; args="start $id" ;;
                1) cmd=stop; args="stop $id"; [ $((RANDOM % 2)) = 0 ] && args+=" --fast" ;;
                2) cmd=set; v=$((100 + RANDOM % 900)); echo "$id cpu $v" >> $T/written
                   args="set $id --cpuunits $v --save" ;;
                3) cmd=set; v="d$r-$i"; echo "$id desc $v" >> $T/written
                   args="set $id --description $v --save" ;;
                4) cmd=exec; args="exec $id true" ;;
                5) cmd=destroy; args="destroy $id" ;;
                6) cmd=create; args="create $id --ostemplate busybox" ;;
                esac
                (
                        vzctl $w $args > $out/$i.out 2>&1
                        echo "$cmd $id $wl $?" > $out/$i.rc
                ) &
                pids+=" $!"
        done
        wait $pids
        for ((i = 0; i < 50; i++)); do check_result $out/$i; done
        for id in $IDS; do
                check_config $id
                check_state $id
        done
        left=$(ls -A $VZ_CONFDIR/conf $T/vz/lock | grep -E '\.tmp|^[0-9]+\.lck$' || true)
        [ -z "$left" ] || fail "round $r: left in conf/lock dirs: $left"
        echo "round $r ($(date +%T)): command:exit count:" $(cat $out/*.rc | awk '{print $1 ":" $4}' | sort | uniq -c |
                                                 awk '{printf "%s=%s ", $2, $1}')
done
ok "$ROUNDS rounds of 50 concurrent commands over 20 CTs"
