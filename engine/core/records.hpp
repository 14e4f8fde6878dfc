// The fixed-size records of the engine State (DESIGN §4). Every record is a plain struct with
// no pointers and no padding, so the same bytes can live in a heap buffer, a shared-memory
// segment or a snapshot, and a hash over them is canonical. Readers in other processes copy
// them, so each struct is followed by its field list (shm/layout.hpp), which the shared layout
// fingerprint hashes: a field added to a record must be added to its list too, or the build
// fails. References between records are
// table indices (uint16 for configured entities, uint32 for order slots) or engine order ids.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "engine/core/enums.hpp"
#include "engine/core/fixed_point.hpp"
#include "shm/layout.hpp"

namespace ose {

inline constexpr uint16_t kNoIndex = 0xFFFF;      // "no such asset/instrument/account/..."
inline constexpr uint32_t kNoSlot = 0xFFFF'FFFF;  // end of an intrusive order list
inline constexpr int kNameLen = 16;               // symbols ≤ 15 chars, codes ≤ 11, + NUL
inline constexpr int kMaxAccounts = 256;          // a client's account set is a 256-bit mask

// An order id is (generation << 32) | slot: O(1) lookup, and a reader holding a stale id sees
// the generation differ once the slot is reused. Generations start at 1, so no id is 0.
constexpr uint32_t order_slot(uint64_t id) noexcept {
  return static_cast<uint32_t>(id);
}
constexpr uint32_t order_generation(uint64_t id) noexcept {
  return static_cast<uint32_t>(id >> 32);
}
constexpr uint64_t make_order_id(uint32_t generation, uint32_t slot) noexcept {
  return (static_cast<uint64_t>(generation) << 32) | slot;
}

// A venue's id of a trade or an order (DESIGN §4, §8): opaque bytes exactly as the venue sent
// them — a UUID, `TCWJEG-FL4SZ-3FKGH6`, a digit string longer than 64 bits — at most kVenueIdLen
// bytes, NUL-padded. Empty means none. The edges refuse an id with a NUL inside, and apply()
// refuses one that is not well_formed(): padding not all NUL (so equal ids have equal bytes and
// the length is where the first NUL is), or not UTF-8 (every JSON output must be able to show
// it as sent).
inline constexpr int kVenueIdLen = 48;

struct alignas(8) VenueId {  // 8-aligned: readers copy it in 8-byte words
  char bytes[kVenueIdLen];

  // Both read the id a word at a time (every fill checks its trade id): a byte loop over 48
  // bytes was a tenth of a fill's own time.
  size_t size() const noexcept {
    for (size_t k = 0; k < kWords; ++k) {
      const uint64_t w = word(k);
      // Lowest byte of w that is zero: the classic test flags false zeros only above a true one.
      const uint64_t zero = (w - 0x0101'0101'0101'0101ull) & ~w & 0x8080'8080'8080'8080ull;
      if (zero != 0) return k * 8 + static_cast<size_t>(__builtin_ctzll(zero)) / 8;
    }
    return kVenueIdLen;
  }
  bool empty() const noexcept { return bytes[0] == '\0'; }
  std::string_view view() const noexcept { return std::string_view(bytes, size()); }
  // Nothing but NULs after the id: the one byte representation of each id.
  bool canonical() const noexcept {
    const size_t n = size();
    for (size_t k = n / 8; k < kWords; ++k) {
      const size_t first = k * 8 < n ? n - k * 8 : 0;  // bytes of this word still in the id
      const uint64_t padding = first == 0 ? ~uint64_t{0} : ~uint64_t{0} << (8 * first);
      if ((word(k) & padding) != 0) return false;
    }
    return true;
  }
  // canonical() and valid UTF-8 (no overlong forms, no surrogates, ≤ U+10FFFF).
  bool well_formed() const noexcept {
    if (!canonical()) return false;
    const size_t n = size();
    size_t i = 0;
    while (i < n) {
      const auto b = static_cast<unsigned char>(bytes[i]);
      if (b < 0x80) {
        ++i;
        continue;
      }
      size_t len = 0;
      uint32_t cp = 0;
      if ((b & 0xE0) == 0xC0) {
        len = 2;
        cp = b & 0x1Fu;
      } else if ((b & 0xF0) == 0xE0) {
        len = 3;
        cp = b & 0x0Fu;
      } else if ((b & 0xF8) == 0xF0) {
        len = 4;
        cp = b & 0x07u;
      } else {
        return false;
      }
      if (i + len > n) return false;
      for (size_t k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(bytes[i + k]);
        if ((c & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (c & 0x3Fu);
      }
      const uint32_t min = len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u;
      if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) return false;
      i += len;
    }
    return true;
  }
  friend bool operator==(const VenueId& a, const VenueId& b) noexcept {
    return std::memcmp(a.bytes, b.bytes, kVenueIdLen) == 0;
  }

  static constexpr size_t kWords = kVenueIdLen / 8;
  // Word k of the id, little-endian (byte 8k is its lowest byte).
  uint64_t word(size_t k) const noexcept {
    uint64_t w;
    std::memcpy(&w, bytes + k * 8, 8);
    static_assert(std::endian::native == std::endian::little);
    return w;
  }

  // False (and `out` untouched) when `id` is longer than kVenueIdLen or holds a NUL byte.
  static bool from(std::string_view id, VenueId& out) noexcept {
    if (id.size() > kVenueIdLen || id.find('\0') != std::string_view::npos) return false;
    out = VenueId{};
    std::memcpy(out.bytes, id.data(), id.size());
    return true;
  }
  // The decimal digits of `n` (a JSON integer id, and every id of journal format 1); 0 gives
  // "0", not an empty id.
  static VenueId digits(uint64_t n) noexcept {
    char tmp[20];
    int len = 0;
    do {
      tmp[len++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    VenueId out{};
    for (int i = 0; i < len; ++i) out.bytes[i] = tmp[len - 1 - i];
    return out;
  }
};
#define OSE_VENUE_ID_FIELDS(X) X(VenueId, bytes)
OSE_LAYOUT_ASSERT(VenueId, OSE_VENUE_ID_FIELDS, 0);

struct AssetRecord {
  char code[kNameLen];
  int32_t precision;  // display digits, from config; amounts are always 1e-8 internally
  uint32_t reserved;
};
// clang-format off
#define OSE_ASSET_RECORD_FIELDS(X)                                                                \
  X(AssetRecord, code) X(AssetRecord, precision) X(AssetRecord, reserved)
// clang-format on

struct InstrumentRecord {
  char symbol[kNameLen];
  InstrumentKind kind;
  uint8_t halted;  // config status "halted" or a halt command; resume clears it
  uint16_t base;
  uint16_t quote;
  uint16_t settle;
  int32_t max_leverage;
  uint32_t reserved;
  Price tick_size;
  Qty step_size;
  Qty min_qty;
  Qty max_qty;
  Amount min_notional;  // quote units
  Rate maker_fee;
  Rate taker_fee;
  Rate multiplier;  // quote units per contract (inverse); contract size (linear); 1 for spot
  Rate maintenance_margin;
  Rate price_band;  // max |limit − mark| / mark
};
// clang-format off
#define OSE_INSTRUMENT_RECORD_FIELDS(X)                                                           \
  X(InstrumentRecord, symbol) X(InstrumentRecord, kind) X(InstrumentRecord, halted)               \
  X(InstrumentRecord, base) X(InstrumentRecord, quote) X(InstrumentRecord, settle)                \
  X(InstrumentRecord, max_leverage) X(InstrumentRecord, reserved)                                 \
  X(InstrumentRecord, tick_size) X(InstrumentRecord, step_size) X(InstrumentRecord, min_qty)      \
  X(InstrumentRecord, max_qty) X(InstrumentRecord, min_notional) X(InstrumentRecord, maker_fee)   \
  X(InstrumentRecord, taker_fee) X(InstrumentRecord, multiplier)                                  \
  X(InstrumentRecord, maintenance_margin) X(InstrumentRecord, price_band)
// clang-format on

struct alignas(8) AccountRecord {  // 8-aligned: readers copy it in 8-byte words
  char name[kNameLen];
  AccountType type;
  uint8_t halted;
  uint16_t reserved;
  int32_t default_leverage;
};
// clang-format off
#define OSE_ACCOUNT_RECORD_FIELDS(X)                                                              \
  X(AccountRecord, name) X(AccountRecord, type) X(AccountRecord, halted)                          \
  X(AccountRecord, reserved) X(AccountRecord, default_leverage)
// clang-format on

// Per (account, asset). total = free + locked. Spot: locked = Σ reservations of working
// orders. Futures settle asset: locked = Σ order margins + Σ position margins.
struct BalanceRecord {
  Amount free;
  Amount locked;
};
#define OSE_BALANCE_RECORD_FIELDS(X) X(BalanceRecord, free) X(BalanceRecord, locked)

struct StrategyRecord {
  char name[kNameLen];
  uint16_t account;
  StrategyState state;
  uint8_t halted;
  int32_t max_open_orders;
  int32_t max_daily_trades;
  uint32_t open_orders;  // working + untriggered orders
  Qty max_position;
  Amount max_order_notional;  // quote units
  Amount max_daily_loss;      // settle units, net of fees
  // Live statistics. PnL figures add settle units across instruments (a strategy is expected
  // to trade one settle asset; mixing USDT and BTC settled instruments adds unlike units).
  int64_t orders;  // new orders accepted
  int64_t fills;
  int64_t wins;          // closing fills with positive gross realized PnL
  int64_t losses;        // closing fills with negative gross realized PnL
  Amount volume;         // Σ fill notional, quote units
  Amount fees;           // Σ fees valued in settle units (DESIGN §4 position fee rule)
  Amount realized_pnl;   // gross
  Amount peak_equity;    // max over time of realized_pnl − fees
  Amount max_drawdown;   // max over time of peak_equity − (realized_pnl − fees)
  int64_t day_index;     // UTC day (ts / 86400e9) the daily counters belong to
  Amount day_start_net;  // realized_pnl − fees at the start of day_index
  int64_t day_trades;    // fills since 00:00 UTC of day_index
};
// clang-format off
#define OSE_STRATEGY_RECORD_FIELDS(X)                                                             \
  X(StrategyRecord, name) X(StrategyRecord, account) X(StrategyRecord, state)                     \
  X(StrategyRecord, halted) X(StrategyRecord, max_open_orders)                                    \
  X(StrategyRecord, max_daily_trades) X(StrategyRecord, open_orders)                              \
  X(StrategyRecord, max_position) X(StrategyRecord, max_order_notional)                           \
  X(StrategyRecord, max_daily_loss) X(StrategyRecord, orders) X(StrategyRecord, fills)            \
  X(StrategyRecord, wins) X(StrategyRecord, losses) X(StrategyRecord, volume)                     \
  X(StrategyRecord, fees) X(StrategyRecord, realized_pnl) X(StrategyRecord, peak_equity)          \
  X(StrategyRecord, max_drawdown) X(StrategyRecord, day_index) X(StrategyRecord, day_start_net)   \
  X(StrategyRecord, day_trades)
// clang-format on

struct ClientRecord {
  char name[kNameLen];
  ClientRole role;
  uint8_t reserved[3];
  uint32_t rate_limit;                   // new orders per second; 0 = unlimited
  uint64_t accounts[kMaxAccounts / 64];  // bit i: may act for account i; ["*"] sets every bit
  int64_t tokens_e9;                     // token bucket, in 1e-9 orders; capacity rate_limit·1e9
  int64_t bucket_ts;                     // input ts of the last refill
};
// clang-format off
#define OSE_CLIENT_RECORD_FIELDS(X)                                                               \
  X(ClientRecord, name) X(ClientRecord, role) X(ClientRecord, reserved)                           \
  X(ClientRecord, rate_limit) X(ClientRecord, accounts) X(ClientRecord, tokens_e9)                \
  X(ClientRecord, bucket_ts)
// clang-format on

// Netting position, per (account, instrument) and per (strategy, instrument).
struct PositionRecord {
  Qty size;  // signed: > 0 long
  Price avg_entry_price;
  Amount realized_pnl;      // gross, settle units
  Amount fees;              // settle units
  Amount unrealized_pnl;    // at the instrument's mark, refreshed on ticks and fills
  Amount margin;            // futures: |q|·avg·mult/L (inverse |q|·mult/(avg·L))
  Price liquidation_price;  // isolated; 0 when flat or spot
  Qty open_buy_qty;         // remaining qty of working + untriggered buy orders
  Qty open_sell_qty;
  int32_t leverage;  // account positions: set_leverage target; strategy positions: unused
  uint8_t touched;   // 1 once any fill or leverage change reached it (for display)
  uint8_t reserved[3];
};
// clang-format off
#define OSE_POSITION_RECORD_FIELDS(X)                                                             \
  X(PositionRecord, size) X(PositionRecord, avg_entry_price) X(PositionRecord, realized_pnl)      \
  X(PositionRecord, fees) X(PositionRecord, unrealized_pnl) X(PositionRecord, margin)             \
  X(PositionRecord, liquidation_price) X(PositionRecord, open_buy_qty)                            \
  X(PositionRecord, open_sell_qty) X(PositionRecord, leverage) X(PositionRecord, touched)         \
  X(PositionRecord, reserved)
// clang-format on

struct MarketRecord {
  Price bid;
  Price ask;
  Price last;
  Price mark;  // mid when bid and ask are present, else last
  Qty bid_qty;
  Qty ask_qty;
  Qty volume;  // 24h, as the feed reports it
  int64_t ts;
  uint8_t has_bid;
  uint8_t has_ask;
  uint8_t has_last;
  uint8_t has_mark;
  uint32_t reserved;
};
// clang-format off
#define OSE_MARKET_RECORD_FIELDS(X)                                                               \
  X(MarketRecord, bid) X(MarketRecord, ask) X(MarketRecord, last) X(MarketRecord, mark)           \
  X(MarketRecord, bid_qty) X(MarketRecord, ask_qty) X(MarketRecord, volume) X(MarketRecord, ts)   \
  X(MarketRecord, has_bid) X(MarketRecord, has_ask) X(MarketRecord, has_last)                     \
  X(MarketRecord, has_mark) X(MarketRecord, reserved)
// clang-format on

// Per instrument: untriggered conditional orders as two intrusive lists, plus the nearest
// thresholds of the fixed-price list so that most ticks skip it. Thresholds are conservative: a
// cancel leaves them stale, which costs one extra scan that recomputes them.
struct TriggerBookRecord {
  uint32_t head;        // stop / take-profit orders: visited only when a threshold is crossed
  uint32_t trail_head;  // trailing stops: their level moves, so every tick visits them
  uint32_t count;       // both lists
  uint32_t trailing_count;
  Price min_up;    // lowest price at which an "at or above" order triggers; INT64_MAX if none
  Price max_down;  // highest price at which an "at or below" order triggers; INT64_MIN if none
};
// clang-format off
#define OSE_TRIGGER_BOOK_RECORD_FIELDS(X)                                                         \
  X(TriggerBookRecord, head) X(TriggerBookRecord, trail_head) X(TriggerBookRecord, count)         \
  X(TriggerBookRecord, trailing_count) X(TriggerBookRecord, min_up)                               \
  X(TriggerBookRecord, max_down)
// clang-format on

enum OrderFlags : uint8_t {
  kFlagPostOnly = 1u << 0,
  kFlagReduceOnly = 1u << 1,
  kFlagBracketExit = 1u << 2,  // created by the engine from an entry's stop_loss/take_profit
  kFlagSharedLock = 1u << 3,   // bracket exit whose spot reservation is held by its sibling
  kFlagTrailActive = 1u << 4,  // trailing stop past its activation price
  kFlagTriggered = 1u << 5,    // a conditional order that has been triggered
};

// The venue's order id is not here but in a parallel table of VenueId by slot
// (State::venue_order_id): it is written once, on ack, and only read for display, so the
// record every input touches stays three cache lines (docs/design/0001, "Venue ids").
struct OrderRecord {
  uint64_t id;  // 0 while the slot has never been used
  uint64_t cl_id;
  uint64_t linked_id;  // bracket: entry → SL exit; exit → sibling exit (OCO)
  uint16_t client;
  uint16_t account;
  uint16_t strategy;
  uint16_t instrument;
  Side side;
  OrderType type;  // for a triggered conditional order: still the original type
  Tif tif;
  OrderStatus status;
  RejectReason reject_reason;
  uint8_t flags;  // OrderFlags
  uint8_t reserved0;
  uint16_t lock_asset;  // asset that `reserved` is held in; kNoIndex if none
  uint16_t fee_asset;   // asset of the last fill's fee
  uint32_t reserved1;
  Qty qty;
  Price price;       // limit price; 0 for market types
  Price stop_price;  // trigger for stop/take-profit; the current trigger for trailing stops
  Rate callback_rate;
  Price activation_price;
  Price trail_extreme;  // highest (sell) or lowest (buy) last since activation
  Price stop_loss;      // bracket prices attached to an entry
  Price take_profit;
  Qty filled_qty;
  Price avg_fill_price;  // linear average for spot/linear, harmonic for inverse
  Amount fees;           // Σ fee amounts in fee_asset units as reported (see docs)
  Amount reserved;       // what is still locked for this order, in lock_asset
  Qty exit_qty;          // bracket entry: qty its exits have been sized to
  int64_t expire_ts;
  int64_t created_ts;
  int64_t updated_ts;
  uint32_t live_prev;  // intrusive list of non-terminal orders (cancel_all, GTD expiry)
  uint32_t live_next;
  uint32_t trig_prev;  // intrusive list of the instrument's untriggered orders
  uint32_t trig_next;
};
// clang-format off
#define OSE_ORDER_RECORD_FIELDS(X)                                                                \
  X(OrderRecord, id) X(OrderRecord, cl_id) X(OrderRecord, linked_id) X(OrderRecord, client)       \
  X(OrderRecord, account)                                                                         \
  X(OrderRecord, strategy) X(OrderRecord, instrument) X(OrderRecord, side) X(OrderRecord, type)   \
  X(OrderRecord, tif) X(OrderRecord, status) X(OrderRecord, reject_reason)                        \
  X(OrderRecord, flags) X(OrderRecord, reserved0) X(OrderRecord, lock_asset)                      \
  X(OrderRecord, fee_asset) X(OrderRecord, reserved1) X(OrderRecord, qty) X(OrderRecord, price)   \
  X(OrderRecord, stop_price) X(OrderRecord, callback_rate) X(OrderRecord, activation_price)       \
  X(OrderRecord, trail_extreme) X(OrderRecord, stop_loss) X(OrderRecord, take_profit)             \
  X(OrderRecord, filled_qty) X(OrderRecord, avg_fill_price) X(OrderRecord, fees)                  \
  X(OrderRecord, reserved) X(OrderRecord, exit_qty) X(OrderRecord, expire_ts)                     \
  X(OrderRecord, created_ts) X(OrderRecord, updated_ts) X(OrderRecord, live_prev)                 \
  X(OrderRecord, live_next) X(OrderRecord, trig_prev) X(OrderRecord, trig_next)
// clang-format on

// A fill that has been applied; kept in a FIFO ring so duplicate trade ids are detected for the
// last `max_trades` fills. The full id is here: the trade index only holds its hash, and a hash
// match is confirmed against this record (dedup is exact). One cache line.
struct TradeRecord {
  VenueId trade_id;
  uint64_t order_id;
  uint16_t instrument;
  uint16_t reserved0;
  uint32_t reserved1;
};
// clang-format off
#define OSE_TRADE_RECORD_FIELDS(X)                                                                \
  X(TradeRecord, trade_id) X(TradeRecord, order_id) X(TradeRecord, instrument)                    \
  X(TradeRecord, reserved0) X(TradeRecord, reserved1)
// clang-format on

enum class LedgerKind : uint8_t {
  kDeposit = 0,
  kWithdrawal = 1,
  kLock = 2,        // free → locked for an order (spot reservation or order margin)
  kRelease = 3,     // locked → free: cancel, reject, expiry, price improvement, resizing
  kSettlement = 4,  // a fill's asset movement (spot)
  kFee = 5,
  kRealizedPnl = 6,     // futures
  kPositionMargin = 7,  // futures: free ↔ locked as the position margin changes
};
inline constexpr int kLedgerKindCount = 8;
std::string_view to_string(LedgerKind k) noexcept;

// One balance change. Invariant per (account, asset): free_after = previous free_after +
// delta_free and the same for locked — the chain the property test walks.
struct LedgerEntry {
  uint64_t seq;
  int64_t ts;
  uint64_t order_id;  // 0 when not caused by an order
  Amount delta_free;
  Amount delta_locked;
  Amount free_after;
  Amount locked_after;
  uint16_t account;
  uint16_t asset;
  LedgerKind kind;
  uint8_t reserved0;
  uint16_t reserved1;
};
// clang-format off
#define OSE_LEDGER_ENTRY_FIELDS(X)                                                                \
  X(LedgerEntry, seq) X(LedgerEntry, ts) X(LedgerEntry, order_id) X(LedgerEntry, delta_free)      \
  X(LedgerEntry, delta_locked) X(LedgerEntry, free_after) X(LedgerEntry, locked_after)            \
  X(LedgerEntry, account) X(LedgerEntry, asset) X(LedgerEntry, kind) X(LedgerEntry, reserved0)    \
  X(LedgerEntry, reserved1)
// clang-format on

// Entry in the (client, cl_id) → order slot hash table (open addressing, linear probing,
// backward-shift deletion: no tombstones, so probe lengths do not decay). Eight bytes: it keeps
// 32 bits of the pair's hash, which place the entry (its home is hash & mask, and the table has
// at most 2^32 entries) and nominate candidates; the order record in `slot` decides, as the trade
// ring does for the trade index. The order is read anyway by whoever looks it up.
struct ClientOrderIndexEntry {
  uint32_t hash;  // low 32 bits of pair_hash(client, cl_id)
  uint32_t slot;  // kNoSlot = empty
};
// clang-format off
#define OSE_CLIENT_ORDER_INDEX_ENTRY_FIELDS(X)                                                    \
  X(ClientOrderIndexEntry, hash) X(ClientOrderIndexEntry, slot)
// clang-format on

// Entry in the (instrument, trade_id) → trade ring position hash table. Eight bytes: 32 bits of
// the pair's hash place the entry and nominate candidates; the TradeRecord at ring_pos decides.
struct TradeIndexEntry {
  uint32_t hash;      // low 32 bits of trade_id_hash(instrument, id)
  uint32_t ring_pos;  // kNoSlot = empty
};
// clang-format off
#define OSE_TRADE_INDEX_ENTRY_FIELDS(X)                                                           \
  X(TradeIndexEntry, hash) X(TradeIndexEntry, ring_pos)
// clang-format on

// Each record's field list (OSE_<RECORD>_FIELDS, after the struct) is what the shared layout
// fingerprint hashes; OSE_LAYOUT_ASSERT proves it names every field, with no padding left over.
#define OSE_ASSERT_RECORD(T, FIELDS)                                                      \
  static_assert(std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>, #T);     \
  static_assert(std::has_unique_object_representations_v<T>, #T " must have no padding"); \
  static_assert(sizeof(T) % 8 == 0, #T " must be a multiple of 8 bytes");                 \
  OSE_LAYOUT_ASSERT(T, FIELDS, 0)

OSE_ASSERT_RECORD(AssetRecord, OSE_ASSET_RECORD_FIELDS);
OSE_ASSERT_RECORD(InstrumentRecord, OSE_INSTRUMENT_RECORD_FIELDS);
OSE_ASSERT_RECORD(AccountRecord, OSE_ACCOUNT_RECORD_FIELDS);
OSE_ASSERT_RECORD(BalanceRecord, OSE_BALANCE_RECORD_FIELDS);
OSE_ASSERT_RECORD(StrategyRecord, OSE_STRATEGY_RECORD_FIELDS);
OSE_ASSERT_RECORD(ClientRecord, OSE_CLIENT_RECORD_FIELDS);
OSE_ASSERT_RECORD(PositionRecord, OSE_POSITION_RECORD_FIELDS);
OSE_ASSERT_RECORD(MarketRecord, OSE_MARKET_RECORD_FIELDS);
OSE_ASSERT_RECORD(TriggerBookRecord, OSE_TRIGGER_BOOK_RECORD_FIELDS);
OSE_ASSERT_RECORD(OrderRecord, OSE_ORDER_RECORD_FIELDS);
OSE_ASSERT_RECORD(TradeRecord, OSE_TRADE_RECORD_FIELDS);
OSE_ASSERT_RECORD(LedgerEntry, OSE_LEDGER_ENTRY_FIELDS);
OSE_ASSERT_RECORD(ClientOrderIndexEntry, OSE_CLIENT_ORDER_INDEX_ENTRY_FIELDS);
OSE_ASSERT_RECORD(TradeIndexEntry, OSE_TRADE_INDEX_ENTRY_FIELDS);
static_assert(sizeof(OrderRecord) == 192, "order record layout changed: bump layout version");
static_assert(sizeof(TradeRecord) == 64);
static_assert(sizeof(LedgerEntry) == 64);

}  // namespace ose
