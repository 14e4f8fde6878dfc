# shellcheck shell=bash
# What the serve_*.sh tests share (sourced after lib.sh; tests/CMakeLists.txt leaves this file out
# of the tests): an engine on config/example.toml under a fresh name, and `ose serve` beside it.
#   start_engine          the engine (pid in pids), waits until `ose inspect` sees it
#   start_serve [ARGS..]  `ose serve` on a free loopback port (pid in pids); sets $port and $base
#   http PATH [CURL ARGS] the body of GET $base$PATH, failing on a 4xx/5xx
#   quiet                 waits until applied_seq stops moving

name="ts$$"
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"

start_engine() {
  "$ose" engine --config "$work/config.toml" --status-every 5 2>"$work/engine.log" &
  pids+=($!)
  engine_pid=$!
  for _ in $(seq 200); do
    "$ose" inspect --engine "$name" status >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "the engine did not come up"; cat "$work/engine.log"; exit 1
}

start_serve() {
  rm -f "$work/port"
  "$ose" serve --engine "$name" --listen 127.0.0.1:0 --port-file "$work/port" "$@" \
    >"$work/serve.out" 2>"$work/serve.log" &
  pids+=($!)
  serve_pid=$!
  for _ in $(seq 200); do
    [ -s "$work/port" ] && break
    sleep 0.05
  done
  port="$(cat "$work/port" 2>/dev/null)"
  base="http://127.0.0.1:$port"
  [ -n "$port" ] || { echo "ose serve did not start"; cat "$work/serve.log"; exit 1; }
}

http() { local path="$1"; shift; curl -sf --max-time 10 "$@" "$base$path"; }

quiet() {
  local last="" now
  for _ in $(seq 100); do
    now="$("$ose" inspect --engine "$name" status --json | jq .applied_seq)"
    [ "$now" = "$last" ] && return 0
    last="$now"
    sleep 0.2
  done
}
