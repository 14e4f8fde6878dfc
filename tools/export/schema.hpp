// The tables `ose export` writes (docs/SQL.md describes them for users), once for both
// databases. Every key starts with the engine's name, so several engines export into one
// database. Column types map per dialect: money (prices, quantities, amounts) is NUMERIC(38,8) in
// PostgreSQL and the exact decimal text in SQLite, never a float; timestamps are TIMESTAMPTZ /
// ISO-8601 UTC text beside the raw nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/export/sql_sink.hpp"

namespace ose::sql_export {

// Bumped with every change of a table, column, view or index; schema_steps() brings an older
// export to it. 1: the tables and views. 2: the indexes of docs/SQL.md's example queries.
inline constexpr int kSchemaVersion = 2;

enum class ColType : uint8_t {
  kInt,    // BIGINT / INTEGER
  kText,   // TEXT
  kMoney,  // NUMERIC(38,8) / TEXT holding the exact decimal
  kTime,   // TIMESTAMPTZ / TEXT 'YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ'
  kReal,   // DOUBLE PRECISION / REAL: statistics (a backtest's Sharpe ratio), never money
};

struct Column {
  const char* name;
  ColType type;
};

struct Table {
  const char* name;
  size_t keys;  // the first `keys` columns are the primary key
  std::vector<Column> columns;
};

// In the order of the tables() vector: a statement id per table.
enum class TableId : uint8_t {
  kEngines,
  kExportState,
  kAssets,
  kInstruments,
  kAccounts,
  kStrategies,
  kStrategyStats,
  kOrders,
  kTrades,
  kPositions,
  kPositionHistory,
  kStrategyPositions,
  kStrategyPositionHistory,
  kBalances,
  kTransactions,
  kMarkets,
  kMarketData,
  kBacktests,
  kCount
};

const std::vector<Table>& tables();
inline const Table& table(TableId t) {
  return tables()[static_cast<size_t>(t)];
}

// The statements that take a database from schema version `from` to kSchemaVersion: from 0 (a
// fresh database) every version's, from 1 those of versions 2 and later, and so on. Each version
// keeps its own statements, so an older export is migrated in place by exactly the steps it
// missed (docs/SQL.md, "Schema versions"). A column added by a later version would be that
// version's ALTER TABLE, and the tables of version 1 would then leave it out.
std::vector<std::string> schema_steps(Dialect d, int from);
// The indexes beside the primary keys (schema version 2), in their order of creation. A bulk
// catch-up drops them and builds them again at its end (export_run.hpp).
struct SecondaryIndex {
  const char* name;
  const char* table;
  const char* columns;
};
const std::vector<SecondaryIndex>& secondary_indexes();
std::string create_index_sql(const SecondaryIndex& i);  // … IF NOT EXISTS
std::string drop_index_sql(const SecondaryIndex& i);    // … IF EXISTS
// CREATE TABLE IF NOT EXISTS schema_version: the one table every version has.
std::string schema_version_sql(Dialect d);
// INSERT … ON CONFLICT (keys) DO UPDATE: every row is written by its natural key, so writing
// the same row twice (a rerun after a kill) leaves one row.
std::string upsert_sql(Dialect d, const Table& t);
// COPY t (columns) FROM STDIN: PostgreSQL's bulk path for rows that are new for sure.
std::string copy_sql(const Table& t);
// PostgreSQL's bulk path for a table's current rows (orders, positions, balances, …): a session's
// temporary table like `t` (the stage), COPY into it, then one statement that upserts every
// staged row into `t` and empties the stage.
std::string stage_name(const Table& t);
std::string create_stage_sql(const Table& t);
std::string copy_stage_sql(const Table& t);
std::string merge_stage_sql(const Table& t);

}  // namespace ose::sql_export
