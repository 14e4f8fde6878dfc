#include "tools/export/schema.hpp"

#include <fmt/format.h>

namespace ose::sql_export {

namespace {

constexpr ColType I = ColType::kInt;
constexpr ColType T = ColType::kText;
constexpr ColType M = ColType::kMoney;
constexpr ColType S = ColType::kTime;
constexpr ColType R = ColType::kReal;

// A position's figures, for account and strategy positions and their current rows.
std::vector<Column> position_columns(const char* owner) {
  return {{"engine", T},          {owner, T},
          {"symbol", T},          {"size", M},
          {"avg_entry_price", M}, {"realized_pnl", M},
          {"unrealized_pnl", M},  {"fees", M},
          {"margin", M},          {"liquidation_price", M},
          {"open_buy_qty", M},    {"open_sell_qty", M},
          {"leverage", I},        {"seq", I}};
}

// A position's history row: what a fill or a leverage change moved (not the marks' PnL).
std::vector<Column> history_columns(const char* owner) {
  return {{"engine", T},       {owner, T},  {"symbol", T},
          {"seq", I},          {"size", M}, {"avg_entry_price", M},
          {"realized_pnl", M}, {"fees", M}, {"leverage", I},
          {"ts_ns", I},        {"ts", S}};
}

std::vector<Table> make_tables() {
  std::vector<Table> t(static_cast<size_t>(TableId::kCount));
  auto at = [&](TableId id) -> Table& { return t[static_cast<size_t>(id)]; };
  at(TableId::kEngines) = {"engines", 1, {{"engine", T}, {"genesis_hash", T}, {"data_dir", T}}};
  at(TableId::kExportState) = {
      "ose_export_state", 1, {{"engine", T}, {"last_seq", I}, {"state_hash", T}}};
  at(TableId::kAssets) = {"assets", 2, {{"engine", T}, {"code", T}, {"precision", I}}};
  at(TableId::kInstruments) = {"instruments",
                               2,
                               {{"engine", T},
                                {"symbol", T},
                                {"kind", T},
                                {"base", T},
                                {"quote", T},
                                {"settle", T},
                                {"tick_size", M},
                                {"step_size", M},
                                {"min_qty", M},
                                {"max_qty", M},
                                {"min_notional", M},
                                {"maker_fee", M},
                                {"taker_fee", M},
                                {"multiplier", M},
                                {"max_leverage", I},
                                {"maintenance_margin", M},
                                {"price_band", M},
                                {"halted", I}}};
  at(TableId::kAccounts) = {
      "accounts",
      2,
      {{"engine", T}, {"name", T}, {"type", T}, {"halted", I}, {"default_leverage", I}}};
  at(TableId::kStrategies) = {"strategies",
                              2,
                              {{"engine", T},
                               {"name", T},
                               {"account", T},
                               {"max_open_orders", I},
                               {"max_position", M},
                               {"max_order_notional", M},
                               {"max_daily_loss", M},
                               {"max_daily_trades", I}}};
  at(TableId::kStrategyStats) = {"strategy_stats",
                                 2,
                                 {{"engine", T},
                                  {"strategy", T},
                                  {"state", T},
                                  {"halted", I},
                                  {"open_orders", I},
                                  {"orders", I},
                                  {"fills", I},
                                  {"wins", I},
                                  {"losses", I},
                                  {"volume", M},
                                  {"fees", M},
                                  {"realized_pnl", M},
                                  {"net_pnl", M},
                                  {"peak_equity", M},
                                  {"max_drawdown", M},
                                  {"day_trades", I},
                                  {"seq", I}}};
  at(TableId::kOrders) = {"orders",
                          2,
                          {{"engine", T},
                           {"order_id", I},
                           {"client", T},
                           {"cl_id", I},
                           {"account", T},
                           {"strategy", T},
                           {"symbol", T},
                           {"side", T},
                           {"type", T},
                           {"tif", T},
                           {"status", T},
                           {"qty", M},
                           {"price", M},
                           {"stop_price", M},
                           {"filled_qty", M},
                           {"avg_fill_price", M},
                           {"fees", M},
                           {"fee_asset", T},
                           {"reject_reason", T},
                           {"venue_order_id", T},
                           {"post_only", I},
                           {"reduce_only", I},
                           {"linked_id", I},
                           {"expire_ts_ns", I},
                           {"created_ts_ns", I},
                           {"created_at", S},
                           {"updated_ts_ns", I},
                           {"updated_at", S},
                           {"seq", I}}};
  at(TableId::kTrades) = {"trades",
                          2,
                          {{"engine", T},
                           {"trade_no", I},
                           {"trade_id", T},
                           {"order_id", I},
                           {"account", T},
                           {"strategy", T},
                           {"symbol", T},
                           {"side", T},
                           {"qty", M},
                           {"price", M},
                           {"fee", M},
                           {"fee_asset", T},
                           {"liquidity", T},
                           {"realized_pnl", M},
                           {"fee_settle", M},
                           {"seq", I},
                           {"ts_ns", I},
                           {"ts", S}}};
  at(TableId::kPositions) = {"positions", 3, position_columns("account")};
  at(TableId::kPositionHistory) = {"position_history", 4, history_columns("account")};
  at(TableId::kStrategyPositions) = {"strategy_positions", 3, position_columns("strategy")};
  at(TableId::kStrategyPositionHistory) = {"strategy_position_history", 4,
                                           history_columns("strategy")};
  at(TableId::kBalances) = {"balances",
                            3,
                            {{"engine", T},
                             {"account", T},
                             {"asset", T},
                             {"free", M},
                             {"locked", M},
                             {"total", M},
                             {"seq", I}}};
  at(TableId::kTransactions) = {"transactions",
                                2,
                                {{"engine", T},
                                 {"entry_no", I},
                                 {"seq", I},
                                 {"account", T},
                                 {"asset", T},
                                 {"kind", T},
                                 {"order_id", I},
                                 {"amount", M},
                                 {"delta_free", M},
                                 {"delta_locked", M},
                                 {"free_after", M},
                                 {"locked_after", M},
                                 {"balance_after", M},
                                 {"ts_ns", I},
                                 {"ts", S}}};
  at(TableId::kMarkets) = {"markets",
                           2,
                           {{"engine", T},
                            {"symbol", T},
                            {"bid", M},
                            {"ask", M},
                            {"last", M},
                            {"mark", M},
                            {"bid_qty", M},
                            {"ask_qty", M},
                            {"volume", M},
                            {"ts_ns", I},
                            {"ts", S},
                            {"seq", I}}};
  at(TableId::kMarketData) = {"market_data",
                              3,
                              {{"engine", T},
                               {"symbol", T},
                               {"minute_ns", I},
                               {"minute", S},
                               {"open", M},
                               {"high", M},
                               {"low", M},
                               {"close", M},
                               {"volume", M},
                               {"ticks", I}}};
  at(TableId::kBacktests) = {"backtests",
                             1,
                             {{"engine", T},
                              {"strategy", T},
                              {"params", T},
                              {"data", T},
                              {"data_from", T},
                              {"data_to", T},
                              {"ticks", I},
                              {"inputs", I},
                              {"total_return", R},
                              {"annualised_return", R},
                              {"max_drawdown", R},
                              {"sharpe", R},
                              {"win_rate", R},
                              {"profit_factor", R},
                              {"trades", I},
                              {"fills", I},
                              {"fees", M},
                              {"net_profit", M},
                              {"state_hash", T}}};
  return t;
}

std::string type_sql(Dialect d, ColType c) {
  const bool pg = d == Dialect::kPostgres;
  switch (c) {
    case ColType::kInt:
      return pg ? "BIGINT" : "INTEGER";
    case ColType::kText:
      return "TEXT";
    case ColType::kMoney:
      return pg ? "NUMERIC(38,8)" : "TEXT";
    case ColType::kTime:
      return pg ? "TIMESTAMPTZ" : "TEXT";
    case ColType::kReal:
      return pg ? "DOUBLE PRECISION" : "REAL";
  }
  return "TEXT";
}

std::string key_list(const Table& t) {
  std::string keys;
  for (size_t k = 0; k < t.keys; ++k) {
    keys += (k == 0 ? "" : ", ");
    keys += t.columns[k].name;
  }
  return keys;
}

std::string create_table_sql(Dialect d, const Table& t) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (", t.name);
  for (const Column& c : t.columns) {
    sql += fmt::format("{} {}, ", c.name, type_sql(d, c.type));
  }
  sql += fmt::format("PRIMARY KEY ({}))", key_list(t));
  return sql;
}

// The questions people ask, as views (docs/SQL.md). PostgreSQL computes them in NUMERIC, exactly;
// SQLite's arithmetic on the decimal text is floating point (the stored values stay exact).
std::vector<std::string> view_sql(Dialect d) {
  const bool pg = d == Dialect::kPostgres;
  const std::string day = pg ? "(t.ts AT TIME ZONE 'UTC')::date" : "substr(t.ts, 1, 10)";
  const std::string create = pg ? "CREATE OR REPLACE VIEW" : "CREATE VIEW IF NOT EXISTS";
  return {
      create + R"( portfolio_view AS
SELECT p.engine, p.account, a.type AS account_type, p.symbol, i.kind, i.settle AS settle_asset,
       p.size, p.avg_entry_price, m.mark,
       CASE WHEN i.kind = 'inverse' THEN abs(p.size) * i.multiplier
            ELSE abs(p.size) * m.mark * i.multiplier END AS notional,
       p.unrealized_pnl, p.realized_pnl, p.fees, p.margin, p.leverage, p.liquidation_price
FROM positions p
JOIN instruments i ON i.engine = p.engine AND i.symbol = p.symbol
JOIN accounts a ON a.engine = p.engine AND a.name = p.account
LEFT JOIN markets m ON m.engine = p.engine AND m.symbol = p.symbol)",
      create + fmt::format(R"( strategy_daily_pnl AS
SELECT t.engine, t.strategy, {} AS day, count(*) AS fills, sum(t.qty * t.price) AS volume,
       sum(t.realized_pnl) AS realized_pnl, sum(t.fee_settle) AS fees,
       sum(t.realized_pnl) - sum(t.fee_settle) AS net_pnl
FROM trades t GROUP BY t.engine, t.strategy, {})",
                           day, day),
      create + fmt::format(R"( strategy_daily_fees AS
SELECT t.engine, t.strategy, {} AS day, t.fee_asset, count(*) AS fills, sum(t.fee) AS fees
FROM trades t WHERE t.fee_asset IS NOT NULL GROUP BY t.engine, t.strategy, {}, t.fee_asset)",
                           day, day),
  };
}

}  // namespace

const std::vector<Table>& tables() {
  static const std::vector<Table> t = make_tables();
  return t;
}

std::string schema_version_sql(Dialect d) {
  return fmt::format("CREATE TABLE IF NOT EXISTS schema_version (version {} PRIMARY KEY)",
                     type_sql(d, ColType::kInt));
}

std::vector<std::string> schema_steps(Dialect d, int from) {
  std::vector<std::string> sql;
  if (from < 1) {
    for (const Table& t : tables()) sql.push_back(create_table_sql(d, t));
    for (std::string& v : view_sql(d)) sql.push_back(std::move(v));
  }
  if (from < 2) {
    for (const SecondaryIndex& i : secondary_indexes()) sql.push_back(create_index_sql(i));
  }
  return sql;
}

const std::vector<SecondaryIndex>& secondary_indexes() {
  // What docs/SQL.md's example queries look up: a strategy's fills by time (2, 8), a balance's
  // statement (10, 11), the open or rejected orders (7, 9). Each costs the export one more
  // B-tree insert per row of its table (docs/PERFORMANCE.md, issue 17).
  static const std::vector<SecondaryIndex> i = {
      {"trades_by_strategy", "trades", "engine, strategy, ts"},
      {"transactions_by_balance", "transactions", "engine, account, asset, entry_no"},
      {"orders_by_status", "orders", "engine, status"},
  };
  return i;
}

std::string create_index_sql(const SecondaryIndex& i) {
  return fmt::format("CREATE INDEX IF NOT EXISTS {} ON {} ({})", i.name, i.table, i.columns);
}

std::string drop_index_sql(const SecondaryIndex& i) {
  return fmt::format("DROP INDEX IF EXISTS {}", i.name);
}

namespace {

std::string column_list(const Table& t) {
  std::string cols;
  for (size_t k = 0; k < t.columns.size(); ++k) {
    cols += fmt::format("{}{}", k == 0 ? "" : ", ", t.columns[k].name);
  }
  return cols;
}

// `ON CONFLICT (keys) DO …`: the non-key columns take the new row's values.
std::string on_conflict(const Table& t) {
  std::string updates;
  for (size_t k = t.keys; k < t.columns.size(); ++k) {
    updates += fmt::format("{}{} = excluded.{}", updates.empty() ? "" : ", ", t.columns[k].name,
                           t.columns[k].name);
  }
  return fmt::format("ON CONFLICT ({}) DO {}", key_list(t),
                     updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
}

}  // namespace

std::string upsert_sql(Dialect d, const Table& t) {
  std::string values;
  for (size_t k = 0; k < t.columns.size(); ++k) {
    values += fmt::format("{}{}", k == 0 ? "" : ", ", placeholder(d, k));
  }
  return fmt::format("INSERT INTO {} ({}) VALUES ({}) {}", t.name, column_list(t), values,
                     on_conflict(t));
}

std::string copy_sql(const Table& t) {
  return fmt::format("COPY {} ({}) FROM STDIN", t.name, column_list(t));
}

std::string stage_name(const Table& t) {
  return fmt::format("ose_stage_{}", t.name);
}

std::string create_stage_sql(const Table& t) {
  return fmt::format("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {})", stage_name(t), t.name);
}

std::string copy_stage_sql(const Table& t) {
  return fmt::format("COPY {} ({}) FROM STDIN", stage_name(t), column_list(t));
}

std::string merge_stage_sql(const Table& t) {
  return fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} {}; TRUNCATE {}", t.name,
                     column_list(t), column_list(t), stage_name(t), on_conflict(t), stage_name(t));
}

}  // namespace ose::sql_export
