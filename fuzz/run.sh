#!/bin/bash
# Runs fuzz targets one at a time at the lowest priority, with the limits used for the figures
# in README.md, on a scratch corpus seeded from the committed one; then minimizes the committed
# corpus with what was found. Usage: fuzz/run.sh [SECONDS [TARGET...]] (default 600, all).
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
export RUSTC_BOOTSTRAP=1
# -s none: the code under test is safe Rust, so AddressSanitizer finds nothing the panics and
# libFuzzer's own limits do not, at half the speed; -a keeps overflow checks on.
cargo fuzz build -s none -a
if [ $# -eq 0 ]; then set -- $(cargo fuzz list); fi
work=${FUZZ_WORK:-/tmp/docknet-fuzz}
for t in "$@"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  echo "== $t: $secs s"
  nice -n 19 cargo fuzz run -s none -a "$t" "$work/corpus/$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 2>&1 |
    grep -E '^(stat::|Done|SUMMARY)|panicked|ERROR' || true
  cp -n "$work/corpus/$t"/* "corpus/$t/" 2>/dev/null || true
  # Edge coverage only, as a set cover: a small corpus (README.md).
  cargo fuzz cmin -s none -a "$t" "corpus/$t" -- -set_cover_merge=1 -use_counters=0 2>&1 | tail -1
done
ls "$work"/artifacts/*/ 2>/dev/null | grep -v '^$' || echo "no crash, timeout or oom"
