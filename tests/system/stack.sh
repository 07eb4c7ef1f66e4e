#!/usr/bin/env bash
# The PC/SC stack for the system tests (tests/system): pcscd + vsmartcard vpcd + virtual cards,
# on top of tests/card/harness.sh. Adds what the harness does not do:
#
#   stack.sh start DIR vpcd              = harness.sh start-pcscd DIR (both vpcd readers)
#   stack.sh start DIR none              pcscd --foreground -c DIR/no-readers.conf: a running
#                                        service with no reader at all (reader.conf without vpcd;
#                                        no USB readers in CI), recorded like the harness records
#                                        its pcscd (DIR/pcscd.pid + .start), so `stop` works
#   stack.sh stop-pcscd DIR              stop the recorded pcscd only (cards are left alone)
#   stack.sh stop-with-pid DIR PID       leave a watcher that runs `harness.sh stop DIR` (cards,
#                                        then pcscd) as soon as process PID has ended, however
#                                        it ended: a test binary shares one pcscd between its
#                                        tests and still never leaves it running
#   stack.sh insert|remove|stop|status   passed to harness.sh unchanged
#
# Exit status: 0 ok, 1 failure, 3 (start) a pcscd not started by us is running (it is left
# alone: never pkill/killall), 4 (start) the Debian packages are missing (run scripts/setup.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HARNESS="$HERE/../card/harness.sh"
PY=/usr/bin/python3
PCSCD=/usr/sbin/pcscd
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so

die() { echo "stack: $*" >&2; exit 1; }

# Field 22 of /proc/PID/stat (start time since boot), as the harness records it.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

# The recorded pcscd's pid if that very process is alive.
live_pcscd() {
  local dir=$1 pid start now
  [ -f "$dir/pcscd.pid" ] || return 1
  pid=$(cat "$dir/pcscd.pid")
  start=$(cat "$dir/pcscd.start" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  now=$(start_time "$pid") || return 1
  [ -z "$start" ] || [ "$now" = "$start" ] || return 1
  echo "$pid"
}

require_packages() {
  local missing=()
  [ -x "$PCSCD" ] || missing+=(pcscd)
  [ -f "$VPCD_DRIVER" ] || missing+=(vsmartcard-vpcd)
  [ -x "$PY" ] || missing+=(python3)
  [ -d /usr/lib/python3/site-packages/virtualsmartcard ] || missing+=(python3-virtualsmartcard)
  "$PY" -c 'import smartcard.scard' 2>/dev/null || missing+=(python3-pyscard)
  "$PY" -c 'import Cryptodome' 2>/dev/null || missing+=(python3-pycryptodome)
  "$PY" -c 'import cryptography' 2>/dev/null || missing+=(python3-cryptography)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "stack: missing Debian packages: ${missing[*]}: run scripts/setup.sh" >&2
    exit 4
  fi
}

# A pcscd this directory did not start is running: leave it alone.
foreign_pcscd() {
  local other
  [ -f /run/pcscd/pcscd.pid ] || return 1
  other=$(tr -dc 0-9 </run/pcscd/pcscd.pid 2>/dev/null || true) # pcscd ends it with a NUL
  [ -n "$other" ] && kill -0 "$other" 2>/dev/null || return 1
  echo "$other"
}

cmd_start() {
  local dir=${1:?usage: stack.sh start DIR vpcd|none} readers=${2:?vpcd or none} pid other i
  mkdir -p "$dir"
  require_packages
  case $readers in
    vpcd) exec "$HARNESS" start-pcscd "$dir" ;;
    none) ;;
    *) die "readers: vpcd or none, not $readers" ;;
  esac
  if pid=$(live_pcscd "$dir"); then
    die "a pcscd of ours is already running (pid $pid); stop it first"
  fi
  if other=$(foreign_pcscd); then
    echo "stack: a pcscd not started by this harness is running (pid $other); not touching it" >&2
    return 3
  fi
  # An empty reader configuration: pcscd serves, and lists no reader.
  : >"$dir/no-readers.conf"
  "$PCSCD" --foreground -c "$dir/no-readers.conf" >"$dir/pcscd.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/pcscd.pid"
  start_time "$pid" >"$dir/pcscd.start" || true
  for ((i = 0; i < 200; i++)); do
    if "$PY" "$HERE/../card/pcsc_util.py" readers >/dev/null 2>&1; then
      echo "stack: pcscd pid $pid with no reader configured"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$dir/pcscd.log" >&2; die "pcscd exited"; }
    sleep 0.05
  done
  die "pcscd (pid $pid) did not answer in 10 s"
}

cmd_stop_pcscd() {
  local dir=${1:?usage: stack.sh stop-pcscd DIR} pid i
  if pid=$(live_pcscd "$dir"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 250; i++)); do
      live_pcscd "$dir" >/dev/null || break
      sleep 0.02
    done
    if live_pcscd "$dir" >/dev/null; then
      echo "stack: pcscd (pid $pid) ignored SIGTERM, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/pcscd.pid" "$dir/pcscd.start"
  echo "stack: pcscd stopped"
}

cmd_stop_with_pid() {
  local dir=${1:?usage: stack.sh stop-with-pid DIR PID} owner=${2:?PID missing} owner_start
  owner_start=$(start_time "$owner") || die "process $owner is not running"
  mkdir -p "$dir"
  # Detached (own session, no terminal, no inherited pipes), so it outlives the test process.
  setsid bash -c '
    dir=$1 owner=$2 owner_start=$3 harness=$4
    alive() {
      local stat
      stat=$(cat "/proc/$owner/stat" 2>/dev/null) || return 1
      stat=${stat##*) }
      set -- $stat
      [ "$1" != Z ] && [ "${20}" = "$owner_start" ]
    }
    while alive; do sleep 0.2; done
    "$harness" stop "$dir"
  ' stack-watcher "$dir" "$owner" "$owner_start" "$HARNESS" \
    </dev/null >>"$dir/watcher.log" 2>&1 &
  echo "$!" >"$dir/watcher.pid"
  echo "stack: pcscd and cards in $dir are stopped when process $owner ends (watcher pid $!)"
}

sub=${1:-}
[ $# -gt 0 ] && shift
case $sub in
  start) cmd_start "$@" ;;
  stop-pcscd) cmd_stop_pcscd "$@" ;;
  stop-with-pid) cmd_stop_with_pid "$@" ;;
  insert | remove | stop | status) exec "$HARNESS" "$sub" "$@" ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
