# shellcheck shell=bash
# The preamble every tests/tools/*.sh sources (`. "$(dirname "$0")/lib.sh"`; tests/CMakeLists.txt
# leaves this file out of the tests). From the test's `PATH/TO/ose SOURCE_DIR` it sets:
#   ose, src    the tool and the source tree, as absolute paths (a test may cd away);
#   work        a fresh temporary directory, removed at exit (kept, and named, if OSE_KEEP_WORK
#               is set);
#   pid, pids   the test's background processes (one, or several): killed at exit if still set;
#   name        set by the test to its engine's name: its segments in /dev/shm are removed at exit;
#   on_cleanup  a function a test may define for its own last steps, run first at exit;
#   check, contains, finish: the assertions and the verdict;
#   start_engine: the engine of $work/config.toml, started in the background.
set -uo pipefail
# shellcheck disable=SC2034 # ose and src are for the tests that source this
{
  ose="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  src="$(cd "$2" && pwd)"
}
work="$(mktemp -d)"
name=""
pid=""
pids=()

cleanup() {
  declare -F on_cleanup >/dev/null && on_cleanup
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
  [ -n "$name" ] && rm -f /dev/shm/ose."$name".*
}
trap cleanup EXIT
[ -n "${OSE_KEEP_WORK:-}" ] && trap - EXIT && echo "work dir: $work"

failures=0
check() {  # check DESCRIPTION COMMAND...: one assertion, counted if it fails
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
contains() { grep -qF -- "$2" "$1"; }  # contains FILE TEXT

# start_engine: `ose engine --config $work/config.toml` in the background (its pid in `pid`, its
# log in $work/engine.log); returns once it is up: this process owns the segment of `name` (a
# killed engine's segment lingers until then).
start_engine() { start_engine_with "$work/config.toml" "$work/engine.log"; }
# start_engine_with CONFIG LOG [ARGS...]: the same with another config, log and more arguments.
start_engine_with() {
  local config="$1" log="$2"
  shift 2
  "$ose" engine --config "$config" -q "$@" 2>>"$log" &
  pid=$!
  for _ in $(seq 200); do
    "$ose" inspect --engine "$name" status --json >"$work/up.json" 2>/dev/null &&
      grep -q "\"pid\": $pid\b" "$work/up.json" && return 0
    sleep 0.05
  done
  return 1
}

# finish [LOG...]: the verdict. On a failure, the end of each LOG that exists (to see why) and the
# count, exit 1; else "all checks passed".
finish() {
  if [ "$failures" -ne 0 ]; then
    for f in "$@"; do [ -e "$f" ] && echo "--- $f" && tail -n 200 "$f"; done
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
