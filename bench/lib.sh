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
