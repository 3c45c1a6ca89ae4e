#!/usr/bin/env bash
# Measures the cost of every public message of the three contracts (gas:
# ref_time and proof_size; storage deposit) and each contract's code size, on
# the release builds in the sandbox runtime, and writes docs/benchmarks.md.
# The figures are deterministic: the same on any machine.
#
#   scripts/bench.sh [OUTPUT.md]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p docs
echo "[bench] measuring every message on the release builds"
"${CARGO_TARGET_DIR:-target}/debug/bench" "${1:-docs/benchmarks.md}"
