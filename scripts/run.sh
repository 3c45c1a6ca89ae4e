#!/usr/bin/env bash
# The main job: set-up, release build, then deploy the contracts into the
# embedded sandbox chain (pallet-contracts in-process) and walk the scenario,
# printing each step, its result and its gas.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
echo "[run] deploying into the sandbox runtime and walking the scenario"
cargo run --quiet -p e2e-tests --bin journey
