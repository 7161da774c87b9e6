#!/usr/bin/env bash
# Build benchmark: the seed site and a generated site of 1,000 posts × 30 formulas.
# Each timing is the median of RUNS runs. Cold: a fresh process with no _site/ and no
# .quire-cache/ (every formula goes through KaTeX, every GIF is drawn). Warm: no _site/, but the
# .quire-cache/ a previous build left.
# Shared machines are noisy, so every figure is also given as a ratio to a baseline measured in
# the same run: Jekyll 4.3 building the same posts (the generator quire's users come from; it
# leaves math to the browser, so it does strictly less work), when `jekyll` is installed.
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

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# time_ms CMD...: wall time of one run in milliseconds
time_ms() {
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}

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

mkdir -p "$WORK/seed"
cp -r "$ROOT/posts" "$ROOT/templates" "$ROOT/site.toml" "$WORK/seed/"
[ -d "$ROOT/gif" ] && cp -r "$ROOT/gif" "$WORK/seed/"
"$GEN" "$WORK/big" 1000 30 >/dev/null

printf '%-8s %12s %12s %12s %12s\n' site "cold (ms)" "warm (ms)" "jekyll (ms)" "cold/jekyll"
for site in seed big; do
  q=$(bench_quire "$WORK/$site")
  w=$(bench_quire_warm "$WORK/$site")
  if command -v jekyll >/dev/null 2>&1; then
    j=$(bench_jekyll "$WORK/$site")
    ratio=$(awk -v q="$q" -v j="$j" 'BEGIN { printf "%.2f", q / j }')
  else
    j="-"; ratio="-"
  fi
  printf '%-8s %12s %12s %12s %12s\n' "$site" "$q" "$w" "$j" "$ratio"
done
echo "median of $RUNS builds each; cold/jekyll = quire cold / jekyll (lower is faster)"
