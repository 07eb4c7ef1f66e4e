#!/usr/bin/env bash
# The layering, proved with `cargo tree` (normal dependencies only; tests may use anything):
#  1. vmcheck-core depends on no async runtime, HTTP, LDAP, PC/SC, storage, keyring, clock or
#     randomness crate (and its clippy.toml forbids clock, randomness, environment and files);
#  2. the engine depends on no sandbox, axum, LDAP-server or training crate;
#  3. no adapter depends on the engine (or on a shell);
#  4. the shells (vmcheck, vmcheck-desktop) cannot reach the PDS and V&M adapters except through
#     the engine: they do not depend on vmcheck-spine themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
tree() { cargo tree -p "$1" -e normal --prefix none --no-dedupe --locked "${@:2}" | sed 's/ (.*//; s/ v[0-9].*//' | sort -u; }

# 1. The pure core.
forbidden='^(tokio|mio|reqwest|hyper|axum|ldap3|ldap3_proto|pcsc|tauri|rusqlite|keyring|keyring-core|rand|getrandom|uuid|chrono|socket2)$'
core=$(tree vmcheck-core)
bad=$(printf '%s\n' "$core" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then echo "vmcheck-core depends on I/O crates: $bad" >&2; fail=1; fi
echo "vmcheck-core: $(printf '%s\n' "$core" | wc -l) crates, none doing I/O"

# 2. The engine without the sandbox.
engine=$(tree vmcheck-engine)
bad=$(printf '%s\n' "$engine" | grep -E '^(vmcheck-sandbox|vmcheck-training|axum|ldap3_proto)$' || true)
if [ -n "$bad" ]; then echo "vmcheck-engine depends on: $bad (the sandbox is composed beside it)" >&2; fail=1; fi
echo "vmcheck-engine: no sandbox, axum, LDAP-server or training crate"

# 3. Adapters never depend upward.
for adapter in vmcheck-spine vmcheck-card vmcheck-audit vmcheck-secrets vmcheck-jws vmcheck-sheets vmcheck-central vmcheck-allocator vmcheck-x11-repaint; do
  bad=$(tree "$adapter" | grep -E '^(vmcheck-engine|vmcheck-cli|vmcheck-desktop|vmcheck-training)$' || true)
  if [ -n "$bad" ]; then echo "$adapter depends on $bad" >&2; fail=1; fi
done
echo "adapters: none depends on the engine or a shell"

# 4. The shells reach PDS and Spine only through the engine.
for shell in vmcheck-cli vmcheck-desktop; do
  direct=$(tree "$shell" --depth 1)
  if printf '%s\n' "$direct" | grep -qx 'vmcheck-spine'; then
    echo "$shell depends on vmcheck-spine directly: the adapters must be reached through the engine" >&2; fail=1
  fi
done
echo "shells: no direct dependency on vmcheck-spine"
exit $fail
