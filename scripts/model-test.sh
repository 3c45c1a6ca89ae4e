#!/usr/bin/env bash
# The full run of the model-based test of the access decision
# (e2e-tests/tests/journeys/model_based.rs): random sequences of operations by
# random actors with random time steps, run on a plain-Rust reference model
# and on the compiled contracts (release builds, sandbox runtime); every
# result and the touched state must agree. scripts/test.sh runs 200 sequences
# with a fixed seed; this runs 10,000 with a new seed each time.
#
#   scripts/model-test.sh                  10,000 sequences, seed from the clock
#   MODEL_CASES=N MODEL_SEED=S scripts/model-test.sh
#
# A divergence prints the minimal sequence that reproduces it (proptest
# shrinking) and the seed; rerun with that MODEL_SEED to reproduce.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
export MODEL_CASES="${MODEL_CASES:-10000}"
export MODEL_SEED="${MODEL_SEED:-$(date +%s)}"
echo "[model] $MODEL_CASES sequences, MODEL_SEED=$MODEL_SEED"
start=$(date +%s)
cargo test --workspace --test journeys model_based -- --nocapture
echo "[model] done in $(( $(date +%s) - start ))s"
