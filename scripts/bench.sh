#!/usr/bin/env bash
# Measures the cost of every public message of the three contracts (gas:
# ref_time and proof_size; storage deposit) and each contract's code size, on
# the release builds in the sandbox runtime; compares get_record and
# create_record with a PSP22 transfer and a record's bytes with the original
# design's; and runs every message with 1 and with 10,000 prior items of
# history (exit status 1 if any costs more than 1.02x). Writes
# docs/benchmarks.md. The figures are deterministic: the same on any machine.
# About 7 minutes on 2 cores once built.
#
#   scripts/bench.sh [OUTPUT.md] [--prior N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p docs
echo "[bench] measuring every message on the release builds"
"${CARGO_TARGET_DIR:-target}/debug/bench" "$@"
