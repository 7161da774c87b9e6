#!/usr/bin/env bash
# Warm-build growth against a base commit, for issue 13's acceptance: "the build's warm time may
# not grow by more than 15% on the 1,000-post site". The base is the commit before issue 13's
# work began (35cc5ae, the parent of f19f468, its first commit); the current tree is what is
# checked out, uncommitted edits included.
#
#   warm   the issue's definition: sources unchanged, the cache (.quire-cache/) and the output
#          (_site/) a previous build of the same posts left; `quire build --source SITE` again
#
# Both binaries build the same generated corpus (the current examples/gen_site.rs,
# deterministic), each in its own copy of it, after one untimed cold and one untimed warm build.
# The RUNS timed warm builds are interleaved (base, current, base, current, ...) so that a
# shared machine's load falls on both alike; each figure is the median of RUNS runs. CPU time
# (user + system) is given beside wall time because load stretches the one but hardly the other.
# Both outputs are checked to hold KaTeX's HTML (class="katex-html") for every formula of the
# corpus, so neither side is timed doing less work.
#
# BASE_REV's quire is built in a temporary git worktree (removed on exit) with CARGO_TARGET_DIR
# at target/bench-base, and its binary is kept there under the commit's hash, so a rerun does
# not build it again.
#
# Usage: bench/warm_growth.sh [BASE_REV=35cc5ae] [RUNS=5] [POSTS=1000] [FORMULAS=30]
set -euo pipefail
BASE_REV=${1:-35cc5ae}
RUNS=${2:-5}
POSTS=${3:-1000}
FORMULAS=${4:-30}
LIMIT_PCT=15
[ "$RUNS" -ge 3 ] || { echo "RUNS must be at least 3 (medians)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
BASE_TREE="$WORK/base-src"
cleanup() {
  if [ -d "$BASE_TREE" ]; then
    git -C "$ROOT" worktree remove --force "$BASE_TREE" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# --- the binaries ----------------------------------------------------------------------------
BASE_HASH=$(git -C "$ROOT" rev-parse --verify --quiet "$BASE_REV^{commit}") \
  || { echo "error: $BASE_REV is not a commit of $ROOT" >&2; exit 2; }
BASE_SHORT=$(git -C "$ROOT" rev-parse --short "$BASE_HASH")
BASE_SUBJECT=$(git -C "$ROOT" log -1 --format=%s "$BASE_HASH")
CUR_DESC="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted edits')"

# Copied at once: someone working in the tree may rebuild target/release/ while this runs, and
# a warm build by a different binary may find the whole cache stale.
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire --example gen_site
CUR="$WORK/quire-current"
GEN="$WORK/gen_site"
cp "$ROOT/target/release/quire" "$CUR"
cp "$ROOT/target/release/examples/gen_site" "$GEN"

BASE_TARGET="$ROOT/target/bench-base"
BASE="$BASE_TARGET/quire-$BASE_HASH"
if [ -x "$BASE" ]; then
  echo "base: reusing $BASE" >&2
else
  echo "base: building $BASE_SHORT in a worktree (CARGO_TARGET_DIR=$BASE_TARGET)..." >&2
  git -C "$ROOT" worktree add --quiet --detach "$BASE_TREE" "$BASE_HASH"
  if ! CARGO_TARGET_DIR="$BASE_TARGET" cargo build --release --quiet --locked \
      --manifest-path "$BASE_TREE/Cargo.toml" --bin quire; then
    echo "error: $BASE_SHORT ($BASE_SUBJECT) does not build; no comparison" >&2
    exit 1
  fi
  cp "$BASE_TARGET/release/quire" "$BASE.tmp" && mv "$BASE.tmp" "$BASE"
fi

# --- the corpus, one copy per binary ---------------------------------------------------------
"$GEN" "$WORK/corpus" "$POSTS" "$FORMULAS" >/dev/null
cp -r "$WORK/corpus" "$WORK/base"
cp -r "$WORK/corpus" "$WORK/cur"


EXPECTED=$(( POSTS * FORMULAS ))

# build NAME BIN DIR: one untimed build; fails with the build's own messages; prints its summary
# line (the last line quire writes to stderr).
build() {
  local log="$WORK/$1.log"
  if ! "$2" build --source "$3" >/dev/null 2>"$log"; then
    echo "error: $1's build of $3 failed:" >&2; cat "$log" >&2; exit 1
  fi
  tail -1 "$log"
}

B_COLD=$(build base "$BASE" "$WORK/base")
C_COLD=$(build current "$CUR" "$WORK/cur")
B_WARM=$(build base "$BASE" "$WORK/base")
C_WARM=$(build current "$CUR" "$WORK/cur")
katex_count base "$WORK/base/_site" >/dev/null
katex_count current "$WORK/cur/_site" >/dev/null

# --- timed warm builds, interleaved ----------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
b_out=(); c_out=()
for i in $(seq "$RUNS"); do
  b_out+=("$(measure "$BASE" build --source "$WORK/base")")
  c_out+=("$(measure "$CUR" build --source "$WORK/cur")")
  echo "run $i: base ${b_out[-1]}  current ${c_out[-1]}  (wall ms, peak KB, CPU ms)" >&2
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
B_KATEX=$(katex_count base "$WORK/base/_site")
C_KATEX=$(katex_count current "$WORK/cur/_site")

# col N OUT...: the median of column N of the measurements (column 2, KB, given in MB)
col() {
  local n=$1; shift
  printf '%s\n' "$@" | awk -v n="$n" '{print (n == 2 ? $n / 1024 : $n)}' | median
}
b_ms=$(col 1 "${b_out[@]}"); c_ms=$(col 1 "${c_out[@]}")
b_mb=$(col 2 "${b_out[@]}"); c_mb=$(col 2 "${c_out[@]}")
b_cpu=$(col 3 "${b_out[@]}"); c_cpu=$(col 3 "${c_out[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
files() { find "$1" -type f | wc -l; }
size_mb() { du -sb "$1" | awk '{printf "%.1f", $1 / 1048576}'; }

# --- the table -------------------------------------------------------------------------------
echo "corpus: $POSTS posts × $FORMULAS formulas (posts hold $EXPECTED formulas)"
echo "base:    $BASE_SHORT ($BASE_SUBJECT)"
echo "current: $CUR_DESC"
echo "base    cold: $B_COLD"
echo "current cold: $C_COLD"
echo "base    warm: $B_WARM"
echo "current warm: $C_WARM"
row() { printf '%-28s %12s %12s %14s\n' "$@"; }
row "" base current current/base
row "warm ms (median)" "$b_ms" "$c_ms" "$(ratio "$c_ms" "$b_ms")"
row "warm CPU ms (median)" "$b_cpu" "$c_cpu" "$(ratio "$c_cpu" "$b_cpu")"
row "warm peak MB (median)" "$(printf '%.1f' "$b_mb")" "$(printf '%.1f' "$c_mb")" "$(ratio "$c_mb" "$b_mb")"
row "output files" "$(files "$WORK/base/_site")" "$(files "$WORK/cur/_site")" -
row "output MB" "$(size_mb "$WORK/base/_site")" "$(size_mb "$WORK/cur/_site")" -
row "class=\"katex-html\"" "$B_KATEX" "$C_KATEX" -
echo "medians of $RUNS warm runs each, interleaved; ms = wall time, CPU ms = user + system; peak = max RSS (GNU time)"
echo "load average before the timed runs: $LOAD_BEFORE; after: $LOAD_AFTER"
growth=$(awk -v a="$c_ms" -v b="$b_ms" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }')
cpu_growth=$(awk -v a="$c_cpu" -v b="$b_cpu" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }')
if awk -v g="$growth" -v l="$LIMIT_PCT" 'BEGIN { exit !(g <= l) }'; then
  verdict="within the ${LIMIT_PCT}% limit"
else
  verdict="OVER the ${LIMIT_PCT}% limit"
fi
echo "warm growth: ${growth}% (wall; CPU ${cpu_growth}%): $verdict (negative = faster)"
