#!/usr/bin/env bash
# Edit-to-page latency of `quire serve`: from saving a one-line edit to a post until the served
# page holds it, median of RUNS edits, for the seed site and a generated site of 1,000 posts ×
# 30 formulas. Targets: under 100 ms (seed) and under 300 ms (1,000 posts).
#
# Shared machines are noisy, so each median is also given as a ratio to baselines measured in
# the same run on the same site: a full `quire build` with nothing cached (no .quire-cache/,
# fresh process: what every save would cost without the preview's caches), and one with the
# on-disk KaTeX/GIF caches warm (what re-running `quire build` after a save costs).
#
# Usage: bench/serve_latency.sh [RUNS=20]
set -euo pipefail
RUNS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire \
  --example gen_site --example serve_latency
QUIRE="$ROOT/target/release/quire"
GEN="$ROOT/target/release/examples/gen_site"
LATENCY="$ROOT/target/release/examples/serve_latency"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
build_cold() { rm -rf "$1/.quire-cache" "$WORK/out"; time_ms "$QUIRE" build --source "$1" --output "$WORK/out"; }
build_warm() { rm -rf "$WORK/out"; time_ms "$QUIRE" build --source "$1" --output "$WORK/out"; }

mkdir -p "$WORK/seed"
for entry in posts templates static gif site.toml; do
  [ -e "$ROOT/$entry" ] && cp -r "$ROOT/$entry" "$WORK/seed/"
done
"$GEN" "$WORK/big" 1000 30 >/dev/null

printf '%-6s %6s %10s %10s %10s %12s %12s %10s %10s\n' \
  site posts "median ms" "p90 ms" "max ms" "cold build" "warm build" "÷cold" "÷warm"
for site in seed big; do
  dir="$WORK/$site"
  post="posts/$(ls "$dir/posts" | grep -E '\.(md|markdown)$' | sort | awk -v n="$(ls "$dir/posts" | wc -l)" 'NR == int((n + 1) / 2)')"
  [ "$site" = seed ] && cold_runs=3 || cold_runs=1
  cold=$(for _ in $(seq "$cold_runs"); do build_cold "$dir"; done | median)
  warm=$(for _ in 1 2 3; do build_warm "$dir"; done | median)
  summary=$("$LATENCY" "$QUIRE" "$dir" "$post" "$RUNS" | tail -1)
  med=$(sed -E 's/.*median_ms=([0-9.]+).*/\1/' <<<"$summary")
  p90=$(sed -E 's/.*p90_ms=([0-9.]+).*/\1/' <<<"$summary")
  max=$(sed -E 's/.*max_ms=([0-9.]+).*/\1/' <<<"$summary")
  printf '%-6s %6s %10s %10s %10s %12s %12s %10s %10s\n' "$site" "$(ls "$dir/posts" | wc -l)" \
    "$med" "$p90" "$max" "$cold" "$warm" \
    "$(awk -v a="$med" -v b="$cold" 'BEGIN { printf "%.3f", a / b }')" \
    "$(awk -v a="$med" -v b="$warm" 'BEGIN { printf "%.3f", a / b }')"
done
echo "latency: median of $RUNS one-line edits, save → served page holds the edit (release build)"
echo "builds in ms: cold = no .quire-cache, median of 3 (seed) or 1 (big); warm = caches kept, median of 3"
echo "ratios: latency ÷ build (lower is better; 0.01 = the preview answers 100× faster than a rebuild)"
