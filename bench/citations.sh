#!/usr/bin/env bash
# Citations benchmark: 50 posts with 20 citations each (bracketed, grouped with a locator,
# author suppressed, narrative) against a 100-entry references.bib, and the same posts with
# each citation replaced by plain text of the same length. Warm builds only (`.quire-cache/`
# of a previous build present, as when writing): KaTeX's renderings, the CSL locales and each
# post's formatted citations come from it, so what citations add is finding them, checking
# the cache and writing the links and bibliography. Medians of RUNS runs, run alternately so
# that load on a shared machine falls on both; the ratio is what to read.
#
# Usage: bench/citations.sh [RUNS=5]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
QUIRE=$(release_quire "$ROOT")
RUNS=${1:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

bib() { # 100 entries of four types
  for i in $(seq 0 99); do
    case $((i % 4)) in
      0) printf '@article{k%d,\n  author = {Author%d, Alice and Writer, Bob},\n  title = {On the {$L^%d$} theory of things},\n  journal = {Journal %d},\n  volume = {%d},\n  pages = {1--10},\n  year = {%d}\n}\n\n' "$i" "$i" "$i" "$i" "$i" $((1950 + i)) ;;
      1) printf '@book{k%d,\n  author = {Bookman%d, Carol},\n  title = {A Book in %d Chapters},\n  publisher = {Press},\n  year = {%d}\n}\n\n' "$i" "$i" "$i" $((1950 + i)) ;;
      2) printf '@inproceedings{k%d,\n  author = {Speaker%d, Dan and Other, Eve and Third, Fay},\n  title = {Talk %d},\n  booktitle = {Proceedings %d},\n  year = {%d}\n}\n\n' "$i" "$i" "$i" "$i" $((1950 + i)) ;;
      3) printf '@misc{k%d,\n  author = {Site%d},\n  title = {Web page %d},\n  url = {https://example.com/%d},\n  year = {%d}\n}\n\n' "$i" "$i" "$i" "$i" $((1950 + i)) ;;
    esac
  done
}

post() { # $1: post number; 20 citations in 10 paragraphs, with some math as real posts have
  printf -- '---\ntitle: Post %d\n---\n' "$1"
  for j in $(seq 0 4); do
    a=$(( ($1 * 7 + j * 4) % 100 )); b=$(( (a + 1) % 100 )); c=$(( (a + 2) % 100 )); d=$(( (a + 3) % 100 ))
    printf 'Paragraph %d cites [@k%d] and [@k%d; @k%d, p. 33], with $x_{%d}^2$ in it.\n\n' "$j" "$a" "$b" "$c" "$j"
    printf 'As @k%d showed, and [-@k%d] again [@k%d], which is $\\sum_{i=1}^{%d} i$.\n\n' "$d" "$a" "$b" "$j"
  done
}

mkdir -p "$WORK/cite/posts" "$WORK/plain/posts"
bib > "$WORK/cite/references.bib"
for i in $(seq 1 50); do
  f=$(printf '2020-01-%02d-p%d.md' $(( (i - 1) % 28 + 1 )) "$i")
  post "$i" > "$WORK/cite/posts/$f"
  # Same text without citations: `@` dropped, so nothing is a citation, length kept.
  post "$i" | sed 's/@/x/g' > "$WORK/plain/posts/$f"
done

# Check the work really differs: 1000 citation links with citations, none without.
"$QUIRE" build --source "$WORK/cite" >/dev/null 2>&1
"$QUIRE" build --source "$WORK/plain" >/dev/null 2>&1
count() { cat "$WORK/$1"/_site/2020/01/*/*.html | grep -o 'class="cite"' | wc -l; }
echo "citation links: cite=$(count cite) plain=$(count plain)"

declare -A warm
for mode in cite plain; do warm[$mode]=""; done
for _ in $(seq "$RUNS"); do
  for mode in cite plain; do
    warm[$mode]+="$(time_ms "$QUIRE" build --source "$WORK/$mode") "
  done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
printf '%-8s %10s\n' "" "warm ms"
for mode in cite plain; do
  printf '%-8s %10s\n' "$mode" "$(med "${warm[$mode]}")"
done
awk -v a="$(med "${warm[cite]}")" -v b="$(med "${warm[plain]}")" \
  'BEGIN { printf "citations / none: warm %.3f\n", a / b }'
