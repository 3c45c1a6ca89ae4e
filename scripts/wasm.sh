#!/usr/bin/env bash
# Builds medvault-core as WebAssembly (vault/wasm, wasm-bindgen, --target web:
# an ES module for Node and the browser):
#   vault/wasm/pkg/          the package the Node client uses (npm name medvault-wasm)
#   vault/wasm/pkg-testing/  the same plus the deterministic constructors that
#                            the test vectors need (tests only)
# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in
# vault/wasm/Cargo.lock; it is installed from the crates registry (--locked)
# into ~/.cache/medrec-tools when missing ($MEDREC_TOOLS overrides).
#
#   scripts/wasm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[wasm] $*"; }

version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/[^0-9.]/, ""); print; exit }' vault/wasm/Cargo.lock)
[[ -n "$version" ]] || { echo "[wasm] no wasm-bindgen in vault/wasm/Cargo.lock" >&2; exit 1; }
tools="${MEDREC_TOOLS:-$HOME/.cache/medrec-tools}/wasm-bindgen-$version"
bindgen="$tools/bin/wasm-bindgen"
if [[ -x "$bindgen" ]] && [[ "$("$bindgen" --version)" == "wasm-bindgen $version" ]]; then
  say "wasm-bindgen-cli $version: present ($bindgen)"
else
  # A host tool: its dependencies need Rust 1.88, so it is built with the
  # machine's stable toolchain from outside the repository (whose
  # rust-toolchain.toml selects 1.86), as setup.sh does for cargo-contract.
  rustup toolchain list | grep -q '^stable' || rustup toolchain install stable --profile minimal
  say "installing wasm-bindgen-cli $version (--locked) into $tools (~5 min on 2 cores, once)"
  start=$(date +%s)
  (cd / && cargo +stable install wasm-bindgen-cli --version "$version" --locked --root "$tools")
  say "wasm-bindgen-cli installed in $(( $(date +%s) - start ))s"
fi

target="${CARGO_TARGET_DIR:-$PWD/target}"
wasm="$target/wasm32-unknown-unknown/release/medvault_wasm.wasm"
build() { # features out-dir
  say "cargo build --release --target wasm32-unknown-unknown ${1:-(no features)} -> $2"
  cargo build --manifest-path vault/wasm/Cargo.toml --locked --release \
    --target wasm32-unknown-unknown --target-dir "$target" $1
  "$bindgen" --target web --out-dir "$2" "$wasm"
}
build "" vault/wasm/pkg
build "--features testing" vault/wasm/pkg-testing
# pkg/package.json is committed; pkg-testing gets a minimal one so that Node
# reads its .js as an ES module.
echo '{ "name": "medvault-wasm-testing", "private": true, "type": "module", "main": "medvault_wasm.js" }' \
  > vault/wasm/pkg-testing/package.json
say "done: $(du -h vault/wasm/pkg/medvault_wasm_bg.wasm | cut -f1) vault/wasm/pkg/medvault_wasm_bg.wasm"
