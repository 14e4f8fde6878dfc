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

// Bumped with every change of a table, column or view; migrate() brings an older export to it.
inline constexpr int kSchemaVersion = 1;

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

// CREATE TABLE IF NOT EXISTS for every table, the views, and schema_version.
std::vector<std::string> create_schema_sql(Dialect d);
// INSERT … ON CONFLICT (keys) DO UPDATE: every row is written by its natural key, so writing
// the same row twice (a rerun after a kill) leaves one row.
std::string upsert_sql(Dialect d, const Table& t);
// COPY t (columns) FROM STDIN: PostgreSQL's bulk path for rows that are new for sure.
std::string copy_sql(const Table& t);

}  // namespace ose::sql_export
