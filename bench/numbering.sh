#!/usr/bin/env bash
# Equation-numbering benchmark: one post with 500 numbered equations (250 equation environments
# with \label, 125 two-row aligns, one labelled per row or by Quarto's {#eq-…}, a reference to
# each), built three ways:
#   post — `[math] numbering = "post"`: quire numbers, labels and resolves references;
#   none — the same post with `numbering = "none"`: no numbers at all;
#   hand — the post as quire rewrites it (explicit \tag{n} on each row, no labels), with
#          `numbering = "none"`: the same KaTeX work as `post`, none of quire's numbering.
# post/hand is what numbering costs quire; post/none adds KaTeX's own cost of drawing numbers.
# Cold: no _site/ and no .quire-cache/ (every formula through KaTeX). Warm: the cache of the
# previous build. Medians of RUNS runs, the variants run in turn so load falls on all of them.
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

post() { # hand=1: explicit tags instead of labels
  local hand=${1:-0} n=0
  printf -- '---\ntitle: Numbered\n---\n'
  for i in $(seq 1 250); do
    n=$((n + 1))
    if (( hand )); then label="\\tag{$n}"; else label="\\label{e$i}"; fi
    printf 'By $\\eqref{e%d}$:\n\n$$\n\\begin{equation}\n%s f_{%d}(x) = \\sum_{k=0}^{%d} \\frac{x^k}{k!}\n\\end{equation}\n$$\n\n' "$i" "$label" "$i" "$i"
    if (( i % 2 == 1 )); then
      local a=$((n + 1)) b=$((n + 2)); n=$((n + 2))
      if (( hand )); then l1="\\tag{$a}"; l2="\\tag{$b}"; else l1="\\label{g$i}"; l2="\\label{h$i}"; fi
      printf 'See $\\eqref{g%d}$.\n\n$$\n\\begin{align}\ng_{%d} &= \\int_0^{%d} t\\,dt %s \\\\\nh_{%d} &= \\prod_{j=1}^{%d} j %s\n\\end{align}\n$$\n\n' "$i" "$i" "$i" "$l1" "$i" "$i" "$l2"
    fi
  done
}

MODES="post none hand"
for mode in $MODES; do
  mkdir -p "$WORK/$mode/posts"
  post "$([ "$mode" = hand ] && echo 1 || echo 0)" > "$WORK/$mode/posts/2020-01-01-numbered.md"
  numbering=$([ "$mode" = post ] && echo post || echo none)
  printf '[math]\nnumbering = "%s"\n' "$numbering" > "$WORK/$mode/site.toml"
done
# Check the work really differs: 500 numbers with numbering on, none with it off.
for mode in $MODES; do "$QUIRE" build --source "$WORK/$mode" >/dev/null 2>&1; done
tags() { grep -o '\\tag{[0-9]*}' "$WORK/$1/_site/2020/01/01/numbered.html" | sort -u | wc -l; }
echo "numbers on the page: post=$(tags post) none=$(tags none) hand=$(tags hand)"

declare -A cold warm
for mode in $MODES; do cold[$mode]=""; warm[$mode]=""; done
for _ in $(seq "$RUNS"); do
  for mode in $MODES; do
    rm -rf "$WORK/$mode/_site" "$WORK/$mode/.quire-cache"
    cold[$mode]+="$(time_ms "$QUIRE" build --source "$WORK/$mode") "
    warm[$mode]+="$(time_ms "$QUIRE" build --source "$WORK/$mode") "
  done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
printf '%-8s %10s %10s\n' "" "cold ms" "warm ms"
for mode in $MODES; do
  printf '%-8s %10s %10s\n' "$mode" "$(med "${cold[$mode]}")" "$(med "${warm[$mode]}")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "post/hand (quire's numbering): cold $(ratio "$(med "${cold[post]}")" "$(med "${cold[hand]}")"), warm $(ratio "$(med "${warm[post]}")" "$(med "${warm[hand]}")")"
echo "post/none (numbering, KaTeX's drawing included): cold $(ratio "$(med "${cold[post]}")" "$(med "${cold[none]}")"), warm $(ratio "$(med "${warm[post]}")" "$(med "${warm[none]}")")"
