#!/usr/bin/env bash
# `ose backtest` as a user runs it: the same run twice prints the same bytes, the --json row has
# every field, the output journal is an ordinary one (`ose recover --check`, `ose report`), a grid
# of 8 combinations gives 8 distinct rows ranked by Sharpe, again on a second run, and bad input
# exits 2 with a clear message before the --out directory exists.
# Usage: backtest_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
klines="$src/../shared/data/binance/klines"
day1="$klines/ETHUSDT-1m-2022-08-14.csv"
day2="$klines/ETHUSDT-1m-2022-08-15.csv"
config="$src/config/demo.toml" # the built-in config's text: the journal's genesis is its
command -v jq >/dev/null || { echo "jq is needed to read the JSON rows"; exit 1; }

check "ose backtest --help exits 0" "$ose" backtest --help >/dev/null

# 1. Two days of ETHUSDT 1m klines, latencies set; twice into the same directory (the second run
# replaces the first's journal).
bt=("$ose" backtest -q --data "$day1" --data "$day2" --set symbol=ETHUSDT
  --latency-entry-us 500 --latency-response-us 300 --feed-latency-us 100)
"${bt[@]}" --out "$work/run" >"$work/run1.txt" 2>"$work/run1.err"
check "a backtest exits 0" test $? -eq 0
"${bt[@]}" --out "$work/run" >"$work/run2.txt" 2>"$work/run2.err"
check "  and again" test $? -eq 0
check "the same backtest twice prints the same, byte for byte" cmp -s "$work/run1.txt" "$work/run2.txt"
check "  which is the run report" contains "$work/run1.txt" "ema1"
check "  and names the journal and its state hash" \
  grep -Eq "journal in $work/run \(state hash [0-9a-f]{16}\)" "$work/run1.txt"
hash="$(grep '^backtest: ' "$work/run1.txt" | grep -Eo 'state hash [0-9a-f]{16}' | awk '{print $3}')"
check "  the report above it shows the same hash" grep -qx "state hash $hash" "$work/run1.txt"

# 2. The results row. Klines make four ticks a bar, at +0, +15, +30 and +45 s: two full days are
# 2 × 1440 × 4 ticks, from the first bar's open to 45 s into the last bar.
"${bt[@]}" --json --out "$work/json" >"$work/row.json" 2>"$work/row.err"
check "--json exits 0" test $? -eq 0
check "--json prints one JSON object" jq -e 'type == "object"' "$work/row.json" >/dev/null
for field in strategy params data from to latency_us fill_model ticks inputs state_hash return \
  annualised_return max_drawdown sharpe win_rate profit_factor trades fills fees net_profit; do
  check "  the row has $field" jq -e "has(\"$field\")" "$work/row.json" >/dev/null
done
row() { jq -r "$1" "$work/row.json"; }
check "  the row's state hash is the text run's" test "$(row .state_hash)" = "$hash"
check "  from the first bar's open" test "$(row .from)" = "2022-08-14T00:00:00Z"
check "  to 45 s into the last bar" test "$(row .to)" = "2022-08-15T23:59:45Z"
check "  11520 ticks" test "$(row .ticks)" = 11520
check "  the latencies as given" test "$(jq -cS .latency_us "$work/row.json")" = '{"entry":500,"feed":100,"response":300}'
check "  the strategy's parameters, symbol included" test "$(row .params.symbol)" = ETHUSDT
check "  it traded" jq -e '.fills > 0 and .trades > 0' "$work/row.json" >/dev/null
check "  the row is written beside the journal" cmp -s <(jq -S . "$work/row.json") <(jq -S . "$work/json/backtest.json")

# 3. The journal is an ordinary one: recovered to the run's hash, reported.
"$ose" recover --config "$config" --data-dir "$work/run" --check --expect "$hash" >"$work/recover.txt"
check "ose recover --check gives the backtest's state hash" test $? -eq 0
"$ose" recover --config "$config" --data-dir "$work/run" --check --no-snapshots --expect "$hash" >/dev/null
check "  replaying the journal from seq 1 too" test $? -eq 0
"$ose" report --config "$config" --data-dir "$work/json" --json >"$work/report.json"
check "ose report reads the journal" test $? -eq 0
check "  its fees for ema1 are the row's" test \
  "$(jq -r '.strategies[] | select(.name == "ema1") | .fees' "$work/report.json")" = "$(row .fees)"
"$ose" report --config "$config" --data-dir "$work/run" >"$work/report.txt"
check "ose report prints the text report" test $? -eq 0

# 4. A grid of 2 × 2 × 2: 8 runs, 2 at a time, ranked by Sharpe (best first, n/a last).
grid=("${bt[@]}" --grid ema_fast=5,8 --grid ema_slow=21,34 --grid bar_ticks=4,20 --jobs 2)
"${grid[@]}" --out "$work/grid" >"$work/grid1.txt" 2>"$work/grid1.err"
check "a grid of 8 exits 0" test $? -eq 0
g="$work/grid/grid.json"
check "  grid.json has 8 rows" test "$(jq length "$g")" = 8
check "  one per combination" test "$(jq -c '[.[].grid] | unique | length' "$g")" = 8
check "  each with its own journal and results" \
  test "$(jq -r '[.[].state_hash] | unique | length' "$g")" = 8
check "  the grid's values reached the runs" \
  jq -e 'all(.[]; .params.ema_fast == .grid.ema_fast and .params.ema_slow == .grid.ema_slow and .params.bar_ticks == .grid.bar_ticks)' "$g" >/dev/null
check "  ranked by Sharpe, descending, nulls last" jq -e '
  [.[].sharpe] as $s | ($s | map(select(. != null))) as $n
  | ($s[0:($n | length)] == $n) and ($n == ($n | sort | reverse))' "$g" >/dev/null
check "  the table shows 8 ranked lines" test "$(grep -cE '^ +[1-8]  ' "$work/grid1.txt")" = 8
cp "$g" "$work/grid1.json"
"${grid[@]}" --out "$work/grid" >"$work/grid2.txt" 2>"$work/grid2.err"
check "the same grid again exits 0" test $? -eq 0
check "  and gives the same rows in the same order" cmp -s "$work/grid1.json" "$g"
check "  and prints the same table" cmp -s "$work/grid1.txt" "$work/grid2.txt"

# 5. Bad input: exit 2, a message naming the problem, and no --out directory.
bad() { # bad NAME MESSAGE ARGS...: the run fails cleanly
  local what="$1" message="$2"; shift 2
  "$ose" backtest -q --out "$work/bad" "$@" >/dev/null 2>"$work/bad.err"
  local rc=$?
  check "$what: exit 2" test "$rc" -eq 2
  check "  says '$message'" contains "$work/bad.err" "$message"
  check "  creates no --out directory" test ! -e "$work/bad"
  rm -rf "$work/bad"
}
bad "an unknown symbol in --data" "NOPEUSDT" --data "$day1@NOPEUSDT"
bad "an unknown symbol for the strategy" "XRPUSDT" --data "$day1" --set symbol=XRPUSDT
bad "an unreadable file" "$work/missing.csv" --data "$work/missing.csv@ETHUSDT" --set symbol=ETHUSDT
bad "an empty range" "no tick of the data falls in the --from/--to range" \
  --data "$day1" --set symbol=ETHUSDT --from 2030-01-01
bad "--to before --from" "is after --to" \
  --data "$day1" --set symbol=ETHUSDT --from 2022-08-14T12:00 --to 2022-08-14T11:00
bad "a grid on an unknown parameter" "the strategy has no parameter 'nope'" \
  --data "$day1" --set symbol=ETHUSDT --grid nope=1,2
bad "a grid value the strategy refuses" "ema_fast" \
  --data "$day1" --set symbol=ETHUSDT --grid ema_fast=5,abc
bad "a --from that is not a time" "'yesterday' is not a time" \
  --data "$day1" --set symbol=ETHUSDT --from yesterday
bad "--fill-model nonsense" "--fill-model nonsense: choose full or partial" \
  --data "$day1" --set symbol=ETHUSDT --fill-model nonsense

finish "$work/run1.err" "$work/grid1.err" "$work/grid2.err"
