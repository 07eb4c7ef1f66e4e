#!/usr/bin/env bash
# Writes src-tauri/startup-order.txt, the functions the desktop app runs from launch to a desk
# lookup, and src-tauri/startup-rodata.txt, the sections of read-only data it reads, which the
# release linker (scripts/link-ordered.py) places together at the start of the app's code and of
# its read-only data. The kernel maps a program's code and data in 64 KB runs around each page
# used, so the desk's code and data scattered among 20 MB and 3 MB keep most of them resident
# (README, "Performance": the figures).
#
# 1. A release build instrumented with LLVM's profile counters (-Cprofile-generate, in its own
#    target directory, target/startup-order) runs bench/desktop.sh's workload once per setup —
#    launch, sign in with the card, one lookup; the same in training and with compositing on.
#    The counters are kept in continuous mode (`%c`: the file is the counters, so they survive
#    the app being killed when WebDriver ends the session). Every Rust function that ran comes
#    first, the most counted first.
# 2. The standard library (precompiled) and the C code (SQLite) have no counters: the ordinary
#    release app runs the same workload under `perf record -e page-faults` and every function of
#    the app's whose code took a fault is added. Twice (or as many passes as asked), relinking in
#    between, since a fault maps the 64 KB around it and so hides the functions next to the one
#    that faulted.
# 3. The read-only data: the release app runs the workload under scripts/rodata-trace.c, which
#    records every read of its `.rodata`, and scripts/rodata-sections.py names the input sections
#    read from the link map (strings and constants without a name have a section each, unlike in
#    a page-fault listing; the desk's first, then training mode's). Twice, relinking in between,
#    each run adding to the list what it saw (a run may miss a read another makes).
#
# `scripts/startup-order.sh --faults-only [passes]` skips step 1 and adds to the committed files
# what the given number (3) of page-fault passes and step 3 find: after a small change to the
# code, without the instrumented build. `--rodata-only` runs step 3 alone.
#
# Needs llvm-profdata-22 (the LLVM of rustc 1.95: Debian package llvm-22), perf, root (pcscd),
# tauri-driver and WebKitWebDriver (scripts/setup.sh). Two release builds: about 40 minutes on
# 2 cores. Run it after changing dependencies or the toolchain, or when the desk's flow changes,
# and commit the file. A stale file costs memory, never correctness (names that no longer exist
# are skipped by the linker's ordering).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
faults_only=0
passes=2
if [ "${1:-}" = --faults-only ]; then
  faults_only=1
  passes=${2:-3}
elif [ "${1:-}" = --rodata-only ]; then
  faults_only=1
  passes=0
fi
profdata=${LLVM_PROFDATA:-llvm-profdata-22}
# readelf: the linker script's symbol listing (scripts/link-ordered.py); cc: the tracer; the
# profile tool only for the instrumented run.
tools=(perf readelf cc)
[ "$faults_only" = 1 ] || tools+=("$profdata")
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "startup-order: $tool is needed (llvm-22, linux-perf, binutils)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "startup-order: pcscd must run as root" >&2; exit 1; }
bash scripts/setup.sh
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target=${CARGO_TARGET_DIR:-$root/target}
# Release builds as scripts/package.sh and bench/desktop.sh build them (scripts/release-env.sh;
# the debug builds as the test command does, so that neither rebuilds the other's).
release_build() {
  (. scripts/release-env.sh && cargo build --release --quiet --locked -p vmcheck-desktop)
}
cargo build --quiet --locked -p vmcheck-cli --bins
cargo build --quiet --locked -p vmcheck-e2e-tests --examples

# The workload: bench/desktop.sh's three setups, once each, with the app given.
workload() { # app-binary log [a command to run it under…]
  local app=$1 log=$2
  shift 2
  BENCH_RUNS=1 VMCHECK_E2E_APP="$app" "$@" xvfb-run -a -s "-screen 0 1280x900x24" \
    "$target/debug/examples/desktop_bench" >"$log" 2>&1
}

if [ "$faults_only" = 1 ]; then
  echo "startup-order: 1. kept: the committed file ($(grep -vc '^#' src-tauri/startup-order.txt) functions)"
  : >"$work/desk.txt"
else
echo "startup-order: 1. the instrumented release build (target/startup-order)…"
instrumented=$root/target/startup-order
# (A fixed directory in the flags, or cargo would see new flags and rebuild everything each time;
# LLVM_PROFILE_FILE says where the counters go.)
(. scripts/release-env.sh && RUSTFLAGS="$RUSTFLAGS -Cprofile-generate=$instrumented/profraw -Cllvm-args=-runtime-counter-relocation" \
  CARGO_TARGET_DIR=$instrumented cargo build --release --quiet --locked -p vmcheck-desktop)
LLVM_PROFILE_FILE="$work/run-%p%c.profraw" workload "$instrumented/release/vmcheck-desktop" "$work/profile.log"
shopt -s nullglob
raw=("$work"/run-*.profraw)
((${#raw[@]} > 0)) || { echo "startup-order: the workload wrote no profile" >&2; tail -n 20 "$work/profile.log" >&2; exit 1; }
# Continuous mode writes no value-profile records; clear each function's value-site counts so
# that llvm-profdata does not look for them (raw format version 10).
python3 - "${raw[@]}" <<'EOF'
import struct, sys
for path in sys.argv[1:]:
    data = bytearray(open(path, "rb").read())
    magic, version, binary_ids, num_data = struct.unpack_from("<4Q", data)
    if version & 0xFFFFFFFF != 10:
        sys.exit(f"startup-order: {path}: raw profile version {version & 0xFFFFFFFF}, expected 10")
    start = 16 * 8 + binary_ids
    for i in range(num_data):
        offset = start + i * 64 + 52  # NumValueSites[3] (uint16 each) in a 64-byte record
        data[offset:offset + 6] = bytes(6)
    open(path, "wb").write(data)
EOF
"$profdata" merge -o "$work/desk.profdata" "${raw[@]}"
"$profdata" show --all-functions --counts "$work/desk.profdata" >"$work/desk.txt"
python3 scripts/startup-order.py "$work/desk.txt" >src-tauri/startup-order.txt
echo "startup-order: $(grep -vc '^#' src-tauri/startup-order.txt) functions from the profile"
fi

for pass in $(seq "$passes"); do
  echo "startup-order: 2.$pass the release app, its page faults…"
  release_build
  # perf follows the workload's processes (the app is a child of the WebDriver server it starts);
  # only the faults in this release binary's code count, taken in any of the app's threads (the
  # async runtime's workers run most of a lookup).
  app="$target/release/vmcheck-desktop"
  workload "$app" "$work/faults.log" perf record -e page-faults -c 1 -o "$work/faults.data" -- ||
    { tail -n 20 "$work/faults.log" >&2; exit 1; }
  perf script -i "$work/faults.data" -F ip,sym,dso --no-demangle 2>/dev/null |
    awk -v dso="($(readlink -f "$app"))" '$NF == dso {print $(NF-1)}' | sort -u >"$work/faults.txt"
  [ -s "$work/faults.txt" ] || { echo "startup-order: perf saw no page fault in $app" >&2; exit 1; }
  echo "startup-order: $(wc -l <"$work/faults.txt") functions of the release app took a page fault"
  python3 scripts/startup-order.py "$work/desk.txt" "src-tauri/startup-order.txt" "$work/faults.txt" >"$work/order.txt"
  mv "$work/order.txt" src-tauri/startup-order.txt
  echo "startup-order: $(grep -vc '^#' src-tauri/startup-order.txt) functions"
done
cc -O2 -shared -fPIC -o "$work/librodata-trace.so" scripts/rodata-trace.c -ldl
for pass in 1 2; do
  echo "startup-order: 3.$pass the release app, its reads of its read-only data…"
  release_build
  # The path the kernel gives the running program (/proc/self/exe), and the link map the linker
  # wrote beside it (the newest: the program in target/release is a hard link to it).
  app=$(readlink -f "$target/release/vmcheck-desktop")
  map=$(ls -t "$target"/release/deps/vmcheck_desktop-*.map | head -n 1)
  rm -rf "$work/trace" && mkdir "$work/trace"
  workload "$app" "$work/trace.log" env LD_PRELOAD="$work/librodata-trace.so" \
    VMCHECK_RODATA_TRACE_EXE="$app" VMCHECK_RODATA_TRACE_DIR="$work/trace" ||
    { tail -n 20 "$work/trace.log" >&2; exit 1; }
  list=src-tauri/startup-rodata.txt
  python3 scripts/rodata-sections.py "$app" "$map" "$work/trace.log" "$work/trace" "$list" >"$work/rodata.txt"
  mv "$work/rodata.txt" "$list"
  echo "startup-order: $(grep -vc '^#' "$list") read-only data sections"
done
release_build
echo "startup-order: src-tauri/startup-order.txt and startup-rodata.txt written; commit them"
