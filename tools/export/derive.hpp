// The rows of `ose export`, derived from the journal's inputs as the core applies them: after
// each input, the State's write log (engine/core/write_log.hpp) names every order, position,
// balance, strategy and market record the input changed, its events name the fills, and the
// ledger ring holds its balance changes. Rows of things that happened (trades, transactions,
// position history) are written as the input is seen; rows of things that exist (orders,
// positions, balances, strategy stats, markets, the current minute's bar) are written once per
// batch, as they stand at its end, by their natural key. So the database after a batch is
// exactly the State at the batch's last seq, and a batch written twice leaves the same rows.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/core/write_log.hpp"
#include "tools/export/schema.hpp"
#include "tools/export/sql_sink.hpp"

namespace ose::sql_export {

// ns since the epoch as 'YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ' (UTC).
std::string iso_utc(int64_t ns);
// The same into `out` (not terminated); returns the length, kIsoUtcChars for years 0-9999.
inline constexpr size_t kIsoUtcChars = 30;
size_t iso_utc(int64_t ns, char* out) noexcept;

class Deriver final : public EventSink {
 public:
  // `genesis`: the State before the first input (its ledger holds the initial deposits).
  Deriver(std::string engine, const State& genesis, SqlSink& sink);

  // Prepares one upsert statement per table.
  Result<bool> prepare();

  // apply()'s events for the input being applied: fills are kept for after_input().
  void on_event(const Event& e) noexcept override;

  // After `in` was applied to `s`, which logged its writes in `log`. `write` false: the database
  // holds this input's rows already (a resumed export catching up), only the trackers move.
  Result<bool> after_input(const Input& in, const State& s, const WriteLog& log, bool write);

  // Every configured entity, all current rows and the initial deposits: the first batch of each
  // run, so that a run that starts from the database's last seq still writes everything once.
  Result<bool> write_all(const State& s);
  // The rows of whatever changed since the last flush, as `s` holds them now.
  Result<bool> flush(const State& s);

  Result<bool> write_engine(uint64_t genesis_hash, const std::string& data_dir);
  Result<bool> write_export_state(uint64_t seq, uint64_t state_hash);
  // The results row `ose backtest` left beside the journal (backtest.json).
  Result<bool> write_backtest(const std::string& row_json);

  uint64_t rows_written() const noexcept { return rows_; }

 private:
  struct Candle {
    int64_t minute_ns = -1;  // -1: none yet
    bool has_price = false;
    Price open, high, low, close;
    Qty volume;
    int64_t ticks = 0;
    bool dirty = false;  // changed since the last flush
    void price(Price px) noexcept {
      if (!has_price) {
        has_price = true;
        open = high = low = px;
      }
      if (px > high) high = px;
      if (px < low) low = px;
      close = px;
    }
  };
  // A position's fields that its history records (not the marks' unrealized PnL).
  struct HistoryKey {
    Qty size;
    Price avg_entry_price;
    Amount realized_pnl, fees;
    int32_t leverage = 0;
    bool operator==(const HistoryKey&) const = default;
  };
  struct CapturedOrder {
    OrderRecord order;
    VenueId venue_order_id;
    uint64_t seq;
  };

  // Counts the row just sent and starts the next one; returns what sending it gave.
  Result<bool> next_row(Result<bool> sent);
  Result<bool> put(TableId t);
  // A current row (an order, position, balance, …) as flush() writes it, once per transaction
  // (SqlSink::stage).
  Result<bool> put_current(TableId t);
  // A row the database cannot hold yet (SqlSink::append): of an input past its last seq.
  Result<bool> put_new(TableId t);
  Result<bool> write_trades(const Input& in, const State& s);
  Result<bool> write_ledger(const State& s, uint64_t from, uint64_t to);
  Result<bool> track_position(const Input& in, const State& s, bool strategy, uint32_t index,
                              bool write);
  // `fresh`: the entry of an input being written (else an initial deposit, written every run).
  Result<bool> put_ledger(const State& s, uint64_t number, const LedgerEntry& e, bool fresh);
  Result<bool> open_minute(const State& s, uint16_t instrument, int64_t ts, bool write);
  Result<bool> put_candle(const State& s, uint16_t instrument, const Candle& c);
  void capture_order(const State& s, uint32_t slot, uint64_t seq);

  Result<bool> put_order(const State& s, const CapturedOrder& o);
  Result<bool> put_position(const State& s, bool strategy, uint32_t index);
  Result<bool> put_balance(const State& s, uint32_t index);
  Result<bool> put_strategy_stats(const State& s, uint16_t k);
  Result<bool> put_market(const State& s, uint16_t i);
  Result<bool> put_instrument(const State& s, uint16_t i);
  Result<bool> put_account(const State& s, uint16_t i);

  void money(int64_t e8);
  void name(const char* n);
  void index_name(std::string_view n);
  void time(int64_t ns);

  std::string engine_;
  SqlSink& sink_;
  Row row_;
  uint64_t rows_ = 0;
  VersionLayout layout_;
  uint64_t ledger_seen_ = 0;  // ledger entries written by the inputs seen so far
  std::vector<LedgerEntry> genesis_ledger_;
  std::vector<Event> fills_;  // of the input being applied

  // Per record: the seq of its last change, and whether it changed since the last flush.
  std::vector<uint64_t> position_seq_, strategy_position_seq_, balance_seq_, strategy_seq_,
      market_seq_;
  std::vector<uint8_t> position_dirty_, strategy_position_dirty_, balance_dirty_, strategy_dirty_,
      market_dirty_, instrument_dirty_, account_dirty_;
  std::vector<HistoryKey> position_hist_, strategy_position_hist_;
  std::vector<Candle> candles_;
  std::vector<CapturedOrder> orders_;  // changed since the last flush, by order id
  std::unordered_map<uint64_t, size_t> order_at_;
};

}  // namespace ose::sql_export
