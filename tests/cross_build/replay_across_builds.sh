#!/usr/bin/env bash
# Debug and Release builds replay the same journal to the same state hash: the Release `ose`
# engine journals the demo scenario (sent through its rings), and every other build given
# recovers that journal, with and without snapshots, to the hash the Release engine stopped at.
# Usage: replay_across_builds.sh SOURCE_DIR RELEASE_OSE OTHER_OSE...
set -uo pipefail
src="$1"; release="$2"; shift 2
work="$(mktemp -d)"
name="xb$$"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"; rm -f /dev/shm/ose."$name".*
}
trap cleanup EXIT
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 20/" "$src/config/example.toml" >"$work/config.toml"
"$release" engine --config "$work/config.toml" -q 2>"$work/engine.log" &
pid=$!
for _ in $(seq 200); do
  "$release" inspect --engine "$name" status >/dev/null 2>&1 && break
  sleep 0.05
done
"$release" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null ||
  { echo "FAIL - the demo scenario did not go through"; exit 1; }
kill -TERM "$pid"; wait "$pid"; pid=""
hash="$(grep -o 'checkpoint hash [0-9a-f]*' "$work/engine.log" | awk '{print $3}')"
[ -n "$hash" ] || { echo "FAIL - the Release engine logged no checkpoint hash"; cat "$work/engine.log"; exit 1; }
failures=0
for other in "$@"; do
  for mode in "" --no-snapshots; do
    if "$other" recover --config "$work/config.toml" --check $mode --expect "$hash" >/dev/null; then
      echo "ok   - $other recover $mode gives the Release engine's hash $hash"
    else
      echo "FAIL - $other recover $mode differs from the Release engine's hash $hash"
      failures=$((failures + 1))
    fi
  done
done
exit "$failures"
