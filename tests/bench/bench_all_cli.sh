#!/usr/bin/env bash
# `ose-bench all --quick`: the performance study's seconds-long version, as CI runs it. Every
# study runs, results.json and results.md hold each section, the plots are PNGs, a missing
# PostgreSQL or Redis server is a noted skip (never a failure), and --docs rewrites only the
# marked section of a Markdown file.
# Usage: bench_all_cli.sh PATH/TO/ose-bench SOURCE_DIR
set -uo pipefail
ose_bench="$1"
src="$2"
work="$(mktemp -d)"
chmod 755 "$work"  # the PostgreSQL cluster under it runs as the postgres user when we are root
trap 'rm -rf "$work"' EXIT
failures=0
check() {
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" "$1"; }
is_png() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '211PNG' ]; }

check "ose-bench all --help exits 0" "$ose_bench" all --help >/dev/null
printf '# Perf\n\nprose before\n\n<!-- study:begin -->\nold tables\n<!-- study:end -->\n\nprose after\n' \
  >"$work/doc.md"
# In the background only to learn its pid: its engines are named bench<pid>… and study<pid>….
"$ose_bench" all --quick --out "$work/out" --docs "$work/doc.md" --data-dir-base "$work" \
  >"$work/stdout.txt" 2>"$work/stderr.txt" &
bench_pid=$!
wait "$bench_pid"
check "ose-bench all --quick exits 0" test $? -eq 0
shm_left() { (cd /dev/shm && ls -d ose.bench"$bench_pid"* ose.study"$bench_pid"* 2>/dev/null); }
check "... and leaves nothing in /dev/shm (segments or lock files)" test -z "$(shm_left)"
for key in '"machine"' '"floors"' '"round_trips"' '"throughput"' '"stores"' '"open_loop"' \
  '"readers"' '"scaling"' '"ratios"' '"cores"' '"compiler"'; do
  check "results.json has $key" contains "$work/out/results.json" "$key"
done
for section in "### Round trip" "### The same order-event workload" "### Throughput" \
  "### Open loop" "### Reader interference" "### Scaling with working orders"; do
  check "results.md has '$section'" contains "$work/out/results.md" "$section"
done
check "ose's own store ran" grep -q '^| ose (shared-memory rings) | [0-9]' "$work/out/results.md"
check "the message_queue alternative ran" grep -q '^| Boost message_queue + ose core | [0-9]' "$work/out/results.md"
check "the UNIX socket alternative ran" grep -q '^| UNIX socket + ose core | [0-9]' "$work/out/results.md"
# PostgreSQL and Redis: measured when their servers are installed, else a noted skip.
for alt in PostgreSQL Redis; do
  check "$alt ran or was skipped with a note" grep -Eq "^\\| $alt[^|]* \\| ([0-9]|skipped: .+)" \
    "$work/out/results.md"
done
check "no study failed" bash -c "! grep -q 'FAILED' '$work/out/results.md'"
for p in open_loop stores scaling readers; do
  check "$p.png is a PNG" is_png "$work/out/$p.png"
done
check "--docs kept the prose before" contains "$work/doc.md" "prose before"
check "  and after" contains "$work/doc.md" "prose after"
check "  and replaced the old tables" bash -c "! grep -q 'old tables' '$work/doc.md'"
check "  with the new ones" contains "$work/doc.md" "### Round trip"
check "no scratch journal or cluster left behind" bash -c "[ -z \"\$(ls -A '$work' | grep -v -e '^out$' -e '^doc.md$' -e '^std')\" ]"
"$ose_bench" all --out "$work/x" --only nonsense >/dev/null 2>&1
check "an unknown study is refused" test $? -ne 0

if [ "$failures" -ne 0 ]; then
  echo "--- stdout"; tail -40 "$work/stdout.txt"; echo "--- stderr"; tail -20 "$work/stderr.txt"
  echo "$failures check(s) failed"; exit 1
fi
echo "all bench-all checks passed"
