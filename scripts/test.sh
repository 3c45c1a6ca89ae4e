#!/usr/bin/env bash
# Every check the project has: formatting, clippy (warnings are errors) on
# every crate and target, the quick scaling benchmark on the release builds
# (fails if any message costs more than 1.02x with 100 prior items of
# history), unit tests of each crate, and the end-to-end journeys on the
# compiled contracts (ink_e2e, in-process sandbox backend) and on the release
# builds (no-PHI scan, upgrade, hostile callee); and that the README's table of
# messages still matches the contracts' doc comments.
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

# reference/ (the benchmark's PSP22 token, the hostile consent contract) is a
# workspace of its own; it shares the target folder.
step "reference contracts: fmt, clippy, unit tests"
reference=(--manifest-path reference/Cargo.toml --target-dir "${CARGO_TARGET_DIR:-target}")
cargo fmt --manifest-path reference/Cargo.toml --all --check
cargo clippy "${reference[@]}" --workspace --all-targets -- -D warnings
cargo test "${reference[@]}" --workspace

step "release build of the contracts"
scripts/build.sh

step "README's message table matches the contracts' doc comments"
"${CARGO_TARGET_DIR:-target}/debug/message-table" --check README.md

step "scaling check: every message with 1 and with 100 prior items (goal: ratio <= 1.02)"
"${CARGO_TARGET_DIR:-target}/debug/bench" --scaling-check 100 > "${CARGO_TARGET_DIR:-target}/scaling-check.md"
echo "[test] table: ${CARGO_TARGET_DIR:-target}/scaling-check.md"

step "unit tests of every crate, then the e2e journeys on the compiled WASM (sandbox backend)"
cargo test --workspace

echo
echo "[test] all checks passed in $(( $(date +%s) - start ))s"
