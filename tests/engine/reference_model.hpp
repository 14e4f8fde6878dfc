// A slow, obvious reference model of the engine's order bookkeeping and accounting, written
// from DESIGN.md §4-§5 and docs/design/0001-core-semantics.md alone. It shares nothing with the
// engine but the data types of its interface (config, Command/Input, enums) and the decimal
// helpers for printing: every reservation, release, settlement, netting step, margin and
// rounding is re-derived here with std::map tables, plain loops and its own half-even division.
//
// It models what the random streams of property_test.cpp use: spot, linear and inverse
// instruments; market, limit and conditional orders (stop and take-profit, market and limit,
// trailing stops; gtc, ioc, gtd; reduce_only) with their triggers on ticks; brackets (exits
// created and resized on entry fills, one spot lock per pair, OCO at trigger, futures exits held
// to the position); ack, fills (fees in any asset), cancel, cancel_ack, venue expiry and reject,
// amend, cancel_all, GTD expiry; deposits, withdrawals, ticks, set_leverage, halts, strategy
// state and timers. All inputs come from the engine source, and clients must have no rate limit.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/enums.hpp"
#include "engine/core/event.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/formats/config.hpp"

namespace ose::ref {

// num / den rounded half-to-even, computed independently of the engine (floor division, then
// a comparison of twice the remainder). nullopt when den == 0 or the result leaves int64.
std::optional<int64_t> div_half_even(i128 num, i128 den);

struct Balance {
  int64_t free = 0;
  int64_t locked = 0;
};

struct Position {
  int64_t size = 0;  // signed, e8
  int64_t avg = 0;
  int64_t realized = 0;
  int64_t fees = 0;
  int64_t unrealized = 0;
  int64_t margin = 0;
  int64_t liquidation = 0;
};

struct Order {
  uint64_t id = 0;
  uint32_t slot = 0;
  uint64_t cl_id = 0;
  uint16_t client = 0;
  uint16_t account = 0;
  uint16_t strategy = 0;
  uint16_t instrument = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  Tif tif = Tif::kGtc;
  bool reduce_only = false;
  OrderStatus status = OrderStatus::kPendingNew;
  RejectReason reject_reason = RejectReason::kNone;
  int64_t qty = 0;
  int64_t price = 0;
  int64_t expire_ts = 0;
  int64_t filled = 0;
  int64_t avg_fill = 0;
  int64_t fees = 0;
  uint16_t fee_asset = 0xFFFF;
  uint16_t lock_asset = 0xFFFF;
  int64_t reserved = 0;
  std::string venue_order_id;  // as the venue sent it; empty until acked with one
  uint64_t accepted_seq = 0;   // acceptance order: the order cancel_all and expiry walk in
  // Conditional orders (DESIGN §4 triggers).
  int64_t stop_price = 0;
  int64_t callback_rate = 0;
  int64_t activation_price = 0;
  bool triggered = false;     // acts as its triggered form (market, or limit for *_limit)
  bool trail_active = false;  // a trailing stop past its activation price
  int64_t trail_extreme = 0;  // highest (sell) / lowest (buy) trigger price since activation
  uint64_t armed_seq = 0;     // when it started waiting: triggers are checked newest first
  // Brackets.
  int64_t stop_loss = 0;
  int64_t take_profit = 0;
  int64_t exit_qty = 0;       // entry: the size its exits were last given
  bool bracket_exit = false;  // created by the engine from an entry's stop_loss / take_profit
  bool shared_lock = false;   // a spot exit whose pair's lock its sibling holds
  uint64_t linked_id = 0;     // entry → first exit; exit → sibling (or its entry while alone)

  int64_t remaining() const { return qty - filled; }
};

struct Market {
  bool has_bid = false, has_ask = false, has_last = false, has_mark = false;
  int64_t bid = 0, ask = 0, last = 0, mark = 0;
};

struct Instrument {
  std::string symbol;
  InstrumentKind kind = InstrumentKind::kSpot;
  uint16_t base = 0, quote = 0, settle = 0;
  int64_t tick = 0, step = 0, min_qty = 0, max_qty = 0, min_notional = 0;
  int64_t multiplier = 0, maintenance = 0, band = 0;
  int32_t max_leverage = 1;
  bool halted = false;
};

struct Account {
  std::string name;
  AccountType type = AccountType::kSpot;
  int32_t leverage = 1;
  bool halted = false;
};

struct Strategy {
  std::string name;
  uint16_t account = 0;
  StrategyState state = StrategyState::kRunning;
  bool halted = false;
  int32_t max_open_orders = 0;
  int32_t max_daily_trades = 0;
  int64_t max_position = 0;
  int64_t max_order_notional = 0;
  int64_t max_daily_loss = 0;
  // Statistics (DESIGN §4 / 0001 "Events and state JSON").
  int64_t orders = 0, fills = 0, wins = 0, losses = 0;
  int64_t volume = 0, fees = 0, realized = 0, peak_equity = 0, max_drawdown = 0;
  bool day_known = false;
  int64_t day = 0;            // UTC day of the daily counters
  int64_t day_start_net = 0;  // realized − fees at 00:00 UTC of `day`
  int64_t day_trades = 0;
};

struct Client {
  std::string name;
  ClientRole role = ClientRole::kStrategy;
  std::vector<uint16_t> accounts;
};

// What the model expects apply() to report for one input, in order.
struct ExpectedEvent {
  EventType type = EventType::kAccepted;
  RejectReason reason = RejectReason::kNone;
  AlertReason alert = AlertReason::kNone;
  uint64_t order_id = 0;  // compared when check_id
  bool check_id = false;
};

class Model {
 public:
  explicit Model(const EngineConfig& config);

  // Applies one input and returns the events the engine must emit for it.
  std::vector<ExpectedEvent> apply(const Input& input);

  // ---- read access (comparisons, the stream generator) -----------------------------------
  const std::vector<Instrument>& instruments() const { return instruments_; }
  const std::vector<Account>& accounts() const { return accounts_; }
  const std::vector<Strategy>& strategies() const { return strategies_; }
  const std::vector<Client>& clients() const { return clients_; }
  const std::vector<std::string>& assets() const { return assets_; }
  uint32_t order_capacity() const { return order_capacity_; }

  Balance balance(uint16_t account, uint16_t asset) const;
  Position position(uint16_t account, uint16_t instrument) const;
  Position strategy_position(uint16_t strategy, uint16_t instrument) const;
  int32_t leverage(uint16_t account, uint16_t instrument) const;
  const Market& market(uint16_t instrument) const { return markets_[instrument]; }
  // Every order still in the table (live and terminal), by engine id.
  const std::map<uint64_t, Order>& orders() const { return orders_; }
  const Order* find(uint64_t id) const;
  const Order* find(uint16_t client, uint64_t cl_id) const;
  bool trade_remembered(uint16_t instrument, std::string_view trade_id) const;
  // Remaining qty of the strategy's non-terminal orders on one side of an instrument.
  int64_t open_qty(uint16_t strategy, uint16_t instrument, Side side) const;
  int open_orders(uint16_t strategy) const;

 private:
  using Key2 = std::pair<uint16_t, uint16_t>;

  // events
  void emit(EventType type, uint64_t order_id = 0, bool check_id = false);
  void reject(RejectReason reason, uint64_t order_id = 0, bool check_id = false);
  void alert(AlertReason reason, uint64_t order_id);

  // balances
  void move(uint16_t account, uint16_t asset, int64_t dfree, int64_t dlocked);

  // order table
  std::optional<uint32_t> take_slot();
  void finish(Order& o, OrderStatus status);
  Order* resolve(const OrderRef& ref);
  void expire_due(int64_t ts);

  // computations (nullopt on overflow)
  std::optional<int64_t> notional(const Instrument& ins, int64_t qty, int64_t price) const;
  std::optional<int64_t> reference_price(const Order& o) const;
  struct Lock {
    uint16_t asset;
    int64_t amount;
  };
  std::optional<Lock> reservation(const Order& o, int64_t qty) const;
  std::optional<int64_t> margin(const Instrument& ins, int64_t abs_qty, int64_t price,
                                int32_t leverage) const;
  std::optional<int64_t> liquidation(int64_t size, int64_t avg, int32_t leverage,
                                     int64_t maintenance) const;
  std::optional<int64_t> unrealized(const Instrument& ins, int64_t size, int64_t avg,
                                    int64_t mark) const;
  struct Netted {
    int64_t size = 0, avg = 0, realized = 0, closed = 0;
  };
  std::optional<Netted> net(const Instrument& ins, int64_t size, int64_t avg, int64_t fill,
                            int64_t price) const;
  void roll_day(Strategy& st, int64_t ts) const;

  // handlers
  void on_balance(const BalanceCmd& b, bool deposit);
  void on_new_order(const NewOrderCmd& n);
  RejectReason check_new_order(const NewOrderCmd& n, const Order& o, std::optional<Lock>& lock);
  void on_cancel(const OrderRef& ref);
  void request_cancel(Order& o);
  void on_cancel_all(const CancelAllCmd& f);
  void on_amend(const AmendCmd& a);
  void on_ack(const AckCmd& a);
  void on_venue_reject(const VenueRejectCmd& r);
  void on_fill(const FillCmd& f);
  void on_cancel_ack(const OrderRef& ref);
  void on_expired(const OrderRef& ref);
  void on_tick(const TickCmd& t);
  void on_set_strategy(const SetStrategyCmd& s);
  void on_halt(const HaltCmd& h, bool halt);
  void on_set_leverage(const SetLeverageCmd& l);

  // conditional orders and brackets
  void run_triggers(uint16_t instrument, int64_t price);
  bool trailing_fires(Order& o, int64_t price) const;
  void fire(Order& o);
  int64_t exit_room(uint16_t account, uint16_t instrument, Side exit_side) const;
  std::optional<int64_t> exit_lock(const Order& entry, int64_t qty) const;
  void sync_bracket(Order& entry);
  Order* create_exit(Order& entry, bool is_stop, int64_t qty);

  std::vector<std::string> assets_;
  std::vector<Instrument> instruments_;
  std::vector<Account> accounts_;
  std::vector<Strategy> strategies_;
  std::vector<Client> clients_;
  uint32_t order_capacity_ = 0;
  uint32_t trade_window_ = 0;
  bool halted_global_ = false;

  std::map<Key2, Balance> balances_;             // (account, asset)
  std::map<Key2, Position> positions_;           // (account, instrument)
  std::map<Key2, Position> strategy_positions_;  // (strategy, instrument)
  std::map<Key2, int32_t> leverage_;             // (account, instrument)
  std::vector<Market> markets_;

  std::map<uint64_t, Order> orders_;                        // id → order, while in the table
  std::map<std::pair<uint16_t, uint64_t>, uint64_t> keys_;  // (client, cl_id) → id
  std::vector<uint64_t> slot_ids_;                          // last id given out per slot
  uint32_t slots_used_ = 0;
  std::deque<uint32_t> terminal_slots_;  // oldest terminal first: reclaimed in this order
  std::deque<std::pair<uint16_t, std::string>> trades_;  // (instrument, trade_id), oldest first
  uint64_t accept_counter_ = 0;
  uint64_t arm_counter_ = 0;

  const Input* in_ = nullptr;
  std::vector<ExpectedEvent> out_;
};

}  // namespace ose::ref
