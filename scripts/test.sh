#!/usr/bin/env bash
# Every check the project has: formatting, clippy (warnings are errors) on
# every crate and target, unit tests of each crate, and the end-to-end
# journeys on the compiled contracts (ink_e2e, in-process sandbox backend).
#
# Every cargo call selects --workspace, so features unify the same way each
# time and the sandbox runtime and binaryen are compiled once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { echo; echo "[test] $*"; }
start=$(date +%s)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "unit tests of every crate, then the e2e journeys on the compiled WASM (sandbox backend)"
cargo test --workspace

echo
echo "[test] all checks passed in $(( $(date +%s) - start ))s"
