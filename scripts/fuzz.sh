#!/usr/bin/env bash
# Fuzzes the parsers with cargo-fuzz (libFuzzer) for a bounded time each,
# default 120 s: medvault's ciphertext parser (vault/fuzz, decrypt_stream)
# and the gateway's request parsing (gateway/fuzz, requests). Needs a nightly
# toolchain and cargo-fuzz; installs both if missing (cargo-fuzz: ~2 min).
#
#   scripts/fuzz.sh [SECONDS] [vault|gateway]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
which="${2:-all}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || (cd / && cargo +nightly install cargo-fuzz --locked)
if [[ "$which" == all || "$which" == vault ]]; then
    echo "[fuzz] vault: decrypt_stream for ${secs}s"
    (cd vault/fuzz && cargo +nightly fuzz run decrypt_stream -- -max_total_time="$secs" -max_len=4096)
fi
if [[ "$which" == all || "$which" == gateway ]]; then
    # Start from the main workspace's lock (its pins keep the contracts'
    # crates building); cargo keeps what the fuzz crate needs.
    [[ -f gateway/fuzz/Cargo.lock ]] || cp Cargo.lock gateway/fuzz/Cargo.lock
    echo "[fuzz] gateway: requests for ${secs}s"
    (cd gateway/fuzz && cargo +nightly fuzz run requests -- -max_total_time="$secs" -max_len=4096)
fi
