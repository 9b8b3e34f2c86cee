#!/usr/bin/env bash
# stop-slurm.sh - stop what start-slurm.sh started, by PID file only:
# cancels any jobs still queued/running (so their job steps end too), then stops
# slurmd, slurmctld and munged (TERM, up to 10s, then KILL). Keeps config and state.
# Part of energy-sweep's own tooling: tests/test_slurm.py and .ci/run stop the single-node
# SLURM that start-slurm.sh started (docs/clusters.md).
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

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
  if pid_is "$pid" "$2"; then kill -KILL "$pid" 2>/dev/null; echo "stop-slurm: $2 ($pid) needed SIGKILL"; fi
  rm -f "$1"
  echo "stop-slurm: stopped $2 ($pid)"
}

if alive /run/slurm/slurmctld.pid slurmctld; then
  jobs=$(timeout 10 squeue -h -o %i 2>/dev/null)
  if [ -n "$jobs" ]; then
    timeout 10 scancel $jobs 2>/dev/null
    for _ in $(seq 1 50); do [ -z "$(timeout 5 squeue -h -t R,CG,PD -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    echo "stop-slurm: cancelled jobs: $(echo $jobs)"
  fi
fi
stop_pid /run/slurm/slurmd.pid slurmd
stop_pid /run/slurm/slurmctld.pid slurmctld
stop_pid /run/munge/munged.pid munged
exit 0
