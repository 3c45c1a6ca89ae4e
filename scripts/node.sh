#!/usr/bin/env bash
# A local substrate-contracts-node 0.42.0 for deploying the contracts and for
# the node-backed tests.
#
#   scripts/node.sh install   build it from source (crates registry), 85 min
#                             cold on 2 cores; logs to $NODE_HOME/install.log
#   scripts/node.sh prebuilt DIR
#                             install a prebuilt binary from DIR instead
#                             (DIR/substrate-contracts-node and DIR/SHA256SUMS):
#                             its sha256 and `--version` are checked first
#   scripts/node.sh start     run `--dev` on 127.0.0.1:$NODE_PORT, wait for RPC
#   scripts/node.sh stop      stop the node that `start` started (its pid only)
#   scripts/node.sh status    say whether it is installed and running
#
# NODE_HOME (default ~/.cache/medrec-node) holds the binary (bin/), the build
# folder (target/, kept so an interrupted build resumes), the pid and the log.
#
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=0.42.0
NODE_HOME="${NODE_HOME:-$HOME/.cache/medrec-node}"
NODE_PORT="${NODE_PORT:-9944}"
NODE_BIN="$NODE_HOME/bin/substrate-contracts-node"
# One pid and log file per port, so a test node beside a user's node is
# started and stopped on its own.
PID_FILE="$NODE_HOME/node-$NODE_PORT.pid"
LOG_FILE="$NODE_HOME/node-$NODE_PORT.log"
RUST_VERSION="$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)"

say() { echo "[node] $*"; }

rpc_health() {
    curl -sf -m 2 -H 'Content-Type: application/json' \
        -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
        "http://127.0.0.1:$NODE_PORT" >/dev/null 2>&1
}

running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    # Only our node: the pid must still be substrate-contracts-node.
    if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q substrate-contracts-node; then
        echo "$pid"
        return 0
    fi
    return 1
}

install() {
    if [[ -x "$NODE_BIN" ]] && [[ "$("$NODE_BIN" --version 2>/dev/null || true)" == *"$NODE_VERSION"* ]]; then
        say "substrate-contracts-node $NODE_VERSION already installed: $NODE_BIN"
        return 0
    fi
    scripts/setup.sh
    local missing=()
    local pkg
    for pkg in protobuf-compiler clang libclang-dev curl; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        say "installing Debian packages: ${missing[*]}"
        local sudo=""
        [[ "$(id -u)" == 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
    fi
    mkdir -p "$NODE_HOME"
    # The runtimes' wasm builder looks for the package's Cargo.lock; inside
    # `cargo install` it cannot find it, resolves afresh and picks crates that
    # need a newer Rust. Point it at the unpacked package in the registry,
    # where `cargo install` unpacks it before building.
    local registry
    registry="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/index.crates.io-* 2>/dev/null | head -n1)"
    registry="${registry:-${CARGO_HOME:-$HOME/.cargo}/registry/src/index.crates.io-1949cf8c6b5b557f}"
    export WASM_BUILD_WORKSPACE_HINT="$registry/contracts-node-$NODE_VERSION"
    say "building contracts-node $NODE_VERSION with Rust $RUST_VERSION (log: $NODE_HOME/install.log)"
    local start=$SECONDS
    cargo "+$RUST_VERSION" install contracts-node --version "$NODE_VERSION" --locked \
        --root "$NODE_HOME" --target-dir "$NODE_HOME/target" >"$NODE_HOME/install.log" 2>&1 || {
        say "build failed after $((SECONDS - start)) s; last lines of $NODE_HOME/install.log:"
        tail -n 30 "$NODE_HOME/install.log"
        exit 1
    }
    say "installed $("$NODE_BIN" --version) in $((SECONDS - start)) s"
}

prebuilt() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || { echo "usage: scripts/node.sh prebuilt DIR" >&2; exit 2; }
    local bin="$dir/substrate-contracts-node" sums="$dir/SHA256SUMS"
    [[ -f "$bin" && -f "$sums" ]] || { say "no binary and SHA256SUMS in $dir"; exit 1; }
    local want have
    want="$(awk '$2 ~ /substrate-contracts-node$/ {print $1}' "$sums")"
    have="$(sha256sum "$bin" | awk '{print $1}')"
    if [[ -z "$want" || "$want" != "$have" ]]; then
        say "sha256 of $bin is $have, SHA256SUMS says ${want:-nothing}: not installing it"
        exit 1
    fi
    if [[ -x "$NODE_BIN" ]] && [[ "$(sha256sum "$NODE_BIN" | awk '{print $1}')" == "$want" ]]; then
        say "prebuilt substrate-contracts-node already installed: $NODE_BIN"
        return 0
    fi
    # The binary names itself after its file (argv[0]): ask the original.
    local version
    version="$("$bin" --version 2>/dev/null || true)"
    if [[ "$version" != "substrate-contracts-node $NODE_VERSION"* ]]; then
        say "$bin reports '${version}', not substrate-contracts-node $NODE_VERSION: not installing it"
        exit 1
    fi
    mkdir -p "$NODE_HOME/bin"
    cp "$bin" "$NODE_BIN.tmp"
    chmod +x "$NODE_BIN.tmp"
    mv "$NODE_BIN.tmp" "$NODE_BIN"
    say "installed the prebuilt $("$NODE_BIN" --version) (sha256 checked) in $NODE_BIN"
}

start() {
    [[ -x "$NODE_BIN" ]] || { say "not installed: run scripts/node.sh install"; exit 1; }
    if pid="$(running_pid)"; then
        say "already running (pid $pid) on 127.0.0.1:$NODE_PORT"
        return 0
    fi
    mkdir -p "$NODE_HOME"
    "$NODE_BIN" --dev --tmp --rpc-port "$NODE_PORT" --rpc-cors all >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    for _ in $(seq 1 60); do
        if rpc_health; then
            say "running (pid $(cat "$PID_FILE")) on ws://127.0.0.1:$NODE_PORT, log $LOG_FILE"
            return 0
        fi
        if ! running_pid >/dev/null; then
            say "the node exited; last lines of $LOG_FILE:"
            tail -n 20 "$LOG_FILE"
            exit 1
        fi
        sleep 1
    done
    say "no RPC answer on 127.0.0.1:$NODE_PORT after 60 s; log: $LOG_FILE"
    exit 1
}

stop() {
    if pid="$(running_pid)"; then
        kill "$pid"
        for _ in $(seq 1 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        rm -f "$PID_FILE"
        say "stopped (pid $pid)"
    else
        rm -f "$PID_FILE"
        say "not running"
    fi
}

status() {
    if [[ -x "$NODE_BIN" ]]; then
        say "installed: $("$NODE_BIN" --version)"
    else
        say "not installed (scripts/node.sh install)"
    fi
    if pid="$(running_pid)"; then
        if rpc_health; then
            say "running (pid $pid), RPC answers on 127.0.0.1:$NODE_PORT"
        else
            say "running (pid $pid), RPC not answering on 127.0.0.1:$NODE_PORT"
        fi
    else
        say "not running"
    fi
}

case "${1:-}" in
    install) install ;;
    prebuilt) prebuilt "${2:-}" ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: scripts/node.sh install|prebuilt DIR|start|stop|status" >&2
        exit 2
        ;;
esac
