#!/usr/bin/env bash
# `ose export` into PostgreSQL, against a real throwaway cluster on 127.0.0.1 (ose-pg-cluster,
# support/pg_cluster: the performance study's), always stopped at exit: a backtest's journal
# exported row for row equal to the canonical state JSON (export_check.py), a rerun changes
# nothing, SIGKILLs part way then a rerun equal one export, and bad targets (a port nobody
# listens on, an unknown user, a missing database, another engine's rows under the same name)
# refused with a clear error and nothing written. Skipped (exit 77) when PostgreSQL is not
# installed.
# Usage: export_pg.sh PATH/TO/ose SOURCE_DIR   (OSE_PG_CLUSTER: the ose-pg-cluster binary)
. "$(dirname "$0")/lib.sh"
klines="$src/../shared/data/binance/klines"
config="$src/config/demo.toml"
checker="$src/tests/tools/export_check.py"
cluster="${OSE_PG_CLUSTER:-$(dirname "$ose")/../support/pg_cluster/ose-pg-cluster}"
command -v psql >/dev/null || { echo "psql (Debian: postgresql-client) is needed; skipped"; exit 77; }
[ -x "$cluster" ] || { echo "no ose-pg-cluster in this build (libpq missing); skipped"; exit 77; }

# The cluster lives under /tmp (its user must reach it); SIGTERM stops it and removes it.
"$cluster" >"$work/pg.url" 2>"$work/pg.err" &
pg=$!
on_cleanup() { kill -TERM "$pg" 2>/dev/null && wait "$pg" 2>/dev/null; }
for _ in $(seq 300); do
  [ -s "$work/pg.url" ] && break
  kill -0 "$pg" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$work/pg.url" ]; then
  wait "$pg"
  [ $? -eq 77 ] && { cat "$work/pg.err"; echo "skipped"; exit 77; }
  check "the PostgreSQL cluster starts" false
  finish "$work/pg.err"
fi
url="$(cat "$work/pg.url")"
base="${url%/postgres\?*}"
db() { echo "$base/$1?connect_timeout=5"; }
psql "$url" -qc "CREATE DATABASE one" -c "CREATE DATABASE killed" -c "CREATE DATABASE single" \
  -c "CREATE DATABASE bulk" >/dev/null
check "the cluster serves on loopback" test $? -eq 0

"$ose" backtest -q --data "$klines/ETHUSDT-1m-2022-08-14.csv" --set symbol=ETHUSDT --out "$work/bt" \
  >"$work/bt.txt" 2>&1
check "a backtest makes a journal" test $? -eq 0
exp=("$ose" export --config "$config" --data-dir "$work/bt")
"$ose" journal dump --config "$config" --data-dir "$work/bt" --json >"$work/inputs.jsonl"
"$ose" replay "$config" "$work/inputs.jsonl" --strict -q --state-out "$work/state.json"

# Every table's rows as text, sorted: what "the same database" means here.
dump() {
  for t in engines ose_export_state assets instruments accounts strategies strategy_stats orders \
    trades positions position_history strategy_positions strategy_position_history balances \
    transactions markets market_data backtests schema_version; do
    echo "-- $t"
    psql "$1" -qAt -c "SELECT x::text FROM $t x ORDER BY 1"
  done
}

"${exp[@]}" --to "$(db one)" --json >"$work/one.json" 2>"$work/one.err"
check "export into PostgreSQL exits 0" test $? -eq 0
python3 "$checker" "$(db one)" demo "$work/state.json" >"$work/check.txt"
check "every orders/positions/balances/stats row equals the state JSON, ledger and trades reconcile" \
  test $? -eq 0
check "money is NUMERIC(38,8)" test "$(psql "$(db one)" -qAt -c \
  "SELECT data_type || numeric_precision || ',' || numeric_scale FROM information_schema.columns WHERE table_name = 'balances' AND column_name = 'free'")" = "numeric38,8"
check "timestamps are TIMESTAMPTZ" test "$(psql "$(db one)" -qAt -c \
  "SELECT data_type FROM information_schema.columns WHERE table_name = 'trades' AND column_name = 'ts'")" = "timestamp with time zone"
fees="$(jq -r '.strategies[] | select(.name == "ema1") | .fees' "$work/state.json")"
check "ema1's fees in one query equal the state's" test "$(psql "$(db one)" -qAt -c \
  "SELECT fees = '$fees'::numeric FROM strategy_stats WHERE engine = 'demo' AND strategy = 'ema1'")" = t
check "the views answer" psql "$(db one)" -qAt -o /dev/null -c "SELECT * FROM portfolio_view" \
  -c "SELECT * FROM strategy_daily_pnl" -c "SELECT * FROM strategy_daily_fees"
dump "$(db one)" >"$work/one.sql"
"${exp[@]}" --to "$(db one)" --json >"$work/again.json"
check "a rerun has nothing new" test "$(jq -r .inputs "$work/again.json")" = 0
dump "$(db one)" >"$work/again.sql"
check "  and leaves every row as it was" cmp -s "$work/one.sql" "$work/again.sql"

# SIGKILL part way, then a rerun: the same rows as one uninterrupted export.
"${exp[@]}" -q --batch 10 --to "$(db single)"
dump "$(db single)" | sed 's/^-- .*//' >"$work/single.sql"
mid=0
for _ in $(seq 40); do
  [ "$mid" -ge 5 ] && break
  "${exp[@]}" -q --batch 10 --to "$(db killed)" 2>/dev/null &
  p=$!
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  s="$(psql "$(db killed)" -qAt -c "SELECT last_seq FROM ose_export_state" 2>/dev/null)"
  [ -n "$s" ] && [ "$s" -lt 5809 ] && mid=$((mid + 1))
done
"${exp[@]}" -q --batch 10 --to "$(db killed)"
dump "$(db killed)" | sed 's/^-- .*//' >"$work/killed.sql"
check "SIGKILLs landed part way ($mid)" test "$mid" -ge 1
check "  then a rerun: row for row one export's rows" cmp -s "$work/single.sql" "$work/killed.sql"

# A bulk catch-up (the secondary indexes dropped for the load and built at its end): the same
# rows, and the indexes are back.
"${exp[@]}" -q --batch 10 --rebuild-indexes-over 1 --to "$(db bulk)"
dump "$(db bulk)" | sed 's/^-- .*//' >"$work/bulk.sql"
check "a bulk catch-up gives one export's rows" cmp -s "$work/single.sql" "$work/bulk.sql"
check "  and leaves the three secondary indexes" test "$(psql "$(db bulk)" -qAt -c \
  "SELECT count(*) FROM pg_indexes WHERE indexname IN ('trades_by_strategy', 'transactions_by_balance', 'orders_by_status')")" = 3

bad() {  # bad DESCRIPTION EXPECTED_TEXT TARGET
  "${exp[@]}" --to "$3" >"$work/bad.out" 2>"$work/bad.err"
  check "$1 is refused with exit 1" test $? -eq 1
  check "  saying: $2" contains "$work/bad.err" "$2"
}
bad "a port nobody listens on" "cannot connect to PostgreSQL" "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"
bad "an unknown user (wrong credentials)" 'role "nobody" does not exist' "postgresql://nobody@127.0.0.1:${base##*:}/one"
bad "a missing database" 'database "nosuch" does not exist' "$(db nosuch)"
sed -e 's/^balances = .*/balances = { USDT = "12345" }/' "$config" >"$work/other.toml"
"$ose" backtest -q --config "$work/other.toml" --data "$klines/ETHUSDT-1m-2022-08-14.csv" \
  --set symbol=ETHUSDT --out "$work/other" >/dev/null 2>&1
"$ose" export --config "$work/other.toml" --data-dir "$work/other" --to "$(db one)" 2>"$work/other.err"
check "another engine's rows under the same name: refused with exit 1" test $? -eq 1
check "  saying so" contains "$work/other.err" "holds rows of another engine named 'demo'"
dump "$(db one)" >"$work/after.sql"
check "  and nothing is written" cmp -s "$work/one.sql" "$work/after.sql"

on_cleanup
check "the cluster stops" test $? -eq 0
on_cleanup() { :; }
finish "$work/check.txt" "$work/one.err" "$work/pg.err"
