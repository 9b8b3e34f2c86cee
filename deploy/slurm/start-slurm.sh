#!/usr/bin/env bash
# start-slurm.sh - idempotent single-node Slurm on localhost (Debian 12, as root).
# Part of energy-sweep's own tooling: tests/test_slurm.py and .ci/run start a single-node
# SLURM with it so that `cluster: {kind: slurm}` runs for real (docs/clusters.md).
# Installs munge + slurmctld + slurmd + slurm-client from Debian if missing, writes
# /etc/slurm/slurm.conf for this host, starts munged, slurmctld and slurmd as daemons
# (PID files under /run/munge and /run/slurm), and waits until `sinfo` shows the node
# ready (idle, or mixed/allocated if jobs are already running). Safe to re-run.
# On failure it prints exactly one line starting "start-slurm: FAILED:" and exits 1.
#
# Knobs (environment):
#   SLURM_START_TIMEOUT  seconds to wait for the daemons/node (default 60)
#   SLURM_NODE_CPUS      advertise this many CPUs instead of the real count
#                        (adds SlurmdParameters=config_overrides; lets more 1-core
#                        jobs run at once than there are cores)
#   SLURM_PARTITION      partition name (default debug)
#   SLURMCTLD_PORT / SLURMD_PORT   (default 6817 / 6818)
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export LC_ALL=C

TIMEOUT=${SLURM_START_TIMEOUT:-60}
PARTITION=${SLURM_PARTITION:-debug}
CTLD_PORT=${SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
CONF=/etc/slurm/slurm.conf
RUNDIR=/run/slurm
LOGDIR=/var/log/slurm
CTLD_PID=$RUNDIR/slurmctld.pid
SLURMD_PID=$RUNDIR/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
T0=$SECONDS

fail() { echo "start-slurm: FAILED: $*" >&2; exit 1; }
# last error line written to a log by this run, minus the harmless pmix noise
# (Debian ships the mpi/pmix plugin without libpmix)
declare -A LOGOFF
for f in /var/log/munge/munged.log /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; do
  LOGOFF[$f]=$(stat -c %s "$f" 2>/dev/null || echo 0)
done
lastlog() {
  [ -r "$1" ] || return 0
  tail -c +$(( ${LOGOFF[$1]:-0} + 1 )) "$1" | grep -iE 'error|fatal' | grep -viE 'pmix' | tail -1 | tr -d '\n'
  return 0
}
# wait_pidfile PIDFILE NAME: the daemons fork, and the child writes its PID file a moment later
wait_pidfile() {
  until alive "$1" "$2"; do [ "$(left)" -gt 0 ] || return 1; sleep 0.1; done
}
left() { echo $(( TIMEOUT - (SECONDS - T0) )); }
# alive PIDFILE NAME -> 0 if the pid in PIDFILE is a running process called NAME
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ]
}
pid_is() { [ "$(cat /proc/"$1"/comm 2>/dev/null)" = "$2" ] && ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null; }
stop_pid() { # stop_pid PIDFILE NAME: TERM the pid in PIDFILE (only if it is NAME), wait <=10s, then KILL
  local pid
  if ! alive "$1" "$2"; then rm -f "$1"; return 0; fi
  pid=$(cat "$1")   # read once: the daemons delete their own PID file while shutting down
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do pid_is "$pid" "$2" || break; sleep 0.2; done
  if pid_is "$pid" "$2"; then kill -KILL "$pid" 2>/dev/null; fi
  rm -f "$1"
}
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

[ "$(id -u)" = 0 ] || fail "must run as root"

# ---------------------------------------------------------------- 1. packages
PKGS="munge slurmctld slurmd slurm-client"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  # keep maintainer scripts from starting services during install (no systemd here)
  tmp_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && tmp_policy=1
  fi
  timeout 300 apt-get update -qq -o DPkg::Lock::Timeout=120 >${TMPDIR:-/tmp}/start-slurm-apt.log 2>&1
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq -o DPkg::Lock::Timeout=120 --no-install-recommends $missing \
    >>${TMPDIR:-/tmp}/start-slurm-apt.log 2>&1
  rc=$?
  [ -n "$tmp_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || fail "apt-get install$missing exited $rc (see ${TMPDIR:-/tmp}/start-slurm-apt.log: $(tail -1 ${TMPDIR:-/tmp}/start-slurm-apt.log))"
fi

# ---------------------------------------------------------------- 2. dirs + munge key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -m 0755 /etc/slurm $RUNDIR $LOGDIR /var/spool/slurmctld /var/spool/slurmd
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none \
    || fail "cannot create /etc/munge/munge.key"
fi
chown munge:munge /etc/munge/munge.key && chmod 0600 /etc/munge/munge.key

# ---------------------------------------------------------------- 3. slurm.conf
HOST=$(hostname -s 2>/dev/null || uname -n); HOST=${HOST%%.*}
[ -n "$HOST" ] || fail "hostname -s is empty"
HW=$(slurmd -C 2>/dev/null | head -1)
MEM=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$HW")
[ -n "$MEM" ] || fail "slurmd -C gave no RealMemory: $HW"
if [ -n "${SLURM_NODE_CPUS:-}" ]; then
  NODE="NodeName=$HOST CPUs=$SLURM_NODE_CPUS RealMemory=$MEM"
  OVERRIDE="SlurmdParameters=config_overrides"
else
  NODE="NodeName=$HOST ${HW#NodeName=* }"   # CPUs/Boards/Sockets/Cores/Threads/RealMemory from slurmd -C
  OVERRIDE=""
fi
NEWCONF=$(cat <<EOF
# generated by start-slurm.sh - single node, localhost only
ClusterName=local
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=60
KillWait=5
Waittime=0
${OVERRIDE:+$OVERRIDE
}$NODE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
)
CHANGED=""
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$NEWCONF" ]; then
  printf '%s\n' "$NEWCONF" > "$CONF" && chmod 644 "$CONF" || fail "cannot write $CONF"
  CHANGED=1
fi

# ---------------------------------------------------------------- 4. munged
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! alive $MUNGE_PID munged || ! munge_ok; then
  stop_pid $MUNGE_PID munged
  runuser -u munge -- munged 2>${TMPDIR:-/tmp}/start-slurm-munged.err \
    || runuser -u munge -- munged --force 2>>${TMPDIR:-/tmp}/start-slurm-munged.err \
    || fail "munged did not start: $(tail -3 ${TMPDIR:-/tmp}/start-slurm-munged.err | tr "\n" " ")"
  wait_pidfile $MUNGE_PID munged || fail "munged wrote no live PID file in ${TIMEOUT}s: $(lastlog /var/log/munge/munged.log)"
  until munge_ok; do
    [ "$(left)" -gt 0 ] || fail "munge -n | unmunge still failing after ${TIMEOUT}s: $(lastlog /var/log/munge/munged.log)"
    sleep 0.2
  done
fi

# ---------------------------------------------------------------- 5. slurmctld + slurmd
if [ -n "$CHANGED" ]; then  # new config: restart whatever is running
  stop_pid $SLURMD_PID slurmd
  stop_pid $CTLD_PID slurmctld
fi
if ! alive $CTLD_PID slurmctld; then
  port_busy "$CTLD_PORT" && fail "port $CTLD_PORT already in use by another process (set SLURMCTLD_PORT)"
  slurmctld 2>${TMPDIR:-/tmp}/start-slurm-ctld.err || fail "slurmctld exited $?: $(tail -3 ${TMPDIR:-/tmp}/start-slurm-ctld.err | tr "\n" " ") $(lastlog $LOGDIR/slurmctld.log)"
  wait_pidfile $CTLD_PID slurmctld || fail "slurmctld wrote no live PID file in ${TIMEOUT}s: $(lastlog $LOGDIR/slurmctld.log)"
fi
until timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; do
  alive $CTLD_PID slurmctld || fail "slurmctld died: $(lastlog $LOGDIR/slurmctld.log)"
  [ "$(left)" -gt 0 ] || fail "slurmctld not answering after ${TIMEOUT}s: $(lastlog $LOGDIR/slurmctld.log)"
  sleep 0.2
done
LAUNCH=0
if ! alive $SLURMD_PID slurmd; then
  LAUNCH=$(date +%s)
  port_busy "$SLURMD_PORT" && fail "port $SLURMD_PORT already in use by another process (set SLURMD_PORT)"
  slurmd -N "$HOST" 2>${TMPDIR:-/tmp}/start-slurm-slurmd.err || fail "slurmd exited $?: $(tail -3 ${TMPDIR:-/tmp}/start-slurm-slurmd.err | tr "\n" " ") $(lastlog $LOGDIR/slurmd.log)"
  wait_pidfile $SLURMD_PID slurmd || fail "slurmd wrote no live PID file in ${TIMEOUT}s: $(lastlog $LOGDIR/slurmd.log)"
fi

# ---------------------------------------------------------------- 6. wait for the node
resumed=""
while :; do
  st=$(timeout 10 sinfo -h -n "$HOST" -o %T 2>/dev/null | head -1)
  # a freshly started slurmd must have registered (sinfo keeps showing the old state otherwise)
  reg=$(timeout 10 scontrol show node "$HOST" 2>/dev/null | sed -n 's/.*SlurmdStartTime=\([0-9T:-]*\).*/\1/p')
  reg=$(date -d "${reg/T/ }" +%s 2>/dev/null || echo 0)
  case "$st" in
    idle|mixed|allocated|completing) [ "$reg" -ge "$LAUNCH" ] && break ;;
    *drain*|down*)
      if [ -z "$resumed" ]; then timeout 10 scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1; resumed=1; fi ;;
  esac
  alive $SLURMD_PID slurmd || fail "slurmd died: $(lastlog $LOGDIR/slurmd.log)"
  [ "$(left)" -gt 0 ] || fail "node $HOST is '${st:-unknown}' after ${TIMEOUT}s: $(timeout 10 scontrol show node "$HOST" 2>/dev/null | grep -o 'Reason=.*' | head -1) $(lastlog $LOGDIR/slurmd.log)"
  sleep 0.2
done
echo "start-slurm: OK: node $HOST $st in partition $PARTITION ($(( SECONDS - T0 ))s)"
