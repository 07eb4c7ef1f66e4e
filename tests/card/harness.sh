#!/usr/bin/env bash
# Harness for the V&M Check test smartcard (card.py) on pcscd + vsmartcard-vpcd.
#
#   harness.sh install                       apt-get the Debian packages (needs root or sudo)
#   harness.sh start-pcscd DIR               start `pcscd --foreground` in the background, record
#                                            its pid in DIR/pcscd.pid, wait for both vpcd readers
#   harness.sh insert DIR NAME [card opts]   start a card (card.py options, e.g. --profile file
#                                            --reader 1 --uuid 555021935107), wait for READY and
#                                            until pcscd sees it; pid in DIR/NAME.pid
#   harness.sh remove DIR NAME               stop that card, wait until pcscd sees it gone
#   harness.sh stop DIR                      stop every process recorded in DIR, pcscd last
#   harness.sh status DIR                    list recorded processes and the readers
#
# Only processes this harness started are ever signalled: each is recorded as DIR/NAME.pid with
# its kernel start time (DIR/NAME.start), and a pid whose start time no longer matches is left
# alone (never pkill/killall). pcscd runs without --apdu (that flag logs PINs in clear) and
# without --auto-exit (it would quit after 60 s idle). pcscd must run as root (its socket lives in
# /run/pcscd); clients (tests, the app) may run as any user.
# Exit status: 0 ok, 1 failure, 3 (start-pcscd) a pcscd not started by this harness is running.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
PACKAGES=(pcscd libpcsclite-dev pcsc-tools vsmartcard-vpcd python3-virtualsmartcard
          python3-pycryptodome python3-cryptography python3-pyscard)

die() { echo "harness: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# Field 22 of /proc/PID/stat (start time in clock ticks since boot), robust to spaces in comm;
# fails for a process that is gone or a zombie.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

record() { # DIR NAME PID
  echo "$3" >"$1/$2.pid"
  start_time "$3" >"$1/$2.start" || true
}

# Prints the recorded pid of DIR/NAME if that very process is still alive.
live_pid() {
  local dir=$1 name=$2 pid start now
  [ -f "$dir/$name.pid" ] || return 1
  pid=$(cat "$dir/$name.pid")
  start=$(cat "$dir/$name.start" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  now=$(start_time "$pid") || return 1
  [ -z "$start" ] || [ "$now" = "$start" ] || return 1
  echo "$pid"
}

# SIGTERM the recorded process, wait up to 5 s, then SIGKILL; forget the record.
terminate() {
  local dir=$1 name=$2 pid i
  if pid=$(live_pid "$dir" "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      live_pid "$dir" "$name" >/dev/null || break
      sleep 0.02
    done
    if live_pid "$dir" "$name" >/dev/null; then
      echo "harness: $name (pid $pid) ignored SIGTERM, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/$name.pid" "$dir/$name.start" "$dir/$name.reader"
}

cmd_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${PACKAGES[@]}" >/dev/null
  echo "harness: installed ${PACKAGES[*]}"
}

# Waits (up to 90 s each) until vpcd's two reader ports can be bound as vpcd binds them.
vpcd_ports_free() {
  "$PY" "$HERE/pcsc_util.py" wait-port-free 0x8C7B 90 && "$PY" "$HERE/pcsc_util.py" wait-port-free 0x8C7C 90
}

cmd_start_pcscd() {
  local dir=${1:?usage: harness.sh start-pcscd DIR} pid other ms
  mkdir -p "$dir"
  command -v pcscd >/dev/null || [ -x /usr/sbin/pcscd ] || die "pcscd missing: run '$0 install'"
  if pid=$(live_pid "$dir" pcscd); then
    echo "harness: pcscd already running (pid $pid, ours)"
    return 0
  fi
  if [ -f /run/pcscd/pcscd.pid ]; then
    other=$(cat /run/pcscd/pcscd.pid 2>/dev/null || true)
    if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
      echo "harness: a pcscd not started by this harness is running (pid $other); not touching it" >&2
      return 3
    fi
  fi
  # vpcd's ports (0x8C7B and 0x8C7C, its two readers) free first, as vpcd binds them: no pcscd
  # still exiting holds them, and no connection the last pcscd closed is still in TIME_WAIT on
  # them (a probe with SO_REUSEADDR bound through those while vpcd could not, and three starts in
  # a row failed in a bench on 6 December). When vpcd still could not open its port ("Address
  # already in use", "Could not initialize connection to virtual ICC"), pcscd is stopped and
  # started again, up to three times: such a vpcd never lists its readers.
  vpcd_ports_free || die "vpcd's ports 0x8C7B/0x8C7C (35963/35964) stayed in use for 90 s"
  local attempt
  for attempt in 1 2 3; do
    PATH="$PATH:/usr/sbin" pcscd --foreground >"$dir/pcscd.log" 2>&1 </dev/null &
    pid=$!
    record "$dir" pcscd "$pid"
    # 30 s: on a loaded 2-core machine pcscd has once taken over 10 s to list vpcd's readers.
    if ms=$("$PY" "$HERE/pcsc_util.py" wait-readers 30 --unless-log "$dir/pcscd.log" "Could not initialize connection to virtual ICC"); then
      break
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$dir/pcscd.log" >&2; rm -f "$dir/pcscd.pid"; die "pcscd exited"; }
    terminate "$dir" pcscd
    if [ "$attempt" -lt 3 ] && grep -q "Could not initialize connection to virtual ICC" "$dir/pcscd.log"; then
      echo "harness: vpcd could not open its port; starting pcscd again" >&2
      vpcd_ports_free || true
      continue
    fi
    tail -n 20 "$dir/pcscd.log" >&2 || true
    die "pcscd started but the vpcd readers did not appear in 30 s (is vsmartcard-vpcd installed? pcscd's log above)"
  done
  echo "harness: pcscd pid $pid, vpcd readers listed after ${ms} ms"
}

cmd_insert() {
  local dir=${1:?usage: harness.sh insert DIR NAME [card options]} name=${2:?NAME missing}
  shift 2
  local reader=0 prev="" a pid line="" t0 ms f other
  for a in "$@"; do
    [ "$prev" = "--reader" ] && reader=$a
    case $a in --reader=*) reader=${a#--reader=} ;; esac
    prev=$a
  done
  [ -d "$dir" ] || die "no such dir $dir (run start-pcscd first)"
  live_pid "$dir" "$name" >/dev/null && die "card $name is already inserted"
  # vpcd accepts one card per reader; a second connection would wait unseen in its backlog.
  for f in "$dir"/*.reader; do
    [ -e "$f" ] || continue
    other=$(basename "$f" .reader)
    if [ "$(cat "$f")" = "$reader" ] && live_pid "$dir" "$other" >/dev/null; then
      die "reader $reader already holds card $other"
    fi
  done
  t0=$(now_ms)
  : >"$dir/$name.out"
  "$PY" "$HERE/card.py" "$@" >"$dir/$name.out" 2>"$dir/$name.log" </dev/null &
  pid=$!
  record "$dir" "$name" "$pid"
  echo "$reader" >"$dir/$name.reader"
  for ((i = 0; i < 300; i++)); do
    line=$(grep -m1 '^READY ' "$dir/$name.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/$name.log" >&2
      rm -f "$dir/$name.pid" "$dir/$name.start" "$dir/$name.reader"
      die "card $name exited before READY"
    fi
    sleep 0.02
  done
  [ -n "$line" ] || { terminate "$dir" "$name"; die "card $name: no READY in 6 s"; }
  if ! ms=$("$PY" "$HERE/pcsc_util.py" wait "$reader" present 5); then
    terminate "$dir" "$name"
    die "card $name connected to vpcd but pcscd did not see it in 5 s"
  fi
  echo "$line pid=$pid ready_ms=$(($(now_ms) - t0 - ms)) seen_by_pcscd_ms=$ms"
}

cmd_remove() {
  local dir=${1:?usage: harness.sh remove DIR NAME} name=${2:?NAME missing} reader ms
  reader=$(cat "$dir/$name.reader" 2>/dev/null || echo "")
  live_pid "$dir" "$name" >/dev/null || { rm -f "$dir/$name".{pid,start,reader}; echo "harness: $name not running"; return 0; }
  terminate "$dir" "$name"
  if [ -n "$reader" ] && [ -S /run/pcscd/pcscd.comm ]; then
    if ms=$("$PY" "$HERE/pcsc_util.py" wait "$reader" absent 5); then
      echo "harness: removed $name, pcscd saw it gone after ${ms} ms"
      return 0
    fi
    die "removed $name but pcscd still reports a card in reader $reader"
  fi
  echo "harness: removed $name"
}

cmd_stop() {
  local dir=${1:?usage: harness.sh stop DIR} f name
  [ -d "$dir" ] || return 0
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    [ "$name" = pcscd ] && continue
    terminate "$dir" "$name"
  done
  terminate "$dir" pcscd
  echo "harness: stopped everything recorded in $dir"
}

cmd_status() {
  local dir=${1:?usage: harness.sh status DIR} f name pid
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    if pid=$(live_pid "$dir" "$name"); then echo "$name: pid $pid running"; else echo "$name: gone"; fi
  done
  "$PY" "$HERE/pcsc_util.py" readers || true
}

sub=${1:-}
[ $# -gt 0 ] && shift
case $sub in
  install) cmd_install "$@" ;;
  start-pcscd) cmd_start_pcscd "$@" ;;
  insert) cmd_insert "$@" ;;
  remove) cmd_remove "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
