#!/usr/bin/env bash
# Build the browser version into web/dist/: a static site any file server can serve
# (python3 -m http.server -d web/dist). Needs: the wasm32 target, wasm-bindgen-cli of the
# version in Cargo.lock, and a wasm-opt from binaryen 116 or later (Debian's is too old and
# breaks the module): the native one `cargo install wasm-opt` builds when it is on PATH or in
# ~/.cargo/bin, else npm's binaryen (a JavaScript build, several times slower on one core).
# Installs wasm-bindgen-cli and the npm tools when missing.
#
# The site is a function of its inputs (the app's and core's sources, assets, scenarios, the
# web files, Cargo.lock and the tool versions): a build is kept under the cargo target
# directory by the hash of those inputs, and reused when they have not changed
# (DOCKNET_WEB_REBUILD=1 builds anyway).
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
  echo "==> installing the npm tools (binaryen, playwright-core)"
  (cd web && npm install --silent --no-audit --no-fund)
fi
# A native wasm-opt when there is one recent enough (cargo's first: Debian's is older), else
# npm's.
wasm_opt=web/node_modules/.bin/wasm-opt
for native in "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-opt" "$(command -v wasm-opt || true)"; do
  version=$("$native" --version 2>/dev/null | grep -o 'version [0-9]*' | awk '{print $2}') || true
  if [ "${version:-0}" -ge 116 ]; then
    wasm_opt=$native
    break
  fi
done

inputs=(Cargo.toml Cargo.lock src assets scenarios web/index.html web/build.sh web/package.json
  web/package-lock.json crates/docknet-sim/Cargo.toml crates/docknet-sim/build.rs
  crates/docknet-sim/src crates/docknet-view/Cargo.toml crates/docknet-view/src)
hash=$({ rustc -V; wasm-bindgen --version; "$wasm_opt" --version
  find "${inputs[@]}" -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
cache="$target_dir/web-site/$hash"
if [ -f "$cache/.complete" ] && [ -z "${DOCKNET_WEB_REBUILD:-}" ]; then
  rm -rf "$out" && cp -r "$cache" "$out" && rm -f "$out/.complete"
  echo "==> $out reused: its inputs are unchanged since the build kept in $cache"
  exit 0
fi

echo "==> cargo build (profile web: opt-level s, fat LTO, one codegen unit, panic=abort)"
start=$(date +%s)
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo build --profile web --target wasm32-unknown-unknown -p docknet --bin docknet-app

echo "==> wasm-bindgen --target web"
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name docknet \
  "$target_dir/wasm32-unknown-unknown/web/docknet-app.wasm"

echo "==> wasm-opt -Oz ($wasm_opt)"
"$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types \
  "$out/docknet_bg.wasm" -o "$out/docknet_bg.opt.wasm"
mv "$out/docknet_bg.opt.wasm" "$out/docknet_bg.wasm"

cp web/index.html "$out/"
# The picture's font and icons, fetched by Bevy's asset server from under the page.
cp -r assets "$out/assets"
# The lessons are compiled into the module; their sources ride along for teachers.
cp -r scenarios "$out/scenarios"

# Keep this build for the next run with the same inputs (and only this one).
rm -rf "$target_dir/web-site" && mkdir -p "$cache"
cp -r "$out/." "$cache/" && touch "$cache/.complete"

raw=$(stat -c %s "$out/docknet_bg.wasm")
gz=$(gzip -9 -c "$out/docknet_bg.wasm" | wc -c)
echo "==> $out ready in $(( $(date +%s) - start )) s: docknet_bg.wasm $raw bytes, $gz gzipped"
