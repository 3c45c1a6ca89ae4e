#!/usr/bin/env bash
# Release-builds every contract into target/ink/<name>/ (.wasm, .json, .contract)
# and prints each artifact with its size.
#
# It uses contract-build 5.0.3, the library behind `cargo contract build`
# 5.0.3, through a small workspace tool (e2e-tests/src/bin/build-contracts.rs);
# `cargo contract build --release --manifest-path contracts/<name>/Cargo.toml`
# gives the same bundles if you installed cargo-contract (setup.sh --cargo-contract).
#
#   scripts/build.sh [--debug] [contract-name...]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[build] release-building contracts (first run compiles the build tool: long)"
cargo run --quiet -p e2e-tests --bin build-contracts -- "$@"
