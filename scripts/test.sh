#!/usr/bin/env bash
# The whole V&M Check test suite, from a fresh clone: installs what is missing, checks the
# layering, runs every test. Every server a test needs is started by the test itself, on
# loopback, and stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
start=$(date +%s)

echo "== formatting"
cargo fmt --all -- --check

echo "== the core crate has no I/O dependencies"
bash scripts/check-core-purity.sh

echo "== tests"
cargo test --workspace --all-targets --locked

echo "== benchmarks compile (they are run by bench/, not here)"
cargo bench --workspace --no-run --locked >/dev/null 2>&1 || cargo bench --workspace --no-run --locked

echo "== done in $(( $(date +%s) - start )) s"
