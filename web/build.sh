#!/usr/bin/env bash
# Build the browser version into web/dist/: a static site any file server can serve
# (python3 -m http.server -d web/dist). Needs: the wasm32 target, wasm-bindgen-cli of the
# version in Cargo.lock, and npm (for binaryen's wasm-opt; Debian's is too old and breaks the
# module). Installs the last two into ~/.cargo/bin and web/node_modules when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
out=web/dist

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen_version" ]; then
  echo "==> installing wasm-bindgen-cli $bindgen_version (matches Cargo.lock)"
  # Not --locked: one of its locked dependencies is not in the registry.
  cargo install -q wasm-bindgen-cli --version "$bindgen_version"
fi
if [ ! -x web/node_modules/.bin/wasm-opt ]; then
  echo "==> installing binaryen (wasm-opt) from npm"
  (cd web && npm install --silent --no-audit --no-fund)
fi

echo "==> cargo build (profile web: opt-level s, fat LTO, one codegen unit, panic=abort)"
start=$(date +%s)
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo build --profile web --target wasm32-unknown-unknown -p docknet --bin docknet-app

echo "==> wasm-bindgen --target web"
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name docknet \
  "$target_dir/wasm32-unknown-unknown/web/docknet-app.wasm"

echo "==> wasm-opt -Oz"
web/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types \
  "$out/docknet_bg.wasm" -o "$out/docknet_bg.opt.wasm"
mv "$out/docknet_bg.opt.wasm" "$out/docknet_bg.wasm"

cp web/index.html "$out/"
# The picture's font and icons, fetched by Bevy's asset server from under the page.
cp -r assets "$out/assets"
# The lessons are compiled into the module; their sources ride along for teachers.
cp -r scenarios "$out/scenarios"

raw=$(stat -c %s "$out/docknet_bg.wasm")
gz=$(gzip -9 -c "$out/docknet_bg.wasm" | wc -c)
echo "==> $out ready in $(( $(date +%s) - start )) s: docknet_bg.wasm $raw bytes, $gz gzipped"
