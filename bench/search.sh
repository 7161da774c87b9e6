#!/usr/bin/env bash
# Search on the generated 1,000-post × 30-formula site (examples/gen_site.rs, deterministic):
#   - the index's size (everything under _site/pagefind/, and the part that is index proper:
#     meta, word-index chunks, fragments);
#   - the bytes one query transfers on a fresh page (Pagefind's script, entry, WebAssembly,
#     metadata, the index chunks and fragments the query needs), counted by the test server
#     from the page's load to the end of its first query: Pagefind fetches most of these from its
#     Web Worker, which the page's resource timing does not see;
#   - a query's time per keystroke in headless Chromium: each query word typed a character at a
#     time, `pagefind.search()` plus the data of the results a box shows (6), timed in the page;
#     the median over every keystroke of every word (and the slowest);
#   - the warm build (no output, the cache a previous build left) with and without search,
#     alternated in one run, medians of RUNS, and their ratio.
# Issue 13's targets: under 2 MB transferred for a query, under 50 ms a keystroke, warm build at
# most 15% slower with search.
#
# Needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver).
# Usage: bench/search.sh [RUNS=5] [POSTS=1000] [FORMULAS=30]
set -euo pipefail
RUNS=${1:-5}
POSTS=${2:-1000}
FORMULAS=${3:-30}
[ "$RUNS" -ge 3 ] || { echo "RUNS must be at least 3 (medians)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin quire --example gen_site
QUIRE="$ROOT/target/release/quire"
"$ROOT/target/release/examples/gen_site" "$WORK/on" "$POSTS" "$FORMULAS" >/dev/null
cp -r "$WORK/on" "$WORK/off"
printf '\n[search]\nenabled = false\n' >> "$WORK/off/site.toml"

# --- warm builds, with and without search, alternated -----------------------------------------
for s in on off; do "$QUIRE" build --source "$WORK/$s" >/dev/null 2>&1; done
on_ms=(); off_ms=()
for _ in $(seq "$RUNS"); do
  rm -rf "$WORK/on/_site"; on_ms+=("$(time_ms "$QUIRE" build --source "$WORK/on")")
  rm -rf "$WORK/off/_site"; off_ms+=("$(time_ms "$QUIRE" build --source "$WORK/off")")
done
warm_on=$(printf '%s\n' "${on_ms[@]}" | median)
warm_off=$(printf '%s\n' "${off_ms[@]}" | median)
# The first build with search, for scale: Pagefind indexing every page.
rm -rf "$WORK/off/_site"
index_off=$(time_ms "$QUIRE" build --source "$WORK/off")
rm -rf "$WORK/on/_site" "$WORK/on/.quire-cache/search"
index_ms=$(time_ms "$QUIRE" build --source "$WORK/on")

SITE="$WORK/on/_site"
bundle_kb=$(du -sb "$SITE/pagefind" | awk '{printf "%.0f", $1 / 1024}')
index_kb=$(find "$SITE/pagefind" \( -name '*.pf_meta' -o -name '*.pf_index' -o -name '*.pf_fragment' \) -printf '%s\n' \
  | awk '{s += $1} END {printf "%.0f", s / 1024}')
chunks=$(find "$SITE/pagefind/index" -type f | wc -l)
fragments=$(find "$SITE/pagefind/fragment" -type f | wc -l)

# --- the browser ------------------------------------------------------------------------------
cat > "$SITE/bench-search.html" <<'HTML'
<!DOCTYPE html><meta charset="utf-8"><title>search bench</title>
<script type="module">
const words = ["softmax", "identity", "sentence", "深度学习"];
async function run() {
  const pf = await import("/pagefind/pagefind.js");
  await pf.init();
  // One query on a fresh page; the server counts what it served until the marker.
  const first = await pf.search("softmax");
  await Promise.all(first.results.slice(0, 6).map(r => r.data()));
  await fetch("/bench-first-done?" + Date.now());
  const times = [];
  let results = 0;
  for (const w of words) {
    for (let i = 1; i <= [...w].length; i++) {
      const q = [...w].slice(0, i).join("");
      const t = performance.now();
      const found = await pf.search(q);
      await Promise.all(found.results.slice(0, 6).map(r => r.data()));
      times.push(performance.now() - t);
      results = found.results.length;
    }
  }
  return { times, lastResults: results };
}
window.bench = run();
</script>
HTML
touch "$SITE/bench-first-done"
# A static server on the loopback that logs "path status bytes" for every response it sends.
cat > "$WORK/server.py" <<'PY'
import functools, http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        path = self.translate_path(self.path)
        sent = os.path.getsize(path) if str(code) == "200" and os.path.isfile(path) else 0
        print(self.path.split("?")[0], code, sent, flush=True)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print("port", server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$WORK/server.py" "$SITE" >"$WORK/http.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^port' "$WORK/http.log" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/^port/ {print $2; exit}' "$WORK/http.log")
DRIVER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chromedriver --port="$DRIVER_PORT" >/dev/null 2>&1 &
PIDS+=($!)
RESULT=$(python3 - "$DRIVER_PORT" "$PORT" "$WORK/profile" <<'PY'
import json, sys, time, urllib.request
driver, port, profile = sys.argv[1], sys.argv[2], sys.argv[3]
def call(method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{driver}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=120))["value"]
for _ in range(100):
    try:
        call("GET", "/status"); break
    except Exception:
        time.sleep(0.1)
caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"args": [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-dev-shm-usage", f"--user-data-dir={profile}"]}}}}
sid = call("POST", "/session", caps)["sessionId"]
try:
    runs = []
    for _ in range(3):
        # A fresh load each time, cache disabled by a query string on nothing but the page.
        call("POST", f"/session/{sid}/url", {"url": f"http://127.0.0.1:{port}/bench-search.html?{time.time()}"})
        call("POST", f"/session/{sid}/timeouts", {"script": 120000})
        runs.append(call("POST", f"/session/{sid}/execute/async",
            {"script": "const done = arguments[0]; window.bench.then(done, e => done({error: String(e)}));", "args": []}))
        # The next load must fetch everything again.
        call("POST", f"/session/{sid}/goog/cdp/execute", {"cmd": "Network.clearBrowserCache", "params": {}})
    print(json.dumps(runs))
finally:
    call("DELETE", f"/session/{sid}")
PY
)
read -r q_kb q_files key_med key_max hits < <(python3 -c '
import json, statistics, sys
runs = json.loads(sys.argv[1])
for r in runs:
    if "error" in r: sys.exit("bench page: " + r["error"])
# Per page load: the /pagefind/ files served from the load to the marker.
loads, counting = [], False
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) != 3 or parts[0] == "port":
        continue
    path, sent = parts[0], int(parts[2])
    if path == "/bench-search.html":
        loads.append([0, 0]); counting = True
    elif path == "/bench-first-done":
        counting = False
    elif counting and path.startswith("/pagefind/"):
        loads[-1][0] += sent; loads[-1][1] += 1
if len(loads) != len(runs) or any(files == 0 for _, files in loads):
    sys.exit("server log: expected %d page loads fetching /pagefind/, found %s" % (len(runs), loads))
times = [t for r in runs for t in r["times"]]
print("%.0f" % (statistics.median(b for b, _ in loads) / 1024), loads[0][1],
      "%.1f" % statistics.median(times), "%.1f" % max(times), runs[0]["lastResults"])
' "$RESULT" "$WORK/http.log")

ratio=$(awk -v a="$warm_on" -v b="$warm_off" 'BEGIN {printf "%.3f", a / b}')
cat <<TXT
Search on the generated site: $POSTS posts × $FORMULAS formulas (lang en), medians of $RUNS.
  bundle /pagefind/           ${bundle_kb} KB  (index proper ${index_kb} KB: ${chunks} word-index chunks, ${fragments} fragments)
  one query, fresh page       ${q_kb} KB served in ${q_files} files   (target < 2048 KB)
  per keystroke               median ${key_med} ms, slowest ${key_max} ms over every prefix of: softmax identity sentence 深度学习 (target < 50 ms)
  warm build                  with search ${warm_on} ms, without ${warm_off} ms: ratio ${ratio} (target <= 1.15)
  first build indexing        with search ${index_ms} ms, without ${index_off} ms (KaTeX from the cache in both)
TXT
