#!/usr/bin/env bash
# Builds the web app (web/) and serves it against a local node and gateway.
#
#   scripts/web.sh            build, then serve web/dist on http://127.0.0.1:${WEB_PORT:-5173}
#   scripts/web.sh build      build only (web/dist)
#
# Building: `npm ci` in web/ (and client/, whose core the app shares) when
# their node_modules are missing, scripts/wasm.sh when the medvault
# WebAssembly package (vault/wasm/pkg) is missing or older than its Rust
# sources, the contracts' metadata copied from the release bundles, then
# `vite build`. The app reads its defaults from config.json (written here),
# and each can be changed on its Connect page:
#
#   MEDREC_WS        node endpoint (default ws://127.0.0.1:${NODE_PORT:-9944})
#   MEDREC_GATEWAY   key-release gateway (default http://127.0.0.1:8745); the
#                    gateway must list the app's origin in `cors_origins`
#   DEPLOYMENTS      deployment file from scripts/deploy.sh (default
#                    deployments/local.json), served as deployment.json
#   CARGO_TARGET_DIR where the release bundles are (target/contracts/<name>/)
#   WEB_PORT         port to serve on (default 5173)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[web] $*"; }

mode="${1:-serve}"
case "$mode" in build | serve) ;; *) echo "usage: scripts/web.sh [build|serve]" >&2; exit 2 ;; esac

NODE_PORT="${NODE_PORT:-9944}"
WS="${MEDREC_WS:-ws://127.0.0.1:$NODE_PORT}"
GATEWAY="${MEDREC_GATEWAY:-http://127.0.0.1:8745}"
DEPLOYMENT="${DEPLOYMENTS:-deployments/local.json}"
WEB_PORT="${WEB_PORT:-5173}"
target="${CARGO_TARGET_DIR:-$PWD/target}"

command -v node >/dev/null 2>&1 || { say "Node.js >= 20.19 is needed (node not found)"; exit 1; }
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    say "Node.js >= 20.19 is needed by Vite 7 (found $(node --version))"
    exit 1
fi

for dir in client web; do
    if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
        say "npm ci in $dir/"
        (cd "$dir" && npm ci --no-audit --no-fund)
    fi
done

# The WebAssembly envelope core: rebuilt only when missing or older than its sources.
wasm=vault/wasm/pkg/medvault_wasm_bg.wasm
if [[ ! -f "$wasm" || ! -f vault/wasm/pkg/medvault_wasm.js ]] \
    || [[ -n "$(find vault/core/src vault/core/Cargo.toml vault/wasm/src vault/wasm/Cargo.toml vault/wasm/Cargo.lock -newer "$wasm" -print -quit)" ]]; then
    say "building the medvault WebAssembly package (scripts/wasm.sh)"
    scripts/wasm.sh
else
    say "medvault WebAssembly package up to date ($wasm)"
fi

mkdir -p web/public/contracts
for name in access_control patient_consent record_management; do
    meta="$target/contracts/$name/$name.json"
    if [[ ! -f "$meta" ]]; then
        say "no $meta: build the contracts first (scripts/build.sh)"
        exit 1
    fi
    cp "$meta" web/public/contracts/
done
if [[ -f "$DEPLOYMENT" ]]; then
    cp "$DEPLOYMENT" web/public/deployment.json
    say "deployment: $DEPLOYMENT"
else
    rm -f web/public/deployment.json
    say "no deployment file at $DEPLOYMENT (scripts/deploy.sh writes one); the app will ask for one"
fi
WS="$WS" GATEWAY="$GATEWAY" node -e '
process.stdout.write(JSON.stringify({ ws: process.env.WS, gateway: process.env.GATEWAY, deployment: "deployment.json" }, null, 2) + "\n")
' > web/public/config.json

say "vite build -> web/dist (node $WS, gateway $GATEWAY)"
(cd web && npx tsc --noEmit -p . && npx vite build --logLevel warn)

if [[ "$mode" == serve ]]; then
    say "serving http://127.0.0.1:$WEB_PORT/ (Ctrl-C stops)"
    cd web && exec node node_modules/vite/bin/vite.js preview --port "$WEB_PORT" --strictPort
fi
