#!/usr/bin/env bash
# Release-builds every contract (the system's three and the benchmark's
# reference PSP22 token) and leaves each one's .wasm, .json and .contract in
# target/contracts/<name>/, printing each artifact with its size.
#
# It uses contract-build 5.0.3, the library inside `cargo contract build`
# 5.0.3, through a small workspace tool (tools/src/bin/build-contracts.rs),
# so binaryen is compiled once for the build and the tests. With the CLI
# installed (scripts/setup.sh --cargo-contract) the same bundles come from
#   cargo contract build --release --manifest-path contracts/<name>/Cargo.toml
#
#   scripts/build.sh [--debug] [access-control|patient-consent|record-management|psp22-token...]
set -euo pipefail
cd "$(dirname "$0")/.."
# One target folder for both workspaces (the main one and reference/), so that
# the reference contracts reuse what the main one compiled.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
target="$CARGO_TARGET_DIR"
# contract-build runs cargo in a temporary folder, outside this workspace's
# rust-toolchain.toml: name the pinned toolchain for it explicitly.
RUSTUP_TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"
export RUSTUP_TOOLCHAIN
echo "[build] compiling the workspace tools (the first run is long: it builds the sandbox runtime too)"
# --workspace everywhere: the same feature set as scripts/test.sh, so nothing is built twice.
cargo build --workspace --bins --quiet
echo "[build] release-building the contracts with contract-build 5.0.3"
"$target/debug/build-contracts" "$@"
