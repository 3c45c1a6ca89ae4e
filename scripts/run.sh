#!/usr/bin/env bash
# The main job: set-up, release build of the three contracts, then deploy them
# into the embedded sandbox chain (pallet-contracts in-process) and walk the
# patient journey, printing each step, its result and its gas.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
echo "[run] deploying the release builds into the sandbox runtime"
"${CARGO_TARGET_DIR:-target}/debug/journey"
