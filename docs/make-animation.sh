#!/usr/bin/env bash
# Make docs/default-lesson.gif, the README's animation: the app's own frames of the default
# lesson (the SYN from the laptop through nat PREROUTING's DNAT, the routing decision,
# FORWARD, POSTROUTING, docker0 and back), one unattended run per step under Xvfb.
# Needs: xvfb-run, Mesa's Vulkan driver, ImageMagick's convert. Usage: docs/make-animation.sh [APP]
set -euo pipefail
cd "$(dirname "$0")/.."
app="${1:-${CARGO_TARGET_DIR:-target}/release/docknet-app}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
frames=()
for n in 10 14 17 18 19 20 21 23 25 27 29 31 33 35 37 39 41 44 47 50 53 56 60 64 68 72; do
  f="$tmp/$(printf %03d "$n").png"
  WGPU_BACKEND=vulkan xvfb-run -a -s "-screen 0 1280x720x24" "$app" default --size 1280x720 \
    --seek "$n" --frames 20 --screenshot "$f" >/dev/null 2>&1
  frames+=("$f")
done
convert -delay 90 -loop 0 "${frames[@]}" -resize 800x450 +dither -fuzz 3% -colors 48 -layers OptimizeTransparency docs/default-lesson.gif
ls -l docs/default-lesson.gif
