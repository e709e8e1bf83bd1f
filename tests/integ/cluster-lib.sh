# Sourced by the cluster tests (and bench/cluster.sh): a two-node
# Pacemaker/corosync cluster on this machine, built on the two-host harness
# of the migration tests (migrate-lib.sh). Not a test itself.
#
#   C (netns): br0 10.75.0.3, the client outside both nodes
#   A = node1 (netns + mount ns + uts ns): 10.75.0.1, sshd, corosync, pacemakerd
#   B = node2 (netns + mount ns + uts ns): 10.75.0.2, sshd, corosync, pacemakerd
#
# Each node's mount namespace has, bind-mounted over a per-node directory
# under $T/hX: /etc/corosync, /var/lib/corosync, /var/log/corosync,
# /var/lib/pacemaker, /var/log/pacemaker, /etc/hosts (node1, node2), a tmpfs
# on /run and /dev/shm (libqb's ring buffers), /usr/lib/ocf/resource.d with
# the agent from this tree as vz/vz, and /proc/sysrq-trigger masked by
# /dev/null: Pacemaker "panics" a node by writing b to it (reboot of the
# whole machine here), so it must never reach the real one. corosync and
# pacemakerd also run without CAP_SYS_BOOT in their bounding set, so
# reboot(2) fails for them (the CTs they start lack it too; no test here
# reboots a CT).
#
# Shared storage stands in for NFS: $T/nfs-store is bind-mounted at
# $T/nfs inside both nodes (the mount point is empty outside them); both
# vz.conf files put VE_PRIVATE there, and the dump directory of the agent's
# migration=dump is $T/nfs/dump.
#
# Corosync: knet on the bridge addresses, no crypto, token 1000 ms,
# votequorum two_node: 1. Pacemaker: stonith-enabled=false (no fence
# device exists here: see the guide for what that risks),
# no-quorum-policy=ignore, resource-stickiness=100.
#
# Everything goes at exit: the CTs (stopped on both nodes), then every
# process whose mount namespace is a node's (corosync, pacemakerd and its
# children, agents, sshd; killed by PID), then the namespaces.
. "$(dirname "${BASH_SOURCE[0]}")/migrate-lib.sh"

for _b in corosync pacemakerd cibadmin crm_mon crm_resource; do
        command -v $_b >/dev/null 2>&1 || [ -x /usr/sbin/$_b ] ||
                { echo "SKIP: no $_b (corosync/pacemaker not installed: scripts/install-deps)"; exit 77; }
done
command -v capsh >/dev/null || { echo "SKIP: no capsh (libcap2-bin)"; exit 77; }
export PATH="$PATH:/usr/sbin:/sbin"

declare -A NODE CLPIDS
NODE[A]=node1 NODE[B]=node2
CL_DIR=${SRCDIR}

# on A|B cmd...: as migrate-lib's, also in the node's UTS namespace
# (hostname node1/node2).
on() {
        local h=$1; shift
        nsenter --net=/run/netns/"${NS[$h]}" --mount=/proc/"${SSHD[$h]}"/ns/mnt \
                --uts=/proc/"${SSHD[$h]}"/ns/uts env VZ_CONFDIR="$T/h$h/etc" "$@"
}

# _cl_ns_pids HOST: every process in that node's mount namespace.
_cl_ns_pids() {
        local h=$1 mnt p
        [ -n "${SSHD[$h]:-}" ] || return 0
        mnt=$(readlink /proc/"${SSHD[$h]}"/ns/mnt 2>/dev/null) || return 0
        for p in /proc/[0-9]*; do
                [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$mnt" ] && echo "${p#/proc/}"
        done
}

# cl_kill_stack HOST: corosync and pacemakerd with its children on that
# node, -9 (a crash of the node's cluster stack); its CTs are left alone.
cl_kill_stack() {
        local h=$1 p pids
        for _ in 1 2 3 4 5; do
                pids=""
                for p in $(_cl_ns_pids $h); do
                        case $(cat /proc/$p/comm 2>/dev/null) in
                        corosync | pacemaker*) pids="$pids $p" ;;
                        esac
                done
                [ -n "$pids" ] || return 0
                kill -9 $pids 2>/dev/null
                sleep 0.2
        done
}

# _cl_ct_pids HOST: processes in that node's CT cgroups (its VZ_CGROUP).
_cl_ct_pids() {
        find /sys/fs/cgroup/pids/vztest-$$-mig$1 /sys/fs/cgroup/vztest-$$-mig$1 -mindepth 2 \
                -name cgroup.procs -exec cat {} + 2>/dev/null
}

# First the cluster stacks (else Pacemaker restarts a CT the cleanup
# stopped), then the agents they left, then the CTs, then whatever else
# runs in the nodes' namespaces. A CT process still there at the end is a
# leak: killed, reported, and the test fails.
_cl_cleanup() {
        local h p pids leak=0
        mig_client_stop
        for h in A B; do cl_kill_stack $h; done
        for _ in $(seq 50); do
                pids=""
                for h in A B; do
                        for p in $(_cl_ns_pids $h); do
                                grep -qs "resource.d/vz/vz" /proc/$p/cmdline && pids="$pids $p"
                        done
                done
                [ -n "$pids" ] || break
                sleep 0.2
        done
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null
        _mig_stop_cts
        for h in A B; do
                p=$(cat "$T/h$h/run/lxcfs.pid" 2>/dev/null)
                [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = lxcfs ] && kill "$p"
        done
        for _ in 1 2 3; do
                pids=""
                for h in A B; do pids="$pids $(_cl_ns_pids $h | grep -vx "${SSHD[$h]:-x}")"; done
                [ -n "${pids// /}" ] || break
                kill -9 $pids 2>/dev/null
                sleep 0.2
        done
        for h in A B; do
                pids=$(_cl_ct_pids $h)
                [ -n "$pids" ] || continue
                echo "LEAK: CT processes left on node $h: $pids" >&2
                kill -9 $pids 2>/dev/null
                leak=1
        done
        if [ $leak = 1 ]; then
                sleep 0.5
                for h in A B; do
                        for p in /sys/fs/cgroup/*/vztest-$$-mig$h /sys/fs/cgroup/vztest-$$-mig$h; do
                                [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} + 2>/dev/null
                        done
                done
        fi
        _mig_cleanup
        return $leak
}
trap '_crc=$?; _cl_cleanup || _crc=1; (exit $_crc); _cleanup' EXIT

# The node's mount namespace: migrate-lib's /run and /root, plus the
# cluster's state directories, made before sshd starts (sshd holds the
# namespace; corosync and pacemakerd join it).
_mig_sshd() {
        local h=$1 d=$T/h$1 m
        mkdir -p "$d/cl/etc-corosync" "$d/cl/lib-corosync" "$d/cl/log-corosync" \
                 "$d/cl/log-pacemaker" "$d/cl/ocf/vz" "$d/cl/ocf/heartbeat" "$d/cl/ocf/pacemaker"
        cp -a /var/lib/pacemaker "$d/cl/lib-pacemaker"
        # A first CIB with the cluster options, so the nodes do not wait the
        # default dc-deadtime (20 s) for each other before electing a DC.
        cat > "$d/cl/lib-pacemaker/cib/cib.xml" <<EOF
<cib validate-with="pacemaker-3.8" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="3s"/>
        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="opt-no-quorum-policy" name="no-quorum-policy" value="ignore"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
    <rsc_defaults>
      <meta_attributes id="rsc-options">
        <nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/>
      </meta_attributes>
    </rsc_defaults>
  </configuration>
  <status/>
</cib>
EOF
        chown hacluster:haclient "$d/cl/lib-pacemaker/cib/cib.xml"
        chmod 600 "$d/cl/lib-pacemaker/cib/cib.xml"
        chown hacluster:haclient "$d/cl/log-pacemaker"
        chmod 770 "$d/cl/log-pacemaker"
        cp "$SRCDIR/etc/ocf/vz" "$d/cl/ocf/vz/vz"
        chmod 755 "$d/cl/ocf/vz/vz"
        sed "s/@NODE@/${NODE[$h]}/" "$T/corosync.conf" > "$d/cl/etc-corosync/corosync.conf"
        { echo "127.0.0.1 localhost"
          echo "${HOSTIP[A]} ${NODE[A]}"; echo "${HOSTIP[B]} ${NODE[B]}"; } > "$d/cl/hosts"
        m="mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd &&
           mount --bind '$d/root' /root &&
           mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
           { [ ! -e /proc/sysrq-trigger ] || mount --bind /dev/null /proc/sysrq-trigger; } &&
           mount --bind '$d/cl/etc-corosync' /etc/corosync &&
           mount --bind '$d/cl/lib-corosync' /var/lib/corosync &&
           mount --bind '$d/cl/log-corosync' /var/log/corosync &&
           mount --bind '$d/cl/lib-pacemaker' /var/lib/pacemaker &&
           mount --bind '$d/cl/log-pacemaker' /var/log/pacemaker &&
           mount --bind '$d/cl/hosts' /etc/hosts &&
           mount --bind /usr/lib/ocf/resource.d/heartbeat '$d/cl/ocf/heartbeat' &&
           mount --bind /usr/lib/ocf/resource.d/pacemaker '$d/cl/ocf/pacemaker' &&
           mount --bind '$d/cl/ocf' /usr/lib/ocf/resource.d &&
           mount --bind '$T/nfs-store' '$T/nfs' &&
           hostname ${NODE[$h]} &&
           exec /usr/sbin/sshd -D -e -f '$d/sshd_config'"
        _mig_sshd_start $h "$m" --uts
}

# _cl_daemon HOST LOG cmd...: start a cluster daemon in the node's
# namespaces, without CAP_SYS_BOOT; its PID (capsh execs it) is echoed.
_cl_daemon() {
        local h=$1 log=$2; shift 2
        nsenter --net=/run/netns/"${NS[$h]}" --mount=/proc/"${SSHD[$h]}"/ns/mnt \
                --uts=/proc/"${SSHD[$h]}"/ns/uts \
                env VZ_CONFDIR="$T/h$h/etc" PCMK_logfile=/var/log/pacemaker/pacemaker.log \
                PCMK_logfacility=none PCMK_panic_action=off \
                capsh --drop=cap_sys_boot -- -c 'exec "$@"' sh "$@" >"$log" 2>&1 &
        CLPIDS[$h.$(basename "$1")]=$!
        disown $!
}

# cl_start_node HOST: corosync, then pacemakerd.
cl_start_node() {
        local h=$1 i
        _cl_daemon $h "$T/h$h/corosync.out" corosync -f
        for i in $(seq 100); do
                on $h corosync-cfgtool -s >/dev/null 2>&1 && break
                sleep 0.1
        done
        on $h corosync-cfgtool -s >/dev/null 2>&1 ||
                fail "corosync on node $h did not come up: $(cat "$T/h$h/corosync.out" "$T/h$h/cl/log-corosync/corosync.log" 2>/dev/null | tail -n 20)"
        _cl_daemon $h "$T/h$h/pacemakerd.out" pacemakerd
}

# cl_kill_corosync HOST: only corosync of that node, -9.
cl_kill_corosync() { kill -9 "${CLPIDS[$1.corosync]}"; wait "${CLPIDS[$1.corosync]}" 2>/dev/null; }

# cl_wait_dc SECONDS: both nodes online and a DC elected, as crm_mon shows.
cl_online() { on A crm_mon -1 2>/dev/null | grep -q "Online: \[ ${NODE[A]} ${NODE[B]} \]"; }

cl_setup() {
        mkdir -p "$T/nfs" "$T/nfs-store/private" "$T/nfs-store/dump"
        chmod 700 "$T/nfs-store/private"
        cat > "$T/corosync.conf" <<EOF
totem {
        version: 2
        cluster_name: vztest
        transport: knet
        crypto_cipher: none
        crypto_hash: none
        token: 1000
}
nodelist {
        node {
                ring0_addr: ${HOSTIP[A]}
                name: ${NODE[A]}
                nodeid: 1
        }
        node {
                ring0_addr: ${HOSTIP[B]}
                name: ${NODE[B]}
                nodeid: 2
        }
}
quorum {
        provider: corosync_votequorum
        two_node: 1
}
logging {
        to_logfile: yes
        logfile: /var/log/corosync/corosync.log
        to_syslog: no
        to_stderr: no
        timestamp: on
}
EOF
        mig_setup
        local h
        for h in A B; do
                # CL_SHARED=0: each node keeps its own private areas.
                [ "${CL_SHARED:-1}" = 0 ] ||
                        sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=$T/nfs/private/\$VEID|" "$T/h$h/etc/vz.conf"
                # known_hosts by name too: the agent's vzmigrate uses node names.
                sed -i -e "s/^${HOSTIP[A]} /${HOSTIP[A]},${NODE[A]} /" \
                       -e "s/^${HOSTIP[B]} /${HOSTIP[B]},${NODE[B]} /" "$T/h$h/root/.ssh/known_hosts"
        done
        for h in A B; do cl_start_node $h; done
        wait_until 60 cl_online || fail "the cluster did not form: $(on A crm_mon -1 2>&1)"
        on A crm_attribute --type crm_config --name stonith-enabled --update false >/dev/null ||
                fail "cannot set stonith-enabled"
        on A crm_attribute --type crm_config --name no-quorum-policy --update ignore >/dev/null
        on A crm_attribute --type rsc_defaults --name resource-stickiness --update 100 >/dev/null
}

# wait_until SECONDS cmd...: by the clock (the commands here are slow).
wait_until() {
        local end=$(( $(date +%s) + $1 )); shift
        while :; do
                "$@" && return 0
                [ "$(date +%s)" -lt $end ] || return 1
                sleep 0.1
        done
}

# where_is RESOURCE: the node crm_resource --locate names (empty: nowhere).
where_is() {
        on ${2:-A} crm_resource --locate --resource "$1" 2>/dev/null |
                sed -n 's/.* is running on: \([^ ]*\).*/\1/p'
}
