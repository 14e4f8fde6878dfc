#include "engine/core/state.hpp"

#include <fmt/format.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "engine/core/ledger.hpp"
#include "shm/seqlock.hpp"

namespace ose {

namespace {

constexpr uint64_t kAlign = 64;  // every table starts on its own cache line

uint64_t align_up(uint64_t v) noexcept {
  return (v + kAlign - 1) & ~(kAlign - 1);
}

uint32_t pow2_at_least(uint64_t v) noexcept {
  return static_cast<uint32_t>(std::bit_ceil(v < 2 ? uint64_t{2} : v));
}

void copy_name(char (&dst)[kNameLen], const std::string& src) noexcept {
  std::memset(dst, 0, kNameLen);
  std::memcpy(dst, src.data(), std::min<size_t>(src.size(), kNameLen - 1));
}

// The byte ranges that make up the canonical serialization, in order.
template <typename F>
void for_each_canonical_range(const State& s, F&& f) {
  const StateHeader& h = s.header();
  const StateOffsets& o = h.offsets;
  const std::byte* base = s.region();
  auto range = [&](uint64_t off, uint64_t bytes) { f(base + off, bytes); };
  range(0, sizeof(StateHeader));
  range(o.assets, o.orders - o.assets);  // the per-entity tables, assets to trigger books
  range(o.orders, uint64_t{h.next_unused_slot} * sizeof(OrderRecord));
  range(o.venue_order_ids, uint64_t{h.next_unused_slot} * sizeof(VenueId));
  range(o.retire_ring, uint64_t{h.caps.orders} * sizeof(uint32_t));
  range(o.trades, std::min<uint64_t>(h.trades_written, h.caps.trades) * sizeof(TradeRecord));
  range(o.ledger, std::min<uint64_t>(h.ledger_written, h.caps.ledger) * sizeof(LedgerEntry));
}

}  // namespace

void AlignedFree::operator()(std::byte* p) const noexcept {
  std::free(p);
}

StateCapacities State::capacities_for(const StateSpec& c) noexcept {
  StateCapacities caps{};
  caps.assets = static_cast<uint32_t>(c.assets.size());
  caps.instruments = static_cast<uint32_t>(c.instruments.size());
  caps.accounts = static_cast<uint32_t>(c.accounts.size());
  caps.strategies = static_cast<uint32_t>(c.strategies.size());
  caps.clients = static_cast<uint32_t>(c.clients.size());
  caps.orders = c.max_orders;
  caps.trades = c.max_trades != 0 ? c.max_trades : c.max_orders;
  caps.ledger = c.max_ledger != 0 ? c.max_ledger : c.max_orders;
  caps.order_index = pow2_at_least(uint64_t{caps.orders} * 2);
  caps.trade_index = pow2_at_least(uint64_t{caps.trades} * 2);
  return caps;
}

StateOffsets State::layout_for(const StateCapacities& c) noexcept {
  StateOffsets o{};
  uint64_t at = align_up(sizeof(StateHeader));
  auto place = [&](uint64_t& field, uint64_t bytes) {
    field = at;
    at = align_up(at + bytes);
  };
  place(o.assets, uint64_t{c.assets} * sizeof(AssetRecord));
  place(o.instruments, uint64_t{c.instruments} * sizeof(InstrumentRecord));
  place(o.accounts, uint64_t{c.accounts} * sizeof(AccountRecord));
  place(o.balances, uint64_t{c.accounts} * c.assets * sizeof(BalanceRecord));
  place(o.strategies, uint64_t{c.strategies} * sizeof(StrategyRecord));
  place(o.clients, uint64_t{c.clients} * sizeof(ClientRecord));
  place(o.positions, uint64_t{c.accounts} * c.instruments * sizeof(PositionRecord));
  place(o.strategy_positions, uint64_t{c.strategies} * c.instruments * sizeof(PositionRecord));
  place(o.markets, uint64_t{c.instruments} * sizeof(MarketRecord));
  place(o.trigger_books, uint64_t{c.instruments} * sizeof(TriggerBookRecord));
  place(o.orders, uint64_t{c.orders} * sizeof(OrderRecord));
  place(o.venue_order_ids, uint64_t{c.orders} * sizeof(VenueId));
  place(o.retire_ring, uint64_t{c.orders} * sizeof(uint32_t));
  place(o.order_index, uint64_t{c.order_index} * sizeof(ClientOrderIndexEntry));
  place(o.trades, uint64_t{c.trades} * sizeof(TradeRecord));
  place(o.trade_index, uint64_t{c.trade_index} * sizeof(TradeIndexEntry));
  place(o.ledger, uint64_t{c.ledger} * sizeof(LedgerEntry));
  o.end = at;
  return o;
}

Result<State> State::create(const StateSpec& c) {
  const StateCapacities caps = capacities_for(c);
  const StateOffsets offsets = layout_for(caps);
  void* mem = std::aligned_alloc(kAlign, offsets.end);
  if (mem == nullptr) {
    return Error{fmt::format("cannot allocate {} MiB for the state (max_orders = {})",
                             offsets.end >> 20, c.max_orders)};
  }
  std::memset(mem, 0, offsets.end);
  State s(static_cast<std::byte*>(mem), RegionPtr(static_cast<std::byte*>(mem)));

  StateHeader& h = s.edit_header();
  h.magic = kStateMagic;
  h.layout_version = kStateLayoutVersion;
  h.caps = caps;
  h.offsets = offsets;
  h.live_head = h.live_tail = kNoSlot;
  h.next_expiry_ts = INT64_MAX;

  for (uint16_t i = 0; i < caps.assets; ++i) {
    copy_name(s.edit_asset(i).code, c.assets[i].code);
    s.edit_asset(i).precision = c.assets[i].precision;
  }
  for (uint16_t i = 0; i < caps.instruments; ++i) {
    const InstrumentSpec& ic = c.instruments[i];
    InstrumentRecord& r = s.edit_instrument(i);
    copy_name(r.symbol, ic.symbol);
    r.kind = ic.kind;
    r.halted = ic.halted ? 1 : 0;
    r.base = s.find_asset(ic.base);
    r.quote = s.find_asset(ic.quote);
    r.settle = s.find_asset(ic.settle);
    r.max_leverage = ic.max_leverage;
    r.tick_size = ic.tick_size;
    r.step_size = ic.step_size;
    r.min_qty = ic.min_qty;
    r.max_qty = ic.max_qty;
    r.min_notional = ic.min_notional;
    r.maker_fee = ic.maker_fee;
    r.taker_fee = ic.taker_fee;
    r.multiplier = ic.kind == InstrumentKind::kSpot ? Rate::from_units(1) : ic.multiplier;
    r.maintenance_margin = ic.maintenance_margin;
    r.price_band = ic.price_band;
    TriggerBookRecord& tb = s.edit_trigger_book(i);
    tb.head = tb.trail_head = kNoSlot;
    tb.min_up = Price::from_e8(INT64_MAX);
    tb.max_down = Price::from_e8(INT64_MIN);
  }
  for (uint16_t i = 0; i < caps.accounts; ++i) {
    const AccountSpec& ac = c.accounts[i];
    AccountRecord& r = s.edit_account(i);
    copy_name(r.name, ac.name);
    r.type = ac.type;
    r.halted = ac.halted ? 1 : 0;
    r.default_leverage = ac.leverage;
    for (uint16_t k = 0; k < caps.instruments; ++k) {
      s.edit_position(i, k).leverage = std::min(ac.leverage, s.instrument(k).max_leverage);
    }
  }
  for (uint16_t i = 0; i < caps.strategies; ++i) {
    const StrategySpec& sc = c.strategies[i];
    StrategyRecord& r = s.edit_strategy(i);
    copy_name(r.name, sc.name);
    r.account = s.find_account(sc.account);
    r.state = sc.state;
    r.max_open_orders = sc.max_open_orders;
    r.max_daily_trades = sc.max_daily_trades;
    r.max_position = sc.max_position;
    r.max_order_notional = sc.max_order_notional;
    r.max_daily_loss = sc.max_daily_loss;
    r.day_index = INT64_MIN;
  }
  for (uint16_t i = 0; i < caps.clients; ++i) {
    const ClientSpec& cc = c.clients[i];
    ClientRecord& r = s.edit_client(i);
    copy_name(r.name, cc.name);
    r.role = cc.role;
    r.rate_limit = cc.rate_limit;
    r.tokens_e9 = static_cast<int64_t>(cc.rate_limit) * 1'000'000'000;
    r.bucket_ts = INT64_MIN;
    // "*" sets every bit, so the binding reaches every account with no special case in apply().
    if (cc.all_accounts) std::fill(std::begin(r.accounts), std::end(r.accounts), ~uint64_t{0});
    for (const auto& a : cc.accounts) {
      const uint16_t ai = s.find_account(a);
      if (ai != kNoIndex) r.accounts[ai / 64] |= uint64_t{1} << (ai % 64);
    }
  }
  s.order_index_view().clear();
  s.trade_index_view().clear();
  // Initial balances are deposits at seq 0, so the ledger explains every unit from the start.
  for (uint16_t i = 0; i < caps.accounts; ++i) {
    for (const auto& [code, amount] : c.accounts[i].balances) {
      post_balance(s, 0, 0, i, s.find_asset(code), LedgerKind::kDeposit, amount, Amount{}, 0);
    }
  }
  return s;
}

namespace {
template <typename R, typename F>
uint16_t find_by_name(uint32_t count, std::string_view name, F&& get) noexcept {
  if (name.empty() || name.size() >= static_cast<size_t>(kNameLen)) return kNoIndex;
  for (uint32_t i = 0; i < count; ++i) {
    const char* n = get(static_cast<uint16_t>(i));
    if (std::string_view(n, strnlen(n, kNameLen)) == name) return static_cast<uint16_t>(i);
  }
  return kNoIndex;
}
}  // namespace

uint16_t State::find_asset(std::string_view code) const noexcept {
  return find_by_name<AssetRecord>(caps().assets, code, [&](uint16_t i) { return asset(i).code; });
}
uint16_t State::find_instrument(std::string_view symbol) const noexcept {
  return find_by_name<InstrumentRecord>(caps().instruments, symbol,
                                        [&](uint16_t i) { return instrument(i).symbol; });
}
uint16_t State::find_account(std::string_view name) const noexcept {
  return find_by_name<AccountRecord>(caps().accounts, name,
                                     [&](uint16_t i) { return account(i).name; });
}
uint16_t State::find_strategy(std::string_view name) const noexcept {
  return find_by_name<StrategyRecord>(caps().strategies, name,
                                      [&](uint16_t i) { return strategy(i).name; });
}
uint16_t State::find_client(std::string_view name) const noexcept {
  return find_by_name<ClientRecord>(caps().clients, name,
                                    [&](uint16_t i) { return client(i).name; });
}

OrderRecord* State::edit_order(uint64_t id) noexcept {
  return find_order(id) == nullptr ? nullptr : &edit_order_at(order_slot(id));
}

const OrderRecord* State::find_order(uint64_t id) const noexcept {
  const uint32_t slot = order_slot(id);
  if (id == 0 || slot >= header().next_unused_slot) return nullptr;
  const OrderRecord& o = order_at(slot);
  return o.id == id ? &o : nullptr;
}

VersionLayout VersionLayout::for_caps(const StateCapacities& caps) noexcept {
  VersionLayout l{};
  uint32_t n = 0;
  const auto put = [&](VersionedTable t, uint32_t count) {
    l.base[static_cast<int>(t)] = n;
    n += count;
  };
  put(VersionedTable::kHeader, 1);
  put(VersionedTable::kInstruments, caps.instruments);
  put(VersionedTable::kAccounts, caps.accounts);
  put(VersionedTable::kBalances, caps.accounts * caps.assets);
  put(VersionedTable::kStrategies, caps.strategies);
  put(VersionedTable::kPositions, caps.accounts * caps.instruments);
  put(VersionedTable::kStrategyPositions, caps.strategies * caps.instruments);
  put(VersionedTable::kMarkets, caps.instruments);
  put(VersionedTable::kOrders, caps.orders);
  put(VersionedTable::kVenueOrderIds, caps.orders);
  l.total = n;
  return l;
}

// The index entry of (client, cl_id): equal 32-bit hashes nominate, the order record decides.
const ClientOrderIndexEntry* State::order_index_find(uint16_t client_index,
                                                     uint64_t cl_id) const noexcept {
  const OrderRecord* orders = ctable<OrderRecord>(&StateOffsets::orders);
  return order_index_view().find_if(
      ClientOrderKey::of(client_index, cl_id), [&](const ClientOrderIndexEntry& e) {
        return orders[e.slot].cl_id == cl_id && orders[e.slot].client == client_index;
      });
}

const OrderRecord* State::find_order(uint16_t client_index, uint64_t cl_id) const noexcept {
  const ClientOrderIndexEntry* e = order_index_find(client_index, cl_id);
  return e == nullptr ? nullptr : &order_at(e->slot);
}

OrderRecord* State::edit_order(uint16_t client_index, uint64_t cl_id) noexcept {
  const ClientOrderIndexEntry* e = order_index_find(client_index, cl_id);
  return e == nullptr ? nullptr : &edit_order_at(e->slot);
}

// The order in `slot` must already carry (client, cl_id): the entry is found again by reading it.
bool State::index_insert(uint16_t client_index, uint64_t cl_id, uint32_t slot) noexcept {
  if (order_index_find(client_index, cl_id) != nullptr) return false;
  // Load factor ≤ 1/2 by construction (index capacity ≥ 2 × order slots), so a free entry exists.
  return order_index_view().insert_absent(
      ClientOrderIndexEntry{ClientOrderKey::of(client_index, cl_id).hash, slot});
}

// Matched by slot, not by reading orders: the caller may be about to overwrite the record.
void State::index_erase(uint16_t client_index, uint64_t cl_id, uint32_t slot) noexcept {
  order_index_view().erase_if(ClientOrderKey::of(client_index, cl_id),
                              [slot](const ClientOrderIndexEntry& e) { return e.slot == slot; });
}

uint64_t trade_id_hash(uint16_t instrument, const VenueId& id) noexcept {
  return XXH3_64bits_withSeed(id.bytes, id.size(), instrument);
}

const ClientOrderIndexEntry* State::order_index_home(uint16_t client_index,
                                                     uint64_t cl_id) const noexcept {
  return order_index_view().home(ClientOrderKey::of(client_index, cl_id));
}

const TradeIndexEntry* State::trade_index_home(uint16_t instrument_index,
                                               const VenueId& id) const noexcept {
  return trade_index_view().home(trade_key(instrument_index, id));
}

bool State::trade_seen(uint16_t instrument_index, const VenueId& trade_id) const noexcept {
  const TradeRecord* ring = trades();
  // Equal hashes only nominate: the id in the ring decides (a collision is two trades).
  return trade_index_view().find_if(trade_key(instrument_index, trade_id),
                                    [&](const TradeIndexEntry& e) {
                                      return ring[e.ring_pos].instrument == instrument_index &&
                                             ring[e.ring_pos].trade_id == trade_id;
                                    }) != nullptr;
}

uint64_t State::trade_remember(uint16_t instrument_index, const VenueId& trade_id,
                               uint64_t order_id) noexcept {
  StateHeader& h = edit_header();
  TradeIndex index = trade_index_view();
  const uint32_t pos = h.trades_pos;
  h.trades_pos = ring_next(pos, h.caps.trades);
  TradeRecord& slot = edit_trade(pos);
  if (h.trades_written >= h.caps.trades) {
    // The window is full: forget the oldest trade id before reusing its ring position. It is
    // matched by position, not key: the entry that points at this ring slot is the one to go.
    index.erase_if(trade_key(slot.instrument, slot.trade_id),
                   [pos](const TradeIndexEntry& e) { return e.ring_pos == pos; });
  }
  slot = TradeRecord{trade_id, order_id, instrument_index, 0, 0};
  // fills.cpp asked trade_seen() first, and load factor ≤ 1/2 (index capacity ≥ 2 × ring size).
  index.insert_absent(TradeIndexEntry{trade_key(instrument_index, trade_id).hash, pos});
  return ++h.trades_written;
}

const TradeRecord* State::trade(uint64_t trade_seq) const noexcept {
  const StateHeader& h = header();
  if (trade_seq == 0 || trade_seq > h.trades_written ||
      h.trades_written - (trade_seq - 1) > h.caps.trades) {
    return nullptr;
  }
  return &trades()[(trade_seq - 1) % h.caps.trades];
}

void State::rebuild_indices() noexcept {
  const StateHeader& h = header();
  order_index_view().clear();
  TradeIndex trade_index = trade_index_view();
  trade_index.clear();
  for (uint32_t slot = 0; slot < h.next_unused_slot; ++slot) {
    const OrderRecord& o = order_at(slot);
    if (o.id != 0 && o.cl_id != 0 && (o.flags & kFlagBracketExit) == 0 && o.client != kNoIndex) {
      index_insert(o.client, o.cl_id, slot);
    }
  }
  const uint64_t n = std::min<uint64_t>(h.trades_written, h.caps.trades);
  for (uint64_t pos = 0; pos < n; ++pos) {
    const TradeRecord& t = trades()[pos];
    trade_index.insert_absent(
        TradeIndexEntry{trade_key(t.instrument, t.trade_id).hash, static_cast<uint32_t>(pos)});
  }
}

void State::index_entry_written(void* self, const void* entry, uint32_t bytes) noexcept {
  auto* s = static_cast<State*>(self);
  s->log_->bytes(s->offset_of(entry), bytes);
}

ClientOrderIndex State::order_index_view() noexcept {
  return ClientOrderIndex(table<ClientOrderIndexEntry>(&StateOffsets::order_index),
                          caps().order_index, log_ != nullptr ? &index_entry_written : nullptr,
                          this);
}

TradeIndex State::trade_index_view() noexcept {
  return TradeIndex(table<TradeIndexEntry>(&StateOffsets::trade_index), caps().trade_index,
                    log_ != nullptr ? &index_entry_written : nullptr, this);
}

// The index views take a mutable table; a const view only ever calls the const find().
const ClientOrderIndex State::order_index_view() const noexcept {
  return ClientOrderIndex(
      const_cast<ClientOrderIndexEntry*>(ctable<ClientOrderIndexEntry>(&StateOffsets::order_index)),
      caps().order_index);
}

const TradeIndex State::trade_index_view() const noexcept {
  return TradeIndex(
      const_cast<TradeIndexEntry*>(ctable<TradeIndexEntry>(&StateOffsets::trade_index)),
      caps().trade_index);
}

Result<State> State::clone() const {
  void* mem = std::aligned_alloc(kAlign, region_size());
  if (mem == nullptr) return Error{"cannot allocate a copy of the state"};
  std::memcpy(mem, base_, region_size());
  return State(static_cast<std::byte*>(mem), RegionPtr(static_cast<std::byte*>(mem)));
}

Result<State> State::copy_shared(const std::byte* region, uint64_t size, uint64_t prefix) {
  void* mem = std::aligned_alloc(kAlign, size);
  if (mem == nullptr) return Error{"cannot allocate a copy of the state"};
  auto* base = static_cast<std::byte*>(mem);
  shm::relaxed_copy_out(base, region, prefix);
  std::memset(base + prefix, 0, size - prefix);
  return State(base, RegionPtr(base));
}

std::string State::serialize() const {
  std::string out;
  serialize_into(out);
  return out;
}

void State::serialize_into(std::string& out) const {
  for_each_canonical_range(*this, [&](const std::byte* p, uint64_t n) {
    out.append(reinterpret_cast<const char*>(p), n);
  });
}

uint64_t State::hash() const noexcept {
  XXH3_state_t st;  // on the stack: XXH_STATIC_LINKING_ONLY exposes its size
  XXH3_64bits_reset(&st);
  for_each_canonical_range(*this,
                           [&](const std::byte* p, uint64_t n) { XXH3_64bits_update(&st, p, n); });
  return XXH3_64bits_digest(&st);
}

Result<bool> State::restore(std::string_view bytes) {
  if (bytes.size() < sizeof(StateHeader)) return Error{"snapshot too short for a state header"};
  StateHeader incoming;
  std::memcpy(&incoming, bytes.data(), sizeof incoming);
  if (incoming.magic != kStateMagic) return Error{"snapshot has a bad magic number"};
  if (incoming.layout_version != kStateLayoutVersion) {
    return Error{fmt::format("snapshot layout version {} != {}", incoming.layout_version,
                             kStateLayoutVersion)};
  }
  if (std::memcmp(&incoming.caps, &caps(), sizeof(StateCapacities)) != 0 ||
      std::memcmp(&incoming.offsets, &header().offsets, sizeof(StateOffsets)) != 0) {
    return Error{"snapshot was taken with other capacities (config changed?)"};
  }
  if (incoming.next_unused_slot > incoming.caps.orders) return Error{"snapshot order count"};
  // Sizes follow from the incoming header: check the total before copying anything.
  const StateOffsets& o = incoming.offsets;
  const uint64_t expected =
      sizeof(StateHeader) + (o.orders - o.assets) +
      uint64_t{incoming.next_unused_slot} * (sizeof(OrderRecord) + sizeof(VenueId)) +
      uint64_t{incoming.caps.orders} * sizeof(uint32_t) +
      std::min<uint64_t>(incoming.trades_written, incoming.caps.trades) * sizeof(TradeRecord) +
      std::min<uint64_t>(incoming.ledger_written, incoming.caps.ledger) * sizeof(LedgerEntry);
  if (bytes.size() != expected) {
    return Error{
        fmt::format("snapshot is {} bytes, its header implies {}", bytes.size(), expected)};
  }
  // Lay the ranges out in a scratch copy and check every index in it before this State is
  // touched: a snapshot of the right size can still carry garbage, and a bad slot index would
  // only fail later, far from its cause.
  auto scratch = clone();
  if (!scratch) return Error{scratch.error()};
  State& t = *scratch;
  std::memset(t.base_ + o.orders, 0, o.end - o.orders);
  std::memcpy(t.base_, bytes.data(), sizeof(StateHeader));
  size_t at = 0;
  for_each_canonical_range(t, [&](const std::byte* p, uint64_t n) {
    std::memcpy(const_cast<std::byte*>(p), bytes.data() + at, n);
    at += n;
  });
  if (std::string problem = t.integrity_problem(); !problem.empty()) {
    return Error{"snapshot is corrupt: " + problem};
  }
  std::memcpy(base_, t.base_, region_size());
  if (log_ != nullptr) log_->everything();
  rebuild_indices();
  return true;
}

std::array<uint32_t, kOrderStatusCount> State::recount_orders_by_status() const noexcept {
  std::array<uint32_t, kOrderStatusCount> by_status{};
  for (uint32_t slot = 0; slot < header().next_unused_slot; ++slot) {
    const OrderRecord& o = order_at(slot);
    const auto status = static_cast<unsigned>(o.status);
    if (o.id != 0 && status < kOrderStatusCount) ++by_status[status];
  }
  return by_status;
}

std::string State::integrity_problem() const {
  const StateHeader& h = header();
  const StateCapacities& c = h.caps;
  const uint32_t used = h.next_unused_slot;
  auto slot_ok = [&](uint32_t s) { return s == kNoSlot || s < used; };
  auto index_ok = [](uint16_t i, uint32_t count) { return i == kNoIndex || i < count; };
  if (used > c.orders) return "order count beyond capacity";
  if (!slot_ok(h.live_head) || !slot_ok(h.live_tail)) return "live list head/tail";
  if (h.retire_head > h.retire_tail || h.retire_tail - h.retire_head > c.orders) {
    return "retire ring counters";
  }
  if (c.orders == 0 || c.trades == 0 || c.ledger == 0 ||
      h.retire_head_pos != h.retire_head % c.orders ||
      h.retire_tail_pos != h.retire_tail % c.orders ||
      h.trades_pos != h.trades_written % c.trades || h.ledger_pos != h.ledger_written % c.ledger) {
    return "ring positions";
  }
  for (uint64_t k = h.retire_head; k < h.retire_tail; ++k) {
    if (ctable<uint32_t>(&StateOffsets::retire_ring)[k % c.orders] >= used)
      return fmt::format("retire ring entry {}", k);
  }
  for (uint16_t i = 0; i < c.instruments; ++i) {
    const InstrumentRecord& ins = instrument(i);
    if (ins.base >= c.assets || ins.quote >= c.assets || ins.settle >= c.assets ||
        !in_range(static_cast<unsigned>(ins.kind), kInstrumentKindCount) ||
        !ins.tick_size.is_positive() || !ins.step_size.is_positive() || ins.max_leverage < 1) {
      return fmt::format("instrument {}", i);
    }
    const TriggerBookRecord& tb = trigger_book(i);
    if (!slot_ok(tb.head) || !slot_ok(tb.trail_head)) return fmt::format("trigger book {}", i);
  }
  for (uint16_t k = 0; k < c.strategies; ++k) {
    if (strategy(k).account >= c.accounts ||
        !in_range(static_cast<unsigned>(strategy(k).state), kStrategyStateCount)) {
      return fmt::format("strategy {}", k);
    }
  }
  for (uint16_t a = 0; a < c.accounts; ++a) {
    for (uint16_t i = 0; i < c.instruments; ++i) {
      if (position(a, i).leverage < 1) return fmt::format("leverage of position {}/{}", a, i);
    }
  }
  for (uint32_t slot = 0; slot < used; ++slot) {
    const OrderRecord& o = order_at(slot);
    if (!venue_order_id(slot).well_formed()) return fmt::format("venue order id in slot {}", slot);
    if (o.id == 0) continue;
    if (order_slot(o.id) != slot || !in_range(static_cast<unsigned>(o.side), kSideCount) ||
        !in_range(static_cast<unsigned>(o.type), kOrderTypeCount) ||
        !in_range(static_cast<unsigned>(o.tif), kTifCount) ||
        !in_range(static_cast<unsigned>(o.status), kOrderStatusCount) ||
        !in_range(static_cast<unsigned>(o.reject_reason), kRejectReasonCount) ||
        !index_ok(o.lock_asset, c.assets) || !index_ok(o.fee_asset, c.assets) ||
        !slot_ok(o.live_prev) || !slot_ok(o.live_next) || !slot_ok(o.trig_prev) ||
        !slot_ok(o.trig_next)) {
      return fmt::format("order in slot {}", slot);
    }
    // A working order must name real tables: apply() indexes them without checking again. (A
    // rejected one keeps the indices it was sent with, and nothing indexes tables with them.)
    if (!is_terminal(o.status) && (o.client >= c.clients || o.account >= c.accounts ||
                                   o.strategy >= c.strategies || o.instrument >= c.instruments)) {
      return fmt::format("working order in slot {} names no table", slot);
    }
  }
  // The live list must be a chain of exactly live_count working orders: no cycle, no stray.
  uint32_t seen = 0;
  uint32_t prev = kNoSlot;
  for (uint32_t slot = h.live_head; slot != kNoSlot; slot = order_at(slot).live_next) {
    if (++seen > h.live_count || order_at(slot).live_prev != prev ||
        is_terminal(order_at(slot).status)) {
      return "live list";
    }
    prev = slot;
  }
  if (seen != h.live_count || prev != h.live_tail) return "live list length";
  if (const auto counted = recount_orders_by_status();
      !std::equal(counted.begin(), counted.end(), std::begin(h.orders_by_status))) {
    return "order counts by status";
  }
  for (uint16_t i = 0; i < c.instruments; ++i) {
    const TriggerBookRecord& tb = trigger_book(i);
    uint32_t n = 0;
    for (uint32_t head : {tb.head, tb.trail_head}) {
      uint32_t p = kNoSlot;
      for (uint32_t slot = head; slot != kNoSlot; slot = order_at(slot).trig_next) {
        const OrderRecord& o = order_at(slot);
        if (++n > tb.count || o.trig_prev != p || o.instrument != i ||
            o.status != OrderStatus::kUntriggered) {
          return fmt::format("trigger list of instrument {}", i);
        }
        p = slot;
      }
    }
    if (n != tb.count) return fmt::format("trigger list length of instrument {}", i);
  }
  const uint64_t trade_count = std::min<uint64_t>(h.trades_written, c.trades);
  for (uint64_t k = 0; k < trade_count; ++k) {
    const TradeRecord& t = trades()[k];
    if (t.instrument >= c.instruments || t.trade_id.empty() || !t.trade_id.well_formed()) {
      return fmt::format("trade {}", k);
    }
  }
  const uint64_t entries = std::min<uint64_t>(h.ledger_written, c.ledger);
  for (uint64_t k = 0; k < entries; ++k) {
    const LedgerEntry& e = ledger()[k];
    if (e.account >= c.accounts || e.asset >= c.assets ||
        !in_range(static_cast<unsigned>(e.kind), kLedgerKindCount)) {
      return fmt::format("ledger entry {}", k);
    }
  }
  return {};
}

}  // namespace ose
