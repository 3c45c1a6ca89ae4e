#!/usr/bin/env bash
# The full run of the model-based test of the access decision
# (e2e-tests/tests/journeys/model_based.rs): random sequences of operations by
# random actors with random time steps, run on a plain-Rust reference model
# and on the compiled contracts (release builds, sandbox runtime); every
# result and the touched state must agree. scripts/test.sh runs 200 sequences
# with a fixed seed; this runs 10,000 with a new seed each time and, when
# they pass, writes the run's output to docs/model-run.md.
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
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo test --workspace --test journeys model_based -- --nocapture 2>&1 | tee "$out"
elapsed=$(( $(date +%s) - start ))
echo "[model] done in ${elapsed}s"
report=docs/model-run.md
mkdir -p docs
{
    echo "# Model-based test: a full run"
    echo
    echo "Written by \`scripts/model-test.sh\` on $(date -u +%Y-%m-%d) at commit"
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- contracts e2e-tests || echo ' (with uncommitted changes)'), $(nproc) cores;"
    echo "$MODEL_CASES sequences, ${elapsed} s including the build check. Reproduce the same"
    echo "sequences with \`MODEL_CASES=$MODEL_CASES MODEL_SEED=$MODEL_SEED scripts/model-test.sh\`."
    echo
    echo '```'
    grep -E '^(model-based test:|results per operation|  [A-Za-z]+: |test result:)' "$out"
    echo '```'
} >"$report"
echo "[model] wrote $report"
