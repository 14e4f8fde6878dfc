#!/usr/bin/env bash
# `ose export` into SQLite as a user runs it, on the journal of a two-day backtest: every orders,
# positions, balances and strategy_stats row equals the canonical state JSON of the same journal
# at the same seq (`ose journal dump --json | ose replay --state-out`), the ledger and the trades
# reconcile with the balances and the strategy stats (export_check.py); a rerun changes nothing;
# `ose export` killed with SIGKILL at random moments (at least 20 times part way through) and
# rerun leaves the database a single uninterrupted export leaves, row for row; bad targets are
# refused with a clear error and nothing written.
# Usage: export_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
klines="$src/../shared/data/binance/klines"
config="$src/config/demo.toml" # the built-in config of `ose backtest`: its journal's genesis
checker="$src/tests/tools/export_check.py"
command -v sqlite3 >/dev/null || { echo "sqlite3 (Debian: sqlite3) is needed to read the database"; exit 1; }

check "ose export --help exits 0" "$ose" export --help >/dev/null
"$ose" backtest -q --data "$klines/ETHUSDT-1m-2022-08-14.csv" --data "$klines/ETHUSDT-1m-2022-08-15.csv" \
  --set symbol=ETHUSDT --out "$work/bt" >"$work/bt.txt" 2>&1
check "a two-day backtest makes a journal" test $? -eq 0
hash="$(grep -Eo 'state hash [0-9a-f]{16}' "$work/bt.txt" | tail -1 | awk '{print $3}')"
exp=("$ose" export --config "$config" --data-dir "$work/bt")

# 1. One export, checked against the canonical state JSON of a replay of the same journal.
"${exp[@]}" --to "sqlite:$work/one.db" --json >"$work/one.json" 2>"$work/one.err"
check "export exits 0" test $? -eq 0
check "  its summary names the backtest's state hash" \
  test "$(jq -r .state_hash "$work/one.json")" = "$hash"
"$ose" journal dump --config "$config" --data-dir "$work/bt" --json >"$work/inputs.jsonl"
"$ose" replay "$config" "$work/inputs.jsonl" --strict -q --state-out "$work/state.json"
check "the replayed state is the backtest's" test "$(jq -r .state_hash "$work/state.json")" = "$hash"
python3 "$checker" "$work/one.db" demo "$work/state.json" >"$work/check.txt"
check "every orders/positions/balances/stats row equals the state JSON, ledger and trades reconcile" \
  test $? -eq 0
q() { sqlite3 "$1" "$2"; }
check "the schema version is recorded" test "$(q "$work/one.db" 'SELECT version FROM schema_version')" = 2
check "the backtest's results row is exported" \
  test "$(q "$work/one.db" "SELECT state_hash FROM backtests WHERE engine='demo'")" = "$hash"
check "  with its fees as the strategy's" test "$(q "$work/one.db" \
  "SELECT b.fees = s.fees FROM backtests b JOIN strategy_stats s USING (engine)")" = 1
check "one 1-minute bar per minute of the two days" \
  test "$(q "$work/one.db" "SELECT count(*) FROM market_data WHERE symbol='ETHUSDT'")" = 2880
check "  the first bar opens at the first kline's open" \
  test "$(q "$work/one.db" "SELECT minute || ' ' || open FROM market_data ORDER BY minute_ns LIMIT 1")" \
  = "2022-08-14T00:00:00.000000000Z $(head -1 "$klines/ETHUSDT-1m-2022-08-14.csv" | cut -d, -f2 | sed -e 's/0*$//' -e 's/\.$//')"
# "What did strategy ema1 pay in fees": the docs/SQL.md query.
check "ema1's fees in one query equal the report's" test \
  "$(q "$work/one.db" "SELECT fees FROM strategy_stats WHERE engine='demo' AND strategy='ema1'")" \
  = "$(jq -r '.strategies[] | select(.name == "ema1") | .fees' "$work/state.json")"

# 2. A rerun: nothing new, the same rows.
sqlite3 "$work/one.db" .dump >"$work/one.sql"
"${exp[@]}" --to "sqlite:$work/one.db" --json >"$work/again.json"
check "a rerun exits 0 having nothing new to write" test "$(jq -r .inputs "$work/again.json")" = 0
sqlite3 "$work/one.db" .dump >"$work/again.sql"
check "  and leaves the database as it was" cmp -s "$work/one.sql" "$work/again.sql"

# 2b. At idle priority (SCHED_IDLE, for a --follow beside a busy engine): the same database.
"${exp[@]}" --priority idle -q --to "sqlite:$work/idle.db"
check "an export at --priority idle exits 0" test $? -eq 0
sqlite3 "$work/idle.db" .dump >"$work/idle.sql"
check "  and writes the same database" cmp -s "$work/one.sql" "$work/idle.sql"
"${exp[@]}" --priority idle --follow -q --to "sqlite:$work/idle.db" &
p=$!
sleep 0.5
check "  --follow --priority idle runs as SCHED_IDLE (policy 5)" \
  grep -Eq '^policy +: +5$' "/proc/$p/sched"
kill -TERM "$p"
wait "$p"
check "  and SIGTERM ends it with exit 0" test $? -eq 0
"${exp[@]}" --priority low --to "sqlite:$work/x.db" 2>"$work/prio.err"
check "an unknown --priority is refused" test $? -ne 0
check "  and creates nothing" test ! -e "$work/x.db"

# 3. SIGKILL at random moments. Small batches, so a kill lands between many commits; every few
# kills the export is run to its end and the database compared with one uninterrupted export
# with the same batch, then thrown away.
"${exp[@]}" -q --batch 10 --to "sqlite:$work/single.db"
sqlite3 "$work/single.db" .dump >"$work/single.sql"
kills=0
mid=0
attempts=0
rounds_ok=0
rounds=0
while [ "$mid" -lt 20 ] && [ "$attempts" -lt 200 ]; do
  attempts=$((attempts + 1))
  "${exp[@]}" -q --batch 10 --to "sqlite:$work/killed.db" 2>/dev/null &
  p=$!
  sleep "0.$(printf '%03d' $((RANDOM % 200)))"
  if kill -KILL "$p" 2>/dev/null; then
    wait "$p" 2>/dev/null
    kills=$((kills + 1))
    seq_now="$(sqlite3 "$work/killed.db" "SELECT last_seq FROM ose_export_state" 2>/dev/null)"
    [ -n "$seq_now" ] && [ "$seq_now" -lt 11616 ] && mid=$((mid + 1))
  else
    wait "$p" 2>/dev/null
  fi
  if [ $((attempts % 3)) -eq 0 ]; then
    rounds=$((rounds + 1))
    "${exp[@]}" -q --batch 10 --to "sqlite:$work/killed.db"
    sqlite3 "$work/killed.db" .dump >"$work/killed.sql"
    cmp -s "$work/single.sql" "$work/killed.sql" && rounds_ok=$((rounds_ok + 1))
    rm -f "$work/killed.db" "$work/killed.db-wal" "$work/killed.db-shm"
  fi
done
"${exp[@]}" -q --batch 10 --to "sqlite:$work/killed.db"
sqlite3 "$work/killed.db" .dump >"$work/killed.sql"
rounds=$((rounds + 1))
cmp -s "$work/single.sql" "$work/killed.sql" && rounds_ok=$((rounds_ok + 1))
echo "# $kills kills ($mid with the database part way), $rounds reruns to the end"
check "at least 20 exports were killed with SIGKILL part way through the journal" test "$mid" -ge 20
check "after every kill, a rerun gives the single export's database row for row ($rounds_ok/$rounds)" \
  test "$rounds_ok" -eq "$rounds"

# 3b. A bulk catch-up (the secondary indexes dropped for the load, built again at its end) gives
# the single export's database, indexes included. So does one killed part way, with its indexes
# dropped, and finished by a run that is not bulk (which makes sure they exist).
"${exp[@]}" -q --batch 10 --rebuild-indexes-over 1 --to "sqlite:$work/bulk.db"
sqlite3 "$work/bulk.db" .dump >"$work/bulk.sql"
check "a bulk catch-up gives the single export's database, indexes included" \
  cmp -s "$work/single.sql" "$work/bulk.sql"
indexes() { q "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"; }
dropped=0
for _ in $(seq 30); do
  rm -f "$work/bulk.db" "$work/bulk.db-wal" "$work/bulk.db-shm"
  "${exp[@]}" -q --batch 10 --rebuild-indexes-over 1 --to "sqlite:$work/bulk.db" 2>/dev/null &
  p=$!
  sleep "0.$(printf '%03d' $((100 + RANDOM % 400)))"
  kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  seq_now="$(q "$work/bulk.db" "SELECT last_seq FROM ose_export_state" 2>/dev/null)"
  [ -n "$seq_now" ] && [ "$seq_now" -lt 11616 ] && [ "$(indexes "$work/bulk.db")" = 0 ] && {
    dropped=1
    break
  }
done
check "a bulk catch-up was killed part way, its indexes dropped" test "$dropped" = 1
"${exp[@]}" -q --batch 10 --to "sqlite:$work/bulk.db"
sqlite3 "$work/bulk.db" .dump >"$work/bulk.sql"
check "  and a rerun gives the single export's database, indexes included" \
  cmp -s "$work/single.sql" "$work/bulk.sql"
# An index a user dropped is not one a bulk catch-up dropped: a later export leaves it dropped.
sqlite3 "$work/one.db" ".backup '$work/user.db'"
sqlite3 "$work/user.db" "DROP INDEX orders_by_status"
"${exp[@]}" -q --to "sqlite:$work/user.db"
check "an index the user dropped stays dropped" \
  test "$(q "$work/user.db" "SELECT count(*) FROM sqlite_master WHERE name = 'orders_by_status'")" = 0

# 4. Bad targets: a clear error, exit 1, nothing written.
bad() {  # bad DESCRIPTION EXPECTED_TEXT TARGET
  "${exp[@]}" --to "$3" >"$work/bad.out" 2>"$work/bad.err"
  check "$1 is refused with exit 1" test $? -eq 1
  check "  saying: $2" contains "$work/bad.err" "$2"
}
bad "an unknown scheme" "is not a target" "mysql://x"
bad "a file in a missing directory" "cannot be opened for writing" "sqlite:$work/no/such/dir/x.db"
check "  and creates nothing" test ! -e "$work/no"
mkdir "$work/adir"
bad "a directory" "sqlite:$work/adir" "sqlite:$work/adir"
head -c 4096 /dev/urandom >"$work/garbage.db"
cp "$work/garbage.db" "$work/garbage.orig"
bad "a file that is not a database" "not a database" "sqlite:$work/garbage.db"
check "  which is left as it was" cmp -s "$work/garbage.db" "$work/garbage.orig"
# The same engine name with another genesis (another starting balance): refused, nothing written.
sed -e 's/^balances = .*/balances = { USDT = "12345" }/' "$config" >"$work/other.toml"
grep -q 'balances = { USDT = "12345" }' "$work/other.toml" || echo "# other.toml did not change the balances"
"$ose" backtest -q --config "$work/other.toml" --data "$klines/ETHUSDT-1m-2022-08-14.csv" \
  --set symbol=ETHUSDT --out "$work/other" >/dev/null 2>&1
check "a second backtest with another balance runs" test $? -eq 0
sqlite3 "$work/one.db" .dump >"$work/before.sql"
"$ose" export --config "$work/other.toml" --data-dir "$work/other" --to "sqlite:$work/one.db" \
  2>"$work/other.err"
check "another engine's journal under the same name is refused with exit 1" test $? -eq 1
check "  saying the database holds another engine's rows" contains "$work/other.err" "holds rows of another engine named 'demo'"
sqlite3 "$work/one.db" .dump >"$work/after.sql"
check "  and the database is unchanged" cmp -s "$work/before.sql" "$work/after.sql"
"$ose" export --config "$config" --data-dir "$work/other" --to "sqlite:$work/x.db" 2>"$work/cfg.err"
check "a journal under another config is refused" test $? -eq 1
# The same config, another journal: a database exported from one day with ema_fast=5, then the
# two-day backtest (the default parameters) into it. The two journals differ by the first day's
# orders, so the two-day one is refused once replayed to the database's seq, and the database is
# left as it was, its engines row (the journal's data_dir) included.
"$ose" backtest -q --data "$klines/ETHUSDT-1m-2022-08-14.csv" --set symbol=ETHUSDT --set ema_fast=5 \
  --out "$work/bt5" >/dev/null 2>&1
check "a one-day backtest with ema_fast=5 runs" test $? -eq 0
"$ose" export -q --config "$config" --data-dir "$work/bt5" --to "sqlite:$work/bt5.db"
check "  and exports" test $? -eq 0
sqlite3 "$work/bt5.db" .dump >"$work/before.sql"
"${exp[@]}" --to "sqlite:$work/bt5.db" 2>"$work/j.err"
check "another journal of the same config is refused with exit 1" test $? -eq 1
check "  saying the export was made from another journal" contains "$work/j.err" "another journal"
sqlite3 "$work/bt5.db" .dump >"$work/after.sql"
check "  and the database is unchanged" cmp -s "$work/before.sql" "$work/after.sql"

finish "$work/check.txt" "$work/one.err" "$work/other.err"
