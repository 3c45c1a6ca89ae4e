#!/usr/bin/env bash
# Data portability on a real chain (issue 21): a --dev node of its own, two
# deployments of the three contracts on it, a key-release gateway for each,
# then client/test/portability-node.test.js: a journey on deployment 1 (and
# a record of two versions, consents, a delegate), the patient's export with
# the CLI, the bundle validated by @medplum/core, refused imports that leave
# deployment 2 unchanged, the import into deployment 2 through gateway 2 with
# the CLI, and every record opened (read, released, fetched, decrypted)
# there and compared with the original plaintext.
#
# Ports (environment): FHIR_NODE_PORT (9976), FHIR_GATEWAY_PORT_1 (8776),
# FHIR_GATEWAY_PORT_2 (8777). Needs the node binary (scripts/node.sh), the
# gateway binary and the contract bundles in $CARGO_TARGET_DIR (default
# target/), Node.js >= 20 and client/node_modules; without one of them it
# prints one SKIPPED line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[portability] $*"; }

tdir="${CARGO_TARGET_DIR:-target}"
[[ "$tdir" = /* ]] || tdir="$PWD/$tdir"
export CARGO_TARGET_DIR="$tdir"
node_bin="${NODE_HOME:-$HOME/.cache/medrec-node}/bin/substrate-contracts-node"
gw_bin="$tdir/debug/medrec-gateway"
missing=()
[[ -x "$node_bin" ]] || missing+=("the node ($node_bin: scripts/node.sh install or prebuilt)")
[[ -x "$gw_bin" ]] || missing+=("the gateway ($gw_bin: cargo build -p medrec-gateway)")
for c in access_control patient_consent record_management; do
    [[ -f "$tdir/contracts/$c/$c.contract" ]] || missing+=("$tdir/contracts/$c/$c.contract (scripts/build.sh)")
done
command -v node >/dev/null 2>&1 && (( $(node -p 'process.versions.node.split(".")[0]') >= 20 )) || missing+=("Node.js >= 20")
[[ -d client/node_modules/@medplum/core ]] || missing+=("client/node_modules with the validator (cd client && npm ci)")
if ((${#missing[@]})); then
    echo "[test] SKIPPED: data portability on a node (export, FHIR validation, import into a second deployment): missing ${missing[*]}"
    exit 0
fi

export NODE_PORT="${FHIR_NODE_PORT:-9976}"
export MEDREC_WS="ws://127.0.0.1:$NODE_PORT"
work="$(mktemp -d)"
gw_pids=()
cleanup() {
    for p in "${gw_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${gw_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    scripts/node.sh stop
    rm -rf "$work"
}
trap cleanup EXIT

scripts/node.sh start
for n in 1 2; do
    mkdir -p "$work/dep$n"
    DEPLOYMENTS="$work/dep$n/deployment.json" scripts/deploy.sh | grep -E '^\[deploy\]|instantiate|^wrote' || true
    [[ -f "$work/dep$n/deployment.json" ]] || { say "deployment $n failed"; exit 1; }
done

addr() { node -p "require('$1').addresses.$2"; }
start_gateway() { # n port
    local n="$1" port="$2" dir="$work/gw$1" dep="$work/dep$1/deployment.json"
    mkdir -p "$dir"
    "$gw_bin" keygen "$dir/keys" >/dev/null
    cat > "$dir/gateway.toml" <<TOML
listen = "127.0.0.1:$port"
store = "file://$dir/store"
master_key_file = "$dir/keys/master.key"
x25519_key_file = "$dir/keys/x25519.key"
log_file = "$dir/gateway.log"
node_url = "$MEDREC_WS"
access_control = "$(addr "$dep" accessControl)"
patient_consent = "$(addr "$dep" patientConsent)"
record_management = "$(addr "$dep" recordManagement)"
TOML
    "$gw_bin" serve --config "$dir/gateway.toml" 2> "$dir/gateway.stderr" &
    gw_pids+=($!)
    for _ in $(seq 1 50); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
        sleep 0.2
    done
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { say "gateway $n did not become ready:"; tail -n 20 "$dir/gateway.stderr"; exit 1; }
    say "gateway $n on 127.0.0.1:$port serves deployment $n"
}
gw1_port="${FHIR_GATEWAY_PORT_1:-8776}"
gw2_port="${FHIR_GATEWAY_PORT_2:-8777}"
start_gateway 1 "$gw1_port"
start_gateway 2 "$gw2_port"

(cd client && MEDREC_FHIR_DEP1="$work/dep1/deployment.json" MEDREC_FHIR_DEP2="$work/dep2/deployment.json" \
    MEDREC_FHIR_GW1="http://127.0.0.1:$gw1_port" MEDREC_FHIR_GW2="http://127.0.0.1:$gw2_port" \
    MEDREC_FHIR_WORK="$work" node --test --test-reporter=spec test/portability-node.test.js)

for n in 1 2; do "$gw_bin" verify-log "$work/gw$n/gateway.log"; done
