# Shared by the bench scripts: timing one command and keeping medians.
# Callers set $data (a temp dir) and RUNS, and declare `declare -A med` before run_case.

# time_cmd CMD...: wall seconds of one run, output discarded; a failing command stops the bench.
time_cmd() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2> "$data/stderr" || { echo "failed: $* : $(tail -3 "$data/stderr")" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# run_case NAME CMD...: RUNS runs; the median goes to med[NAME] and is printed.
run_case() {
  local name="$1"; shift
  local times=()
  for _ in $(seq "$RUNS"); do times+=("$(time_cmd "$@")"); done
  med[$name]=$(printf '%s\n' "${times[@]}" | median)
  printf '%-28s %7.3f s\n' "$name" "${med[$name]}"
}
