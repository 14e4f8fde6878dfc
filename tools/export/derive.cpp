#include "tools/export/derive.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace ose::sql_export {

namespace {

constexpr int64_t kMinuteNs = 60'000'000'000;

std::string_view fixed_name(const char* n) {
  return std::string_view(n, strnlen(n, kNameLen));
}

// Which versioned table a write-log record belongs to, and the record's index in it.
std::pair<VersionedTable, uint32_t> locate(const VersionLayout& l, uint32_t v) {
  for (int t = kVersionedTableCount - 1; t >= 0; --t) {
    if (v >= l.base[t]) return {static_cast<VersionedTable>(t), v - l.base[t]};
  }
  return {VersionedTable::kHeader, 0};
}

}  // namespace

size_t iso_utc(int64_t ns, char* out) noexcept {
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  int64_t days = secs / 86'400;
  int64_t sod = secs % 86'400;
  if (sod < 0) {
    sod += 86'400;
    --days;
  }
  // civil_from_days (H. Hinnant, "chrono-compatible low-level date algorithms"): the proleptic
  // Gregorian date of a day count since 1970-01-01, without gmtime_r's locking and tm.
  const int64_t z = days + 719'468;
  const int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const auto digits = [&](size_t at, int64_t v, int n) {
    for (int k = n - 1; k >= 0; --k) {
      out[at + static_cast<size_t>(k)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  if (year < 0 || year > 9999) {  // outside ISO-8601's four digits: never a journal's time
    const auto r = fmt::format_to_n(out, kIsoUtcChars, "{}", ns);
    return r.size;
  }
  digits(0, year, 4);
  out[4] = '-';
  digits(5, month, 2);
  out[7] = '-';
  digits(8, day, 2);
  out[10] = 'T';
  digits(11, sod / 3'600, 2);
  out[13] = ':';
  digits(14, sod / 60 % 60, 2);
  out[16] = ':';
  digits(17, sod % 60, 2);
  out[19] = '.';
  digits(20, frac, 9);
  out[29] = 'Z';
  return kIsoUtcChars;
}

std::string iso_utc(int64_t ns) {
  char buf[kIsoUtcChars];
  return std::string(buf, iso_utc(ns, buf));
}

Deriver::Deriver(std::string engine, const State& genesis, SqlSink& sink)
    : engine_(std::move(engine)), sink_(sink), layout_(VersionLayout::for_caps(genesis.caps())) {
  row_.text(engine_);  // every row starts with the engine (put() starts the next one so)
  const StateCapacities& c = genesis.caps();
  const size_t positions = size_t{c.accounts} * c.instruments;
  const size_t strategy_positions = size_t{c.strategies} * c.instruments;
  const size_t balances = size_t{c.accounts} * c.assets;
  position_seq_.assign(positions, 0);
  strategy_position_seq_.assign(strategy_positions, 0);
  balance_seq_.assign(balances, 0);
  strategy_seq_.assign(c.strategies, 0);
  market_seq_.assign(c.instruments, 0);
  position_dirty_.assign(positions, 0);
  strategy_position_dirty_.assign(strategy_positions, 0);
  balance_dirty_.assign(balances, 0);
  strategy_dirty_.assign(c.strategies, 0);
  market_dirty_.assign(c.instruments, 0);
  instrument_dirty_.assign(c.instruments, 0);
  account_dirty_.assign(c.accounts, 0);
  position_hist_.assign(positions, HistoryKey{});
  strategy_position_hist_.assign(strategy_positions, HistoryKey{});
  for (size_t k = 0; k < positions; ++k) {
    position_hist_[k].leverage = genesis
                                     .position(static_cast<uint16_t>(k / c.instruments),
                                               static_cast<uint16_t>(k % c.instruments))
                                     .leverage;
  }
  candles_.assign(c.instruments, Candle{});
  const uint64_t written = genesis.header().ledger_written;
  for (uint64_t n = 0; n < written && n < c.ledger; ++n) {
    genesis_ledger_.push_back(genesis.ledger()[n]);
  }
  ledger_seen_ = written;
}

Result<bool> Deriver::prepare() {
  for (size_t t = 0; t < tables().size(); ++t) {
    if (auto ok = sink_.prepare(t, upsert_sql(sink_.dialect(), tables()[t])); !ok) return ok;
    if (auto ok = sink_.prepare_append(t, copy_sql(tables()[t])); !ok) return ok;
  }
  for (const TableId t : {TableId::kOrders, TableId::kPositions, TableId::kStrategyPositions,
                          TableId::kBalances, TableId::kStrategyStats, TableId::kMarkets}) {
    const Table& tt = table(t);
    if (auto ok = sink_.prepare_stage(static_cast<size_t>(t), create_stage_sql(tt),
                                      copy_stage_sql(tt), merge_stage_sql(tt));
        !ok) {
      return ok;
    }
  }
  return true;
}

void Deriver::on_event(const Event& e) noexcept {
  if (e.type == EventType::kFill) fills_.push_back(e);
}

// ---- row building ---------------------------------------------------------------------------

void Deriver::money(int64_t e8) {
  row_.text_in_place(kMaxDecimalChars, [e8](char* out) { return format_decimal_e8(e8, out); });
}
void Deriver::name(const char* n) {
  row_.text(fixed_name(n));
}
void Deriver::index_name(std::string_view n) {
  if (n.empty()) {
    row_.null();
  } else {
    row_.text(n);
  }
}
void Deriver::time(int64_t ns) {
  row_.text_in_place(kIsoUtcChars, [ns](char* out) { return iso_utc(ns, out); });
}

Result<bool> Deriver::next_row(Result<bool> sent) {
  ++rows_;
  row_.clear();
  row_.text(engine_);  // every row starts with the engine
  return sent;
}

Result<bool> Deriver::put(TableId t) {
  return next_row(sink_.run(static_cast<size_t>(t), row_));
}

Result<bool> Deriver::put_current(TableId t) {
  return next_row(sink_.stage(static_cast<size_t>(t), row_));
}

Result<bool> Deriver::put_new(TableId t) {
  return next_row(sink_.append(static_cast<size_t>(t), row_));
}

// ---- per input --------------------------------------------------------------------------------

Result<bool> Deriver::after_input(const Input& in, const State& s, const WriteLog& log,
                                  bool write) {
  // Versioned records are logged without a limit (only the byte ranges, which are not read here,
  // can overflow), so the loop below sees every record the input changed.
  const uint64_t seq = in.seq;
  for (uint32_t k = 0; k < log.record_count(); ++k) {
    const auto [table, index] = locate(layout_, log.records()[k].version);
    switch (table) {
      case VersionedTable::kInstruments:
        instrument_dirty_[index] = 1;
        break;
      case VersionedTable::kAccounts:
        account_dirty_[index] = 1;
        break;
      case VersionedTable::kBalances:
        balance_seq_[index] = seq;
        balance_dirty_[index] = 1;
        break;
      case VersionedTable::kStrategies:
        strategy_seq_[index] = seq;
        strategy_dirty_[index] = 1;
        break;
      case VersionedTable::kPositions:
        position_seq_[index] = seq;
        position_dirty_[index] = 1;
        break;
      case VersionedTable::kStrategyPositions:
        strategy_position_seq_[index] = seq;
        strategy_position_dirty_[index] = 1;
        break;
      case VersionedTable::kMarkets:
        market_seq_[index] = seq;
        market_dirty_[index] = 1;
        break;
      case VersionedTable::kOrders:
      case VersionedTable::kVenueOrderIds:
        if (write) capture_order(s, index, seq);
        break;
      default:
        break;
    }
  }
  // Trades first: their realized PnL is the strategy position's change, measured against the
  // history trackers before track_position() moves them.
  if (write) {
    if (auto ok = write_trades(in, s); !ok) return ok;
  }
  const uint64_t written = s.header().ledger_written;
  if (written - ledger_seen_ > s.caps().ledger) {
    return Error{
        fmt::format("input {} posted {} ledger entries, more than the ledger ring holds ({}): its "
                    "transactions cannot be exported ([engine].max_ledger)",
                    seq, written - ledger_seen_, s.caps().ledger)};
  }
  if (write) {
    if (auto ok = write_ledger(s, ledger_seen_, written); !ok) return ok;
  }
  ledger_seen_ = written;

  for (uint32_t k = 0; k < log.record_count(); ++k) {
    const auto [table, index] = locate(layout_, log.records()[k].version);
    if (table == VersionedTable::kPositions || table == VersionedTable::kStrategyPositions) {
      if (auto ok =
              track_position(in, s, table == VersionedTable::kStrategyPositions, index, write);
          !ok) {
        return ok;
      }
    }
  }
  if (in.cmd.op == Op::kTick && in.cmd.tick.instrument < s.instrument_count() &&
      market_seq_[in.cmd.tick.instrument] == seq) {
    const uint16_t i = in.cmd.tick.instrument;
    if (auto ok = open_minute(s, i, in.ts, write); !ok) return ok;
    const MarketRecord& m = s.market(i);
    // The tick's last trade price when it carries one, else the mark it leaves.
    const bool last = (in.cmd.tick.fields & kTickLast) != 0 && m.has_last != 0;
    if (last || m.has_mark != 0) candles_[i].price(last ? m.last : m.mark);
    ++candles_[i].ticks;
  }
  for (const Event& f : fills_) {
    if (f.instrument >= s.instrument_count()) continue;
    if (auto ok = open_minute(s, f.instrument, in.ts, write); !ok) return ok;
    candles_[f.instrument].volume += f.qty;
  }
  fills_.clear();
  return true;
}

void Deriver::capture_order(const State& s, uint32_t slot, uint64_t seq) {
  const OrderRecord& o = s.order_at(slot);
  if (o.id == 0) return;
  const auto [it, fresh] = order_at_.try_emplace(o.id, orders_.size());
  if (fresh) orders_.emplace_back();
  orders_[it->second] = CapturedOrder{o, s.venue_order_id(slot), seq};
}

Result<bool> Deriver::write_trades(const Input& in, const State& s) {
  for (size_t k = 0; k < fills_.size(); ++k) {
    const Event& f = fills_[k];
    const TradeRecord* t = s.trade(f.trade_seq);
    row_.integer(static_cast<int64_t>(f.trade_seq));
    index_name(t != nullptr ? t->trade_id.view() : std::string_view());
    row_.integer(static_cast<int64_t>(f.order_id));
    index_name(f.account < s.account_count() ? fixed_name(s.account(f.account).name) : "");
    index_name(f.strategy < s.strategy_count() ? fixed_name(s.strategy(f.strategy).name) : "");
    index_name(f.instrument < s.instrument_count() ? fixed_name(s.instrument(f.instrument).symbol)
                                                   : "");
    row_.text(to_string(f.side));
    money(f.qty.e8);
    money(f.price.e8);
    money(f.amount.e8);
    index_name(f.asset < s.asset_count() ? fixed_name(s.asset(f.asset).code) : "");
    row_.text(to_string(f.liquidity));
    // The strategy position's realized PnL and fees (settle units) this input moved, on the
    // input's last fill of that position: Σ over trades is the position's total.
    bool last_of_position = f.strategy < s.strategy_count() && f.instrument < s.instrument_count();
    for (size_t j = k + 1; j < fills_.size() && last_of_position; ++j) {
      if (fills_[j].strategy == f.strategy && fills_[j].instrument == f.instrument) {
        last_of_position = false;
      }
    }
    if (last_of_position) {
      const uint32_t idx = f.strategy * s.caps().instruments + f.instrument;
      const PositionRecord& p = s.strategy_position(f.strategy, f.instrument);
      money((p.realized_pnl - strategy_position_hist_[idx].realized_pnl).e8);
      money((p.fees - strategy_position_hist_[idx].fees).e8);
    } else {
      money(0);
      money(0);
    }
    row_.integer(static_cast<int64_t>(in.seq));
    row_.integer(in.ts);
    time(in.ts);
    if (auto ok = put_new(TableId::kTrades); !ok) return ok;
  }
  return true;
}

Result<bool> Deriver::write_ledger(const State& s, uint64_t from, uint64_t to) {
  for (uint64_t n = from; n < to; ++n) {
    if (auto ok = put_ledger(s, n + 1, s.ledger()[n % s.caps().ledger], true); !ok) return ok;
  }
  return true;
}

Result<bool> Deriver::put_ledger(const State& s, uint64_t number, const LedgerEntry& e,
                                 bool fresh) {
  row_.integer(static_cast<int64_t>(number));
  row_.integer(static_cast<int64_t>(e.seq));
  name(s.account(e.account).name);
  name(s.asset(e.asset).code);
  row_.text(to_string(e.kind));
  row_.integer(static_cast<int64_t>(e.order_id));
  money((e.delta_free + e.delta_locked).e8);
  money(e.delta_free.e8);
  money(e.delta_locked.e8);
  money(e.free_after.e8);
  money(e.locked_after.e8);
  money((e.free_after + e.locked_after).e8);
  row_.integer(e.ts);
  time(e.ts);
  return fresh ? put_new(TableId::kTransactions) : put(TableId::kTransactions);
}

Result<bool> Deriver::track_position(const Input& in, const State& s, bool strategy, uint32_t index,
                                     bool write) {
  const uint16_t owner = static_cast<uint16_t>(index / s.caps().instruments);
  const uint16_t instrument = static_cast<uint16_t>(index % s.caps().instruments);
  const PositionRecord& p =
      strategy ? s.strategy_position(owner, instrument) : s.position(owner, instrument);
  const HistoryKey now{p.size, p.avg_entry_price, p.realized_pnl, p.fees, p.leverage};
  HistoryKey& last = strategy ? strategy_position_hist_[index] : position_hist_[index];
  if (now == last) return true;
  last = now;
  if (!write) return true;
  name(strategy ? s.strategy(owner).name : s.account(owner).name);
  name(s.instrument(instrument).symbol);
  row_.integer(static_cast<int64_t>(in.seq));
  money(p.size.e8);
  money(p.avg_entry_price.e8);
  money(p.realized_pnl.e8);
  money(p.fees.e8);
  row_.integer(p.leverage);
  row_.integer(in.ts);
  time(in.ts);
  return put_new(strategy ? TableId::kStrategyPositionHistory : TableId::kPositionHistory);
}

// The bar of `instrument` for the minute of `ts`, marked changed: a new minute writes the
// finished bar out first.
Result<bool> Deriver::open_minute(const State& s, uint16_t instrument, int64_t ts, bool write) {
  Candle& c = candles_[instrument];
  const int64_t minute = ts - ts % kMinuteNs;
  if (c.minute_ns != minute) {
    if (c.minute_ns >= 0 && c.dirty && write) {
      if (auto ok = put_candle(s, instrument, c); !ok) return ok;
    }
    c = Candle{};
    c.minute_ns = minute;
  }
  c.dirty = true;
  return true;
}

Result<bool> Deriver::put_candle(const State& s, uint16_t instrument, const Candle& c) {
  name(s.instrument(instrument).symbol);
  row_.integer(c.minute_ns);
  time(c.minute_ns);
  for (const Price p : {c.open, c.high, c.low, c.close}) {
    if (c.has_price) {
      money(p.e8);
    } else {
      row_.null();
    }
  }
  money(c.volume.e8);
  row_.integer(c.ticks);
  return put(TableId::kMarketData);
}

// ---- current rows ---------------------------------------------------------------------------

Result<bool> Deriver::put_order(const State& s, const CapturedOrder& c) {
  const OrderRecord& o = c.order;
  row_.integer(static_cast<int64_t>(o.id));
  index_name(o.client < s.client_count() ? fixed_name(s.client(o.client).name) : "");
  row_.integer(static_cast<int64_t>(o.cl_id));
  index_name(o.account < s.account_count() ? fixed_name(s.account(o.account).name) : "");
  index_name(o.strategy < s.strategy_count() ? fixed_name(s.strategy(o.strategy).name) : "");
  index_name(o.instrument < s.instrument_count() ? fixed_name(s.instrument(o.instrument).symbol)
                                                 : "");
  row_.text(to_string(o.side));
  row_.text(to_string(o.type));
  row_.text(to_string(o.tif));
  row_.text(to_string(o.status));
  money(o.qty.e8);
  money(o.price.e8);
  money(o.stop_price.e8);
  money(o.filled_qty.e8);
  money(o.avg_fill_price.e8);
  money(o.fees.e8);
  index_name(o.fee_asset < s.asset_count() ? fixed_name(s.asset(o.fee_asset).code) : "");
  index_name(o.reject_reason == RejectReason::kNone ? "" : to_string(o.reject_reason));
  index_name(c.venue_order_id.well_formed() ? c.venue_order_id.view() : "");
  row_.integer((o.flags & kFlagPostOnly) != 0);
  row_.integer((o.flags & kFlagReduceOnly) != 0);
  row_.integer(static_cast<int64_t>(o.linked_id));
  if (o.expire_ts != 0) {
    row_.integer(o.expire_ts);
  } else {
    row_.null();
  }
  row_.integer(o.created_ts);
  time(o.created_ts);
  row_.integer(o.updated_ts);
  time(o.updated_ts);
  row_.integer(static_cast<int64_t>(c.seq));
  return put_current(TableId::kOrders);
}

Result<bool> Deriver::put_position(const State& s, bool strategy, uint32_t index) {
  const uint16_t owner = static_cast<uint16_t>(index / s.caps().instruments);
  const uint16_t instrument = static_cast<uint16_t>(index % s.caps().instruments);
  const PositionRecord& p =
      strategy ? s.strategy_position(owner, instrument) : s.position(owner, instrument);
  if (p.touched == 0) return true;  // as the canonical state JSON: nothing reached it yet
  name(strategy ? s.strategy(owner).name : s.account(owner).name);
  name(s.instrument(instrument).symbol);
  for (const int64_t v :
       {p.size.e8, p.avg_entry_price.e8, p.realized_pnl.e8, p.unrealized_pnl.e8, p.fees.e8,
        p.margin.e8, p.liquidation_price.e8, p.open_buy_qty.e8, p.open_sell_qty.e8}) {
    money(v);
  }
  row_.integer(p.leverage);
  row_.integer(
      static_cast<int64_t>(strategy ? strategy_position_seq_[index] : position_seq_[index]));
  return put_current(strategy ? TableId::kStrategyPositions : TableId::kPositions);
}

Result<bool> Deriver::put_balance(const State& s, uint32_t index) {
  const uint16_t account = static_cast<uint16_t>(index / s.caps().assets);
  const uint16_t asset = static_cast<uint16_t>(index % s.caps().assets);
  const BalanceRecord& b = s.balance(account, asset);
  name(s.account(account).name);
  name(s.asset(asset).code);
  money(b.free.e8);
  money(b.locked.e8);
  money((b.free + b.locked).e8);
  row_.integer(static_cast<int64_t>(balance_seq_[index]));
  return put_current(TableId::kBalances);
}

Result<bool> Deriver::put_strategy_stats(const State& s, uint16_t k) {
  const StrategyRecord& st = s.strategy(k);
  name(st.name);
  row_.text(to_string(st.state));
  row_.integer(st.halted);
  row_.integer(st.open_orders);
  row_.integer(st.orders);
  row_.integer(st.fills);
  row_.integer(st.wins);
  row_.integer(st.losses);
  money(st.volume.e8);
  money(st.fees.e8);
  money(st.realized_pnl.e8);
  money((st.realized_pnl - st.fees).e8);
  money(st.peak_equity.e8);
  money(st.max_drawdown.e8);
  row_.integer(st.day_trades);
  row_.integer(static_cast<int64_t>(strategy_seq_[k]));
  return put_current(TableId::kStrategyStats);
}

Result<bool> Deriver::put_market(const State& s, uint16_t i) {
  const MarketRecord& m = s.market(i);
  name(s.instrument(i).symbol);
  const auto opt = [&](bool has, int64_t v) {
    if (has) {
      money(v);
    } else {
      row_.null();
    }
  };
  opt(m.has_bid != 0, m.bid.e8);
  opt(m.has_ask != 0, m.ask.e8);
  opt(m.has_last != 0, m.last.e8);
  opt(m.has_mark != 0, m.mark.e8);
  money(m.bid_qty.e8);
  money(m.ask_qty.e8);
  money(m.volume.e8);
  row_.integer(m.ts);
  time(m.ts);
  row_.integer(static_cast<int64_t>(market_seq_[i]));
  return put_current(TableId::kMarkets);
}

Result<bool> Deriver::put_instrument(const State& s, uint16_t i) {
  const InstrumentRecord& r = s.instrument(i);
  name(r.symbol);
  row_.text(to_string(r.kind));
  name(s.asset(r.base).code);
  name(s.asset(r.quote).code);
  name(s.asset(r.settle).code);
  for (const int64_t v : {r.tick_size.e8, r.step_size.e8, r.min_qty.e8, r.max_qty.e8,
                          r.min_notional.e8, r.maker_fee.e8, r.taker_fee.e8, r.multiplier.e8}) {
    money(v);
  }
  row_.integer(r.max_leverage);
  money(r.maintenance_margin.e8);
  money(r.price_band.e8);
  row_.integer(r.halted);
  return put(TableId::kInstruments);
}

Result<bool> Deriver::put_account(const State& s, uint16_t i) {
  const AccountRecord& a = s.account(i);
  name(a.name);
  row_.text(to_string(a.type));
  row_.integer(a.halted);
  row_.integer(a.default_leverage);
  return put(TableId::kAccounts);
}

Result<bool> Deriver::write_all(const State& s) {
  for (uint16_t k = 0; k < s.asset_count(); ++k) {
    name(s.asset(k).code);
    row_.integer(s.asset(k).precision);
    if (auto ok = put(TableId::kAssets); !ok) return ok;
  }
  for (uint16_t k = 0; k < s.strategy_count(); ++k) {
    const StrategyRecord& st = s.strategy(k);
    name(st.name);
    name(s.account(st.account).name);
    row_.integer(st.max_open_orders);
    money(st.max_position.e8);
    money(st.max_order_notional.e8);
    money(st.max_daily_loss.e8);
    row_.integer(st.max_daily_trades);
    if (auto ok = put(TableId::kStrategies); !ok) return ok;
  }
  // The initial deposits, posted at seq 0 before any input.
  for (size_t k = 0; k < genesis_ledger_.size(); ++k) {
    if (auto ok = put_ledger(s, k + 1, genesis_ledger_[k], false); !ok) return ok;
  }
  std::fill(instrument_dirty_.begin(), instrument_dirty_.end(), 1);
  std::fill(account_dirty_.begin(), account_dirty_.end(), 1);
  std::fill(balance_dirty_.begin(), balance_dirty_.end(), 1);
  std::fill(strategy_dirty_.begin(), strategy_dirty_.end(), 1);
  std::fill(position_dirty_.begin(), position_dirty_.end(), 1);
  std::fill(strategy_position_dirty_.begin(), strategy_position_dirty_.end(), 1);
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    const MarketRecord& m = s.market(i);
    market_dirty_[i] = m.ts != 0 || m.has_mark != 0;
    candles_[i].dirty = candles_[i].minute_ns >= 0;
  }
  // Orders are not rewritten here: each was written when it last changed, with that seq, and a
  // resumed run's replay up to the database's seq changes none of them.
  return true;
}

Result<bool> Deriver::flush(const State& s) {
  for (const CapturedOrder& o : orders_) {
    if (auto ok = put_order(s, o); !ok) return ok;
  }
  orders_.clear();
  order_at_.clear();
  const auto each = [](std::vector<uint8_t>& dirty, auto&& f) -> Result<bool> {
    for (uint32_t k = 0; k < dirty.size(); ++k) {
      if (dirty[k] == 0) continue;
      dirty[k] = 0;
      if (auto ok = f(k); !ok) return ok;
    }
    return true;
  };
  Result<bool> ok = true;
  if (ok) ok = each(instrument_dirty_, [&](uint32_t k) { return put_instrument(s, uint16_t(k)); });
  if (ok) ok = each(account_dirty_, [&](uint32_t k) { return put_account(s, uint16_t(k)); });
  if (ok) ok = each(balance_dirty_, [&](uint32_t k) { return put_balance(s, k); });
  if (ok) {
    ok = each(strategy_dirty_, [&](uint32_t k) { return put_strategy_stats(s, uint16_t(k)); });
  }
  if (ok) ok = each(position_dirty_, [&](uint32_t k) { return put_position(s, false, k); });
  if (ok) {
    ok = each(strategy_position_dirty_, [&](uint32_t k) { return put_position(s, true, k); });
  }
  if (ok) ok = each(market_dirty_, [&](uint32_t k) { return put_market(s, uint16_t(k)); });
  for (uint16_t i = 0; ok && i < candles_.size(); ++i) {
    if (!candles_[i].dirty || candles_[i].minute_ns < 0) continue;
    ok = put_candle(s, i, candles_[i]);
    candles_[i].dirty = false;
  }
  return ok;
}

Result<bool> Deriver::write_engine(uint64_t genesis_hash, const std::string& data_dir) {
  row_.text(fmt::format("{:016x}", genesis_hash));
  row_.text(data_dir);
  return put(TableId::kEngines);
}

Result<bool> Deriver::write_export_state(uint64_t seq, uint64_t state_hash) {
  row_.integer(static_cast<int64_t>(seq));
  row_.text(fmt::format("{:016x}", state_hash));
  return put(TableId::kExportState);
}

Result<bool> Deriver::write_backtest(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"backtest.json is not a JSON object"};
  const auto str = [&](const char* key) {
    if (j.contains(key) && j[key].is_string()) {
      row_.text(j[key].get<std::string>());
    } else if (j.contains(key) && !j[key].is_null()) {
      row_.text(j[key].dump());
    } else {
      row_.null();
    }
  };
  const auto num = [&](const char* key) {
    if (j.contains(key) && j[key].is_number()) {
      row_.text(j[key].dump());
    } else {
      row_.null();
    }
  };
  const auto integer = [&](const char* key) {
    if (j.contains(key) && j[key].is_number_integer()) {
      row_.integer(j[key].get<int64_t>());
    } else {
      row_.null();
    }
  };
  str("strategy");
  row_.text(j.value("params", nlohmann::json::object()).dump());
  row_.text(j.value("data", nlohmann::json::array()).dump());
  str("from");
  str("to");
  integer("ticks");
  integer("inputs");
  num("return");
  num("annualised_return");
  num("max_drawdown");
  num("sharpe");
  num("win_rate");
  num("profit_factor");
  integer("trades");
  integer("fills");
  str("fees");
  str("net_profit");
  str("state_hash");
  return put(TableId::kBacktests);
}

}  // namespace ose::sql_export
