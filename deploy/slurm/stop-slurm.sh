#!/usr/bin/env bash
# stop-slurm.sh - stop what start-slurm.sh started, by PID file only:
# cancels any jobs still queued/running (so their job steps end too), then stops
# slurmd, slurmctld and munged (TERM, up to 10s, then KILL). Keeps config and state.
# Part of energy-sweep's own tooling: tests/test_slurm.py and .ci/run stop the single-node
# SLURM that start-slurm.sh started (docs/clusters.md).
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

STOP_VERBOSE=1
. "$(dirname "${BASH_SOURCE[0]}")/daemons.sh"   # alive, pid_is, stop_pid

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
