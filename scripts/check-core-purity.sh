#!/usr/bin/env bash
# Fails if vmcheck-core depends, even indirectly, on an async runtime, HTTP, LDAP, PC/SC,
# storage, keyring, clock or randomness crate. The core must stay pure (see ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(tokio|mio|reqwest|hyper|axum|ldap3|ldap3_proto|pcsc|tauri|rusqlite|keyring|keyring-core|rand|getrandom|uuid|chrono|socket2) '
deps=$(cargo tree -p vmcheck-core -e normal --prefix none --no-dedupe --locked | sort -u)
bad=$(printf '%s\n' "$deps" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "vmcheck-core depends on I/O crates:" >&2
  printf '  %s\n' "$bad" >&2
  exit 1
fi
echo "vmcheck-core: $(printf '%s\n' "$deps" | wc -l) crates, none doing I/O"
