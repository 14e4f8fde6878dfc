#!/usr/bin/env bash
# `ose export` migrates an export of schema version 1 in place (issue 17). Version 1's SQLite
# schema is checked in (export_schema_v1.sql: what that ose created), so the test does not depend
# on the code's idea of the old schema. Three version-1 databases, each then brought up to date by
# the current `ose export` of a one-day backtest's journal, must equal (schema and rows, sorted
# dump) a fresh export of the same journal:
#   - an empty one (schema only);
#   - one holding an export of the first half of the journal (a copy truncated with
#     `ose journal truncate`), so the migrated export resumes part way;
#   - one holding the whole export, so the migration alone changes it.
# A database of a newer version than this ose writes is refused with nothing changed.
# Usage: export_migrate.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
klines="$src/../shared/data/binance/klines"
config="$src/config/demo.toml" # the built-in config of `ose backtest`: its journal's genesis
v1_schema="$src/tests/tools/export_schema_v1.sql"
command -v sqlite3 >/dev/null || { echo "sqlite3 (Debian: sqlite3) is needed to read the database"; exit 1; }

"$ose" backtest -q --data "$klines/ETHUSDT-1m-2022-08-14.csv" --set symbol=ETHUSDT --out "$work/bt" \
  >"$work/bt.txt" 2>&1
check "a one-day backtest makes a journal" test $? -eq 0
end="$("$ose" journal stats --config "$config" --data-dir "$work/bt" --json | jq -r .last_seq)"
half=$((end / 2))
cp -r "$work/bt" "$work/half"
"$ose" journal truncate --config "$config" --data-dir "$work/half" --from $((half + 1)) --yes \
  >/dev/null 2>"$work/truncate.err"
check "a copy of the journal truncated after seq $half" test $? -eq 0

exp() { "$ose" export --config "$config" --data-dir "$1" --to "sqlite:$2" --json >"$2.json" 2>>"$work/export.err"; }
# Schema and rows, order-independent: rows are compared as sets (a resumed export writes the same
# rows as one run, but in another order within a table).
dump() { sqlite3 "$1" .dump | sort; }
tables() { sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_version'"; }

exp "$work/bt" "$work/fresh.db"
check "a fresh export exits 0" test $? -eq 0
check "  at schema version 2" test "$(sqlite3 "$work/fresh.db" 'SELECT version FROM schema_version')" = 2
check "  with the example queries' indexes" test "$(sqlite3 "$work/fresh.db" \
  "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN \
   ('trades_by_strategy', 'transactions_by_balance', 'orders_by_status')")" = 3
check "  which docs/SQL.md's fills-by-strategy query uses" contains \
  <(sqlite3 "$work/fresh.db" "EXPLAIN QUERY PLAN SELECT ts, fee FROM trades WHERE engine = 'demo' \
    AND strategy = 'ema1' AND ts >= '2022-08-14' ORDER BY trade_no") "trades_by_strategy"
dump "$work/fresh.db" >"$work/fresh.sql"

v1() { rm -f "$1"; sqlite3 "$1" <"$v1_schema"; }

# 1. An empty version-1 database.
v1 "$work/empty.db"
check "the checked-in version-1 schema builds a database" test "$(sqlite3 "$work/empty.db" \
  'SELECT version FROM schema_version')" = 1
check "  without the indexes of version 2" test "$(sqlite3 "$work/empty.db" \
  "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")" = 0
exp "$work/bt" "$work/empty.db"
check "exporting into it exits 0" test $? -eq 0
dump "$work/empty.db" >"$work/empty.sql"
check "  and gives the fresh export, schema and rows" cmp -s "$work/fresh.sql" "$work/empty.sql"

# 2. A version-1 database holding the first half: its rows copied from an export of the truncated
# journal into the version-1 schema, table by table (version 2 changed no table).
exp "$work/half" "$work/half_v2.db"
check "the truncated journal exports to seq $half" test "$(jq -r .last_seq "$work/half_v2.db.json")" = "$half"
v1 "$work/partial.db"
{
  echo "ATTACH '$work/half_v2.db' AS src;"
  for t in $(tables "$work/partial.db"); do echo "INSERT INTO main.$t SELECT * FROM src.$t;"; done
} | sqlite3 "$work/partial.db"
check "  into a version-1 database" test "$(sqlite3 "$work/partial.db" \
  "SELECT version || ' ' || last_seq FROM schema_version, ose_export_state")" = "1 $half"
exp "$work/bt" "$work/partial.db"
check "exporting the whole journal into it exits 0" test $? -eq 0
check "  resuming after seq $half" test "$(jq -r .resumed_from "$work/partial.db.json")" = "$half"
dump "$work/partial.db" >"$work/partial.sql"
check "  and gives the fresh export, schema and rows" cmp -s "$work/fresh.sql" "$work/partial.sql"

# 3. A version-1 database holding the whole export: only the migration changes it.
v1 "$work/full.db"
{
  echo "ATTACH '$work/fresh.db' AS src;"
  for t in $(tables "$work/full.db"); do echo "INSERT INTO main.$t SELECT * FROM src.$t;"; done
} | sqlite3 "$work/full.db"
exp "$work/bt" "$work/full.db"
check "exporting into a complete version-1 export exits 0" test $? -eq 0
check "  writing no input" test "$(jq -r .inputs "$work/full.db.json")" = 0
dump "$work/full.db" >"$work/full.sql"
check "  and gives the fresh export, schema and rows" cmp -s "$work/fresh.sql" "$work/full.sql"

# 4. A newer version than this ose writes: refused, nothing changed.
cp "$work/fresh.db" "$work/newer.db"
sqlite3 "$work/newer.db" "UPDATE schema_version SET version = 99"
dump "$work/newer.db" >"$work/newer_before.sql"
"$ose" export --config "$config" --data-dir "$work/bt" --to "sqlite:$work/newer.db" 2>"$work/newer.err"
check "a database of schema version 99 is refused with exit 1" test $? -eq 1
check "  saying it is newer" contains "$work/newer.err" "schema version 99, newer than this ose writes (2)"
dump "$work/newer.db" >"$work/newer_after.sql"
check "  and left unchanged" cmp -s "$work/newer_before.sql" "$work/newer_after.sql"

finish "$work/export.err" "$work/truncate.err"
