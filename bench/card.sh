#!/usr/bin/env bash
# Smartcard sign-in timings through the real PC/SC stack (pcscd + vsmartcard vpcd + the virtual
# test card of tests/card), with the real PC/SC adapter, its watcher thread and the engine's
# session. Prints a table (min / median / p90 / max); asserts nothing.
#
#   card inserted -> identity read   from `harness.sh insert` returning (pcscd lists the card)
#                                    to sign_in finishing (passcode typing excluded): the session
#                                    seeing the card, the tries query, VERIFY, the certificate
#                                    read and the roles
#   card removed -> session locked   from the card process ending (the card leaving the reader)
#                                    to the session's Locked(card_removed) event
#
# Usage: bench/card.sh [runs]   (default 20 per card profile). Needs root: it runs its own pcscd
# (and refuses to touch one it did not start). The example is tests/system/examples/card_bench.rs.
# CARD_BENCH_PROFILE=dev builds without optimisation (quicker to build; the figures are
# dominated by pcscd's polling either way).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
bash scripts/setup.sh
profile=${CARD_BENCH_PROFILE:-release}
cargo build --profile "$profile" --quiet --locked -p vmcheck-system-tests --example card_bench
dir=release
[ "$profile" = dev ] && dir=debug
[ "$profile" != dev ] && [ "$profile" != release ] && dir=$profile
"target/$dir/examples/card_bench" "$runs"
