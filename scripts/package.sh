#!/usr/bin/env bash
# Builds the Debian and RPM packages of V&M Check with the Tauri 2 bundler: the desktop app
# (/usr/bin/vmcheck-desktop, its desktop entry and icons), the `vmcheck` command line
# (/usr/bin/vmcheck), the kiosk session (/usr/bin/vmcheck-kiosk-session, openbox's rc.xml, the
# xsession entry), a commented example configuration (/etc/vmcheck/config.toml.example and
# /usr/share/doc/vmcheck/examples/config.toml), the licence, the changelog and the README.
# Dependencies declared: the C library (2.36 or newer: a release app's packed relocations,
# scripts/link-ordered.py), pcscd, openbox, x11-utils (and WebKitGTK, which the bundler adds).
#
# Usage: scripts/package.sh [--debug]
#   release build by default (what a trust deploys); --debug reuses the test build (the test
#   command's install test, tests/package/run.sh). Packages: target/packages/.
#
# No AppImage: the bundler downloads AppRun and linuxdeploy from GitHub at bundle time, which a
# machine without internet access cannot do.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
flags=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug
  flags=(--debug)
fi
# A release app has the code the desk runs from launch to a lookup laid out together
# (scripts/release-env.sh): less of it resident.
if [ "$profile" = release ]; then
  . scripts/release-env.sh
fi
command -v rpm >/dev/null || echo "package.sh: note: rpm is not installed (scripts/setup.sh installs it); the bundler writes .rpm files without it" >&2

echo "package.sh: the web UI"
if [ ! -x ui/node_modules/.bin/tauri ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npm run --silent build)

echo "package.sh: the command line ($profile)"
cargo_flags=(--locked --quiet -p vmcheck-cli)
[ "$profile" = release ] && cargo_flags+=(--release)
cargo build "${cargo_flags[@]}"

# The CLI is not the bundler's main binary: it goes in as a file, from this profile's build.
extra=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/vmcheck":"../target/%s/vmcheck"}},"rpm":{"files":{"/usr/bin/vmcheck":"../target/%s/vmcheck"}}}}}' "$profile" "$profile")
rm -rf target/"$profile"/bundle
echo "package.sh: the desktop app and the bundles ($profile)"
ui/node_modules/.bin/tauri build "${flags[@]}" --bundles deb,rpm --ci --config "$extra"

rm -rf target/packages && mkdir -p target/packages
cp target/"$profile"/bundle/deb/*.deb target/"$profile"/bundle/rpm/*.rpm target/packages/
ls -l target/packages/
