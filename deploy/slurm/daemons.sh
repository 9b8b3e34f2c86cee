# daemons.sh - sourced by start-slurm.sh and stop-slurm.sh: daemons by PID file.
# A PID file counts only while its process has the expected name (a stale file or a reused PID
# does not); zombies count as stopped (PID 1 may reap them late). STOP_VERBOSE=1 makes stop_pid
# say what it stopped.

# alive PIDFILE NAME -> 0 if the pid in PIDFILE is a running process called NAME
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ]
}
# pid_is PID NAME -> 0 if PID is a live (not zombie) process called NAME
pid_is() { [ "$(cat /proc/"$1"/comm 2>/dev/null)" = "$2" ] && ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null; }
# stop_pid PIDFILE NAME: TERM the pid in PIDFILE (only if it is NAME), wait <=10s, then KILL
stop_pid() {
  local pid
  if ! alive "$1" "$2"; then rm -f "$1"; return 0; fi
  pid=$(cat "$1")   # read once: the daemons delete their own PID file while shutting down
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do pid_is "$pid" "$2" || break; sleep 0.2; done
  if pid_is "$pid" "$2"; then
    kill -KILL "$pid" 2>/dev/null
    [ -n "${STOP_VERBOSE:-}" ] && echo "stop-slurm: $2 ($pid) needed SIGKILL"
  fi
  rm -f "$1"
  [ -n "${STOP_VERBOSE:-}" ] && echo "stop-slurm: stopped $2 ($pid)"
  return 0
}
