#!/usr/bin/env bash
# Runs V&M Check on this machine: a lookup of a sample patient on the built-in training
# sandbox (TRAINING — not real patient data). Pass another NHS number to look it up instead;
# `vmcheck sandbox --list` shows them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --locked -p vmcheck-cli
exec target/debug/vmcheck lookup --sandbox "${1:-9990000018}"
