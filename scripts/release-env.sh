# shellcheck shell=bash
# The environment of a release build, sourced by scripts/package.sh, bench/desktop.sh and
# scripts/startup-order.sh so that the three build the same release app (cargo fingerprints both
# settings: a build with other ones recompiles every crate).
# - The linker: scripts/link-ordered.py lays the code the desk runs out together
#   (src-tauri/startup-order.txt); for every other program it is `cc`.
# - Symbols in Rust's v0 mangling: each instance of a generic function has its own name, with its
#   type arguments and without a hash, so startup-order.txt names the instances the desk runs, not
#   every instance of a function that one of them runs, and the names survive edits to the code.
release_env_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER="$release_env_dir/link-ordered.py"
export RUSTFLAGS="-Csymbol-mangling-version=v0${RUSTFLAGS:+ $RUSTFLAGS}"
unset release_env_dir
