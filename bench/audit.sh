#!/usr/bin/env bash
# Audit write throughput: intents committed one transaction each (a desk lookup) and in groups
# of 100 (a worklist), to a keyed log on disk and on tmpfs (no flush). Prints figures; asserts
# nothing. Usage: bench/audit.sh [rows]   (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000}
cargo build --release --quiet --locked -p vmcheck-audit --example bench_append
work=$(mktemp -d -p "$PWD/target")
shm=/dev/shm/vmcheck-bench-audit-$$
mkdir -p "$shm"
trap 'rm -rf "$work" "$shm"' EXIT
echo "V&M Check audit log — $rows intents each way, release build"
echo "on disk ($(df --output=source "$work" | tail -1)):"
target/release/examples/bench_append "$work/audit.sqlite" "$rows" 100 | sed 's/^/  /'
echo "on tmpfs:"
target/release/examples/bench_append "$shm/audit.sqlite" "$rows" 100 | sed 's/^/  /'
