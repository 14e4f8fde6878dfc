-- The SQLite schema of ose export's schema version 1 (issue 17), as that ose created it (sqlite3
-- .schema of its export): tests/tools/export_migrate.sh builds a version-1 database from it and
-- checks that the current ose export migrates it in place to what a fresh export gives.
CREATE TABLE schema_version (version INTEGER PRIMARY KEY);
CREATE TABLE engines (engine TEXT, genesis_hash TEXT, data_dir TEXT, PRIMARY KEY (engine));
CREATE TABLE ose_export_state (engine TEXT, last_seq INTEGER, state_hash TEXT, PRIMARY KEY (engine));
CREATE TABLE assets (engine TEXT, code TEXT, precision INTEGER, PRIMARY KEY (engine, code));
CREATE TABLE instruments (engine TEXT, symbol TEXT, kind TEXT, base TEXT, quote TEXT, settle TEXT, tick_size TEXT, step_size TEXT, min_qty TEXT, max_qty TEXT, min_notional TEXT, maker_fee TEXT, taker_fee TEXT, multiplier TEXT, max_leverage INTEGER, maintenance_margin TEXT, price_band TEXT, halted INTEGER, PRIMARY KEY (engine, symbol));
CREATE TABLE accounts (engine TEXT, name TEXT, type TEXT, halted INTEGER, default_leverage INTEGER, PRIMARY KEY (engine, name));
CREATE TABLE strategies (engine TEXT, name TEXT, account TEXT, max_open_orders INTEGER, max_position TEXT, max_order_notional TEXT, max_daily_loss TEXT, max_daily_trades INTEGER, PRIMARY KEY (engine, name));
CREATE TABLE strategy_stats (engine TEXT, strategy TEXT, state TEXT, halted INTEGER, open_orders INTEGER, orders INTEGER, fills INTEGER, wins INTEGER, losses INTEGER, volume TEXT, fees TEXT, realized_pnl TEXT, net_pnl TEXT, peak_equity TEXT, max_drawdown TEXT, day_trades INTEGER, seq INTEGER, PRIMARY KEY (engine, strategy));
CREATE TABLE orders (engine TEXT, order_id INTEGER, client TEXT, cl_id INTEGER, account TEXT, strategy TEXT, symbol TEXT, side TEXT, type TEXT, tif TEXT, status TEXT, qty TEXT, price TEXT, stop_price TEXT, filled_qty TEXT, avg_fill_price TEXT, fees TEXT, fee_asset TEXT, reject_reason TEXT, venue_order_id TEXT, post_only INTEGER, reduce_only INTEGER, linked_id INTEGER, expire_ts_ns INTEGER, created_ts_ns INTEGER, created_at TEXT, updated_ts_ns INTEGER, updated_at TEXT, seq INTEGER, PRIMARY KEY (engine, order_id));
CREATE TABLE trades (engine TEXT, trade_no INTEGER, trade_id TEXT, order_id INTEGER, account TEXT, strategy TEXT, symbol TEXT, side TEXT, qty TEXT, price TEXT, fee TEXT, fee_asset TEXT, liquidity TEXT, realized_pnl TEXT, fee_settle TEXT, seq INTEGER, ts_ns INTEGER, ts TEXT, PRIMARY KEY (engine, trade_no));
CREATE TABLE positions (engine TEXT, account TEXT, symbol TEXT, size TEXT, avg_entry_price TEXT, realized_pnl TEXT, unrealized_pnl TEXT, fees TEXT, margin TEXT, liquidation_price TEXT, open_buy_qty TEXT, open_sell_qty TEXT, leverage INTEGER, seq INTEGER, PRIMARY KEY (engine, account, symbol));
CREATE TABLE position_history (engine TEXT, account TEXT, symbol TEXT, seq INTEGER, size TEXT, avg_entry_price TEXT, realized_pnl TEXT, fees TEXT, leverage INTEGER, ts_ns INTEGER, ts TEXT, PRIMARY KEY (engine, account, symbol, seq));
CREATE TABLE strategy_positions (engine TEXT, strategy TEXT, symbol TEXT, size TEXT, avg_entry_price TEXT, realized_pnl TEXT, unrealized_pnl TEXT, fees TEXT, margin TEXT, liquidation_price TEXT, open_buy_qty TEXT, open_sell_qty TEXT, leverage INTEGER, seq INTEGER, PRIMARY KEY (engine, strategy, symbol));
CREATE TABLE strategy_position_history (engine TEXT, strategy TEXT, symbol TEXT, seq INTEGER, size TEXT, avg_entry_price TEXT, realized_pnl TEXT, fees TEXT, leverage INTEGER, ts_ns INTEGER, ts TEXT, PRIMARY KEY (engine, strategy, symbol, seq));
CREATE TABLE balances (engine TEXT, account TEXT, asset TEXT, free TEXT, locked TEXT, total TEXT, seq INTEGER, PRIMARY KEY (engine, account, asset));
CREATE TABLE transactions (engine TEXT, entry_no INTEGER, seq INTEGER, account TEXT, asset TEXT, kind TEXT, order_id INTEGER, amount TEXT, delta_free TEXT, delta_locked TEXT, free_after TEXT, locked_after TEXT, balance_after TEXT, ts_ns INTEGER, ts TEXT, PRIMARY KEY (engine, entry_no));
CREATE TABLE markets (engine TEXT, symbol TEXT, bid TEXT, ask TEXT, last TEXT, mark TEXT, bid_qty TEXT, ask_qty TEXT, volume TEXT, ts_ns INTEGER, ts TEXT, seq INTEGER, PRIMARY KEY (engine, symbol));
CREATE TABLE market_data (engine TEXT, symbol TEXT, minute_ns INTEGER, minute TEXT, open TEXT, high TEXT, low TEXT, close TEXT, volume TEXT, ticks INTEGER, PRIMARY KEY (engine, symbol, minute_ns));
CREATE TABLE backtests (engine TEXT, strategy TEXT, params TEXT, data TEXT, data_from TEXT, data_to TEXT, ticks INTEGER, inputs INTEGER, total_return REAL, annualised_return REAL, max_drawdown REAL, sharpe REAL, win_rate REAL, profit_factor REAL, trades INTEGER, fills INTEGER, fees TEXT, net_profit TEXT, state_hash TEXT, PRIMARY KEY (engine));
CREATE VIEW portfolio_view AS
SELECT p.engine, p.account, a.type AS account_type, p.symbol, i.kind, i.settle AS settle_asset,
       p.size, p.avg_entry_price, m.mark,
       CASE WHEN i.kind = 'inverse' THEN abs(p.size) * i.multiplier
            ELSE abs(p.size) * m.mark * i.multiplier END AS notional,
       p.unrealized_pnl, p.realized_pnl, p.fees, p.margin, p.leverage, p.liquidation_price
FROM positions p
JOIN instruments i ON i.engine = p.engine AND i.symbol = p.symbol
JOIN accounts a ON a.engine = p.engine AND a.name = p.account
LEFT JOIN markets m ON m.engine = p.engine AND m.symbol = p.symbol;
CREATE VIEW strategy_daily_pnl AS
SELECT t.engine, t.strategy, substr(t.ts, 1, 10) AS day, count(*) AS fills, sum(t.qty * t.price) AS volume,
       sum(t.realized_pnl) AS realized_pnl, sum(t.fee_settle) AS fees,
       sum(t.realized_pnl) - sum(t.fee_settle) AS net_pnl
FROM trades t GROUP BY t.engine, t.strategy, substr(t.ts, 1, 10);
CREATE VIEW strategy_daily_fees AS
SELECT t.engine, t.strategy, substr(t.ts, 1, 10) AS day, t.fee_asset, count(*) AS fills, sum(t.fee) AS fees
FROM trades t WHERE t.fee_asset IS NOT NULL GROUP BY t.engine, t.strategy, substr(t.ts, 1, 10), t.fee_asset;
INSERT INTO schema_version (version) VALUES (1);
