#!/usr/bin/env bash
# Every check the project has: formatting, clippy (warnings are errors), unit
# tests of each crate, and the end-to-end journeys on the compiled contracts
# (ink_e2e, in-process sandbox backend).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { echo; echo "[test] $*"; }
start=$(date +%s)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (all crates and targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "unit tests (contracts off-chain, shared vocabulary, harness helpers)"
cargo test --workspace --exclude e2e-tests
cargo test -p e2e-tests --lib

step "end-to-end journeys on the compiled WASM (sandbox backend)"
cargo test -p e2e-tests --test journeys

echo
echo "[test] all checks passed in $(( $(date +%s) - start ))s"
