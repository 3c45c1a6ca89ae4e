#!/usr/bin/env bash
# Installs what the project needs and skips what is already there.
#
#   scripts/setup.sh                    Rust 1.86.0 + rust-src, clippy, rustfmt,
#                                       wasm32-unknown-unknown (seconds)
#   scripts/setup.sh --cargo-contract   also cargo-contract 5.0.3, the CLI for
#                                       building/deploying by hand (~18 min on 2 cores)
#
# The two main commands (scripts/run.sh, scripts/test.sh) need only the first:
# they build the contracts through contract-build 5.0.3, the library behind
# cargo-contract 5.0.3, so binaryen is compiled once.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLCHAIN=1.86.0
CARGO_CONTRACT_VERSION=5.0.3
say() { echo "[setup] $*"; }

want_cargo_contract=0
for arg in "$@"; do
  case "$arg" in
    --cargo-contract) want_cargo_contract=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if ! command -v rustup >/dev/null 2>&1; then
  echo "[setup] rustup is required (https://rustup.rs); it is not on PATH" >&2
  exit 1
fi

# rustup toolchain install is idempotent: it only downloads what is missing.
have_all=1
rustup toolchain list | grep -q "^${TOOLCHAIN}-" || have_all=0
if [ "$have_all" = 1 ]; then
  comps=$(rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null || true)
  for c in rust-src clippy rustfmt rust-std-wasm32-unknown-unknown; do
    grep -q "^${c}" <<<"$comps" || have_all=0
  done
fi
if [ "$have_all" = 1 ]; then
  say "Rust $TOOLCHAIN with rust-src, clippy, rustfmt, wasm32 target: present"
else
  say "installing Rust $TOOLCHAIN with rust-src, clippy, rustfmt and wasm32-unknown-unknown (~1 min)"
  rustup toolchain install "$TOOLCHAIN" --profile minimal \
    -c rust-src -c clippy -c rustfmt -t wasm32-unknown-unknown
fi

# A C/C++ compiler builds binaryen (wasm-opt) inside contract-build.
if ! command -v c++ >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
  say "installing a C/C++ compiler (apt: build-essential)"
  if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q build-essential
  else sudo apt-get update -q && sudo apt-get install -y -q build-essential; fi
else
  say "C/C++ compiler: present"
fi

if [ "$want_cargo_contract" = 1 ]; then
  if command -v cargo-contract >/dev/null 2>&1 \
     && cargo-contract --version 2>/dev/null | grep -q "cargo-contract-contract ${CARGO_CONTRACT_VERSION}\|contract ${CARGO_CONTRACT_VERSION}"; then
    say "cargo-contract $CARGO_CONTRACT_VERSION: present"
  else
    # Built with the machine's stable Rust from outside this workspace: the
    # workspace's rust-toolchain.toml would select 1.86, which it does not need.
    say "installing cargo-contract $CARGO_CONTRACT_VERSION (--locked; ~18 min on 2 cores)"
    (cd / && cargo +stable install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked)
  fi
fi
say "done"
