#!/usr/bin/env bash
# Deploys the three contracts to a running substrate-contracts-node with the
# polkadot.js client (client/), wires them, and writes their addresses to
# deployments/local.json (or $DEPLOYMENTS).
#
#   scripts/node.sh start     # first: a local --dev node on 127.0.0.1:${NODE_PORT:-9944}
#   scripts/deploy.sh         # then: deploy (owner //Alice)
#   node client/cli.js journey
#
# Environment: MEDREC_WS (default ws://127.0.0.1:${NODE_PORT:-9944}),
# NODE_PORT, DEPLOYMENTS (output file), CARGO_TARGET_DIR (where the release
# bundles are: $CARGO_TARGET_DIR/contracts/<name>/<name>.contract).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PORT="${NODE_PORT:-9944}"
WS="${MEDREC_WS:-ws://127.0.0.1:$NODE_PORT}"
export MEDREC_WS="$WS"
HTTP="$(sed -E 's#^ws(s?)://#http\1://#' <<<"$WS")"
OUT="${DEPLOYMENTS:-deployments/local.json}"

say() { echo "[deploy] $*"; }

if ! command -v node >/dev/null 2>&1; then
    say "Node.js >= 20 is needed (node not found)"
    exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
    say "Node.js >= 20 is needed (found $(node --version))"
    exit 1
fi

# system_health over HTTP on the RPC port (the node serves HTTP and WS on it).
if ! RPC_URL="$HTTP" node -e '
fetch(process.env.RPC_URL, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ id: 1, jsonrpc: "2.0", method: "system_health", params: [] }),
  signal: AbortSignal.timeout(3000),
}).then((r) => r.json()).then((b) => process.exit(b && b.result ? 0 : 1), () => process.exit(1));
' >/dev/null 2>&1; then
    say "no node answers RPC at $WS; start it with scripts/node.sh start"
    exit 1
fi

target="${CARGO_TARGET_DIR:-$PWD/target}"
missing=0
for name in access_control patient_consent record_management; do
    [[ -f "$target/contracts/$name/$name.contract" ]] || missing=1
done
if ((missing)); then
    say "release bundles missing in $target/contracts: running scripts/build.sh"
    scripts/build.sh access-control patient-consent record-management
fi

if [[ ! -d client/node_modules || client/package-lock.json -nt client/node_modules/.package-lock.json ]]; then
    say "installing the client's packages (npm ci)"
    (cd client && npm ci --no-audit --no-fund)
fi

say "deploying to $WS"
node client/cli.js deploy --ws "$WS" --out "$OUT"
