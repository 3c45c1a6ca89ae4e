#!/usr/bin/env bash
# Fuzzes medvault's ciphertext parser with cargo-fuzz (libFuzzer) for a bounded
# time, default 120 s. Needs a nightly toolchain and cargo-fuzz; installs both
# if missing (cargo-fuzz: ~2 min).
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../vault/fuzz"
secs="${1:-120}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || (cd / && cargo +nightly install cargo-fuzz --locked)
echo "[fuzz] decrypt_stream for ${secs}s"
cargo +nightly fuzz run decrypt_stream -- -max_total_time="$secs" -max_len=4096
