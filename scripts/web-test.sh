#!/usr/bin/env bash
# The web app's browser tests: Debian's chromium (playwright-core, no browser
# download) against a real node and a real key-release gateway.
#
#   scripts/web-test.sh
#
# Starts a --dev node on 127.0.0.1:${WEB_TEST_NODE_PORT:-9966}, deploys the
# release bundles to it, registers a gateway (keygen, config, serve on
# ${WEB_TEST_GATEWAY_PORT:-8766}, allowing the app's origin), builds and
# serves the app on ${WEB_TEST_PORT:-4173}, and runs web/test/ (node --test, one
# file at a time: the files share the chain and the dev accounts' nonces);
# screenshots go to $WEB_SCREENSHOTS (default docs/screenshots/, which this
# script wrote; scripts/test.sh keeps them in the target dir). Everything it started is stopped at
# the end. Prints one SKIPPED line and exits 0 when chromium, the node binary
# or the gateway binary is missing.
#
#   CHROMIUM          browser binary (default /usr/bin/chromium; apt-get install chromium)
#   MEDREC_GATEWAY_BIN  gateway binary (default $CARGO_TARGET_DIR/debug/medrec-gateway)
#   NODE_HOME         where scripts/node.sh keeps the node (default ~/.cache/medrec-node)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[web-test] $*"; }

target="${CARGO_TARGET_DIR:-$PWD/target}"
[[ "$target" = /* ]] || target="$PWD/$target"
export CARGO_TARGET_DIR="$target"
chromium="${CHROMIUM:-/usr/bin/chromium}"
node_bin="${NODE_HOME:-$HOME/.cache/medrec-node}/bin/substrate-contracts-node"
gw_bin="${MEDREC_GATEWAY_BIN:-$target/debug/medrec-gateway}"
node_port="${WEB_TEST_NODE_PORT:-9966}"
gw_port="${WEB_TEST_GATEWAY_PORT:-8766}"
web_port="${WEB_TEST_PORT:-4173}"

# Debian's chromium, installed with apt when missing (never a downloaded browser)
if [[ ! -x "$chromium" && -z "${CHROMIUM:-}" ]] && command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [[ "$(id -u)" = 0 ]] || sudo="sudo -n"
    say "installing Debian's chromium (apt)"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >/dev/null 2>&1 \
        || say "apt could not install chromium"
fi

why=()
[[ -x "$chromium" ]] || why+=("no chromium at $chromium (apt-get install chromium)")
[[ -x "$node_bin" ]] || why+=("no substrate-contracts-node at $node_bin (scripts/node.sh install, or scripts/node.sh prebuilt DIR)")
[[ -x "$gw_bin" ]] || why+=("no medrec-gateway at $gw_bin (cargo build -p medrec-gateway)")
command -v node >/dev/null 2>&1 || why+=("no Node.js")
if ((${#why[@]})); then
    echo "[web-test] SKIPPED: the web app's browser tests: $(IFS=';'; echo "${why[*]}")"
    exit 0
fi

work="$(mktemp -d)"
gw_pid=""
web_pid=""
cleanup() {
    [[ -n "$web_pid" ]] && kill "$web_pid" 2>/dev/null || true
    [[ -n "$gw_pid" ]] && kill "$gw_pid" 2>/dev/null || true
    NODE_PORT="$node_port" scripts/node.sh stop || true
    rm -rf "$work"
}
trap cleanup EXIT

NODE_PORT="$node_port" scripts/node.sh start
deployment="$work/deployment.json"
NODE_PORT="$node_port" DEPLOYMENTS="$deployment" scripts/deploy.sh

"$gw_bin" keygen "$work/keys" >/dev/null
addr() { node -p "require('$deployment').addresses.$1"; }
cat >"$work/gateway.toml" <<TOML
listen = "127.0.0.1:$gw_port"
store = "file://$work/store"
master_key_file = "$work/keys/master.key"
x25519_key_file = "$work/keys/x25519.key"
log_file = "$work/gateway.log"
node_url = "ws://127.0.0.1:$node_port"
access_control = "$(addr accessControl)"
patient_consent = "$(addr patientConsent)"
record_management = "$(addr recordManagement)"
cors_origins = ["http://127.0.0.1:$web_port"]
TOML
# The gateway reads MEDREC_GATEWAY_<NAME> variables as settings and refuses
# unknown ones: MEDREC_GATEWAY_BIN (this script's own) must not reach it.
env -u MEDREC_GATEWAY_BIN "$gw_bin" serve --config "$work/gateway.toml" 2>"$work/gateway.stderr" &
gw_pid=$!
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null || { say "the gateway is not ready; its stderr:"; tail -n 20 "$work/gateway.stderr"; exit 1; }

MEDREC_WS="ws://127.0.0.1:$node_port" MEDREC_GATEWAY="http://127.0.0.1:$gw_port" DEPLOYMENTS="$deployment" \
    scripts/web.sh build
(cd web && exec node node_modules/vite/bin/vite.js preview --port "$web_port" --strictPort >"$work/preview.log" 2>&1) &
web_pid=$!
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$web_port/" >/dev/null && break
    sleep 0.2
done

say "browser tests: chromium $("$chromium" --version 2>/dev/null | awk '{print $2}'), app http://127.0.0.1:$web_port/"
(cd web && CHROMIUM="$chromium" WEB_URL="http://127.0.0.1:$web_port/" MEDREC_WS="ws://127.0.0.1:$node_port" \
    MEDREC_GATEWAY="http://127.0.0.1:$gw_port" MEDREC_DEPLOYMENT="$deployment" node --test --test-concurrency=1 test/)
"$gw_bin" verify-log "$work/gateway.log"
