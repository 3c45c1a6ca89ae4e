#!/usr/bin/env bash
# Gateway load on loopback: concurrent clients fetching 1 MiB records through
# medrec-gateway (on the sandbox chain, in-process) side by side with a plain
# static-file server over the same objects, then key releases; writes the
# table to docs/gateway-bench.md (or the given file).
#
#   scripts/gateway-bench.sh [OUTPUT.md] [--clients N] [--requests N] [--records N] [--size BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/gateway-bench.md}"
[[ $# -gt 0 ]] && shift
scripts/setup.sh
scripts/build.sh
cargo build -p medrec-tools --bin gateway-bench
"${CARGO_TARGET_DIR:-target}/debug/gateway-bench" --out "$out" "$@"
