#!/usr/bin/env bash
# Equation-numbering benchmark: one post with 500 numbered equations (equation and align
# environments, \label on each, an \eqref to each) built with `[math] numbering = "post"`, against
# the same post with `numbering = "none"` (KaTeX renders the same formulas, minus the numbers).
# Cold: no _site/ and no .quire-cache/ (every formula through KaTeX). Warm: the cache of a
# previous build of the same configuration. Medians of RUNS runs, run alternately so that load
# on a shared machine falls on both; the ratio is what to read.
#
# Usage: bench/numbering.sh [RUNS=5]
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire
QUIRE="$ROOT/target/release/quire"

post() { # the post's text: 250 equation environments and 125 two-row aligns, 500 numbers
  printf -- '---\ntitle: Numbered\n---\n'
  for i in $(seq 1 250); do
    printf 'By $\\eqref{e%d}$ and @eq-a%d:\n\n$$\n\\begin{equation}\n\\label{e%d} f_{%d}(x) = \\sum_{k=0}^{%d} \\frac{x^k}{k!}\n\\end{equation}\n$$\n\n' "$i" "$i" "$i" "$i" "$i"
    if (( i % 2 == 0 )); then
      printf '$$\n\\begin{align}\ng_{%d} &= \\int_0^{%d} t\\,dt \\\\\nh_{%d} &= \\prod_{j=1}^{%d} j\n\\end{align}\n$$ {#eq-a%d}\n\n' "$i" "$i" "$i" "$i" "$i"
    else
      printf '$$\n\\begin{align}\ng_{%d} &= \\int_0^{%d} t\\,dt \\\\\nh_{%d} &= \\prod_{j=1}^{%d} j \\label{eq-a%d}\n\\end{align}\n$$\n\n' "$i" "$i" "$i" "$i" "$i"
    fi
  done
}

for mode in post none; do
  mkdir -p "$WORK/$mode/posts"
  post > "$WORK/$mode/posts/2020-01-01-numbered.md"
  printf '[math]\nnumbering = "%s"\n' "$mode" > "$WORK/$mode/site.toml"
done
# Check the work really differs: 500 numbers with numbering on, none with it off.
"$QUIRE" build --source "$WORK/post" >/dev/null 2>&1
"$QUIRE" build --source "$WORK/none" >/dev/null 2>&1
tags() { grep -o '\\tag{[0-9]*}' "$WORK/$1/_site/2020/01/01/numbered.html" | sort -u | wc -l; }
echo "numbers on the page: post=$(tags post) none=$(tags none)"

declare -A cold warm
for mode in post none; do cold[$mode]=""; warm[$mode]=""; done
for _ in $(seq "$RUNS"); do
  for mode in post none; do
    rm -rf "$WORK/$mode/_site" "$WORK/$mode/.quire-cache"
    cold[$mode]+="$(time_ms "$QUIRE" build --source "$WORK/$mode") "
    warm[$mode]+="$(time_ms "$QUIRE" build --source "$WORK/$mode") "
  done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
printf '%-8s %10s %10s\n' "" "cold ms" "warm ms"
for mode in post none; do
  printf '%-8s %10s %10s\n' "$mode" "$(med "${cold[$mode]}")" "$(med "${warm[$mode]}")"
done
awk -v a="$(med "${cold[post]}")" -v b="$(med "${cold[none]}")" -v c="$(med "${warm[post]}")" -v d="$(med "${warm[none]}")" \
  'BEGIN { printf "numbering on / off: cold %.3f, warm %.3f\n", a / b, c / d }'
