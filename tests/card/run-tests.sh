#!/usr/bin/env bash
# Runs the virtual smartcard's own tests against a real pcscd (they start and stop it through
# harness.sh). Fails on any failure or skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/card/test_card.py
