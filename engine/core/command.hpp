// Commands and Inputs: what apply() consumes. A Command is a fixed-size POD so that it can be
// copied out of a shared-memory ring, journaled byte for byte and replayed. Names are resolved
// to table indices at the edge (scenario parser, client library); an unresolvable name arrives
// as kNoIndex and apply() rejects it with the matching UNKNOWN_* reason, in the DESIGN §5 order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "engine/core/enums.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/core/records.hpp"
#include "shm/layout.hpp"

namespace ose {

enum class Op : uint8_t {
  kNone = 0,
  kDeposit = 1,
  kWithdraw = 2,
  kNewOrder = 3,
  kCancel = 4,
  kAmend = 5,
  kCancelAll = 6,
  kAck = 7,
  kVenueReject = 8,
  kFill = 9,
  kCancelAck = 10,
  kExpired = 11,
  kTick = 12,
  kSetStrategy = 13,
  kHalt = 14,
  kResume = 15,
  kSetLeverage = 16,
  kTimer = 17,        // engine-generated: runs GTD expiry at its ts and nothing else
  kPersistence = 18,  // engine-generated: the journal stopped or resumed (PersistenceCmd)
};
inline constexpr int kOpCount = 19;
std::string_view to_string(Op op) noexcept;

// Names an existing order: by engine id when order_id != 0, else by (client, cl_id).
struct OrderRef {
  uint64_t order_id;
  uint64_t cl_id;
  uint16_t client;
  uint16_t reserved[3];
};
// clang-format off
#define OSE_ORDER_REF_FIELDS(X)                                                                   \
  X(OrderRef, order_id) X(OrderRef, cl_id) X(OrderRef, client) X(OrderRef, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(OrderRef, OSE_ORDER_REF_FIELDS, 0);

struct BalanceCmd {  // deposit, withdraw
  uint16_t account;
  uint16_t asset;
  uint32_t reserved;
  Amount amount;
};
// clang-format off
#define OSE_BALANCE_CMD_FIELDS(X)                                                                 \
  X(BalanceCmd, account) X(BalanceCmd, asset) X(BalanceCmd, reserved) X(BalanceCmd, amount)
// clang-format on
OSE_LAYOUT_ASSERT(BalanceCmd, OSE_BALANCE_CMD_FIELDS, 0);

struct NewOrderCmd {
  uint64_t cl_id;
  uint16_t client;
  uint16_t account;
  uint16_t strategy;
  uint16_t instrument;
  uint8_t side;  // raw: validated by apply(), MALFORMED when out of range
  uint8_t type;
  uint8_t tif;
  uint8_t flags;  // kFlagPostOnly | kFlagReduceOnly
  uint32_t reserved;
  Qty qty;
  Price price;
  Price stop_price;
  Rate callback_rate;
  Price activation_price;
  Price stop_loss;    // bracket: 0 = none
  Price take_profit;  // bracket: 0 = none
  int64_t expire_ts;
};
// clang-format off
#define OSE_NEW_ORDER_CMD_FIELDS(X)                                                               \
  X(NewOrderCmd, cl_id) X(NewOrderCmd, client) X(NewOrderCmd, account) X(NewOrderCmd, strategy)   \
  X(NewOrderCmd, instrument) X(NewOrderCmd, side) X(NewOrderCmd, type) X(NewOrderCmd, tif)        \
  X(NewOrderCmd, flags) X(NewOrderCmd, reserved) X(NewOrderCmd, qty) X(NewOrderCmd, price)        \
  X(NewOrderCmd, stop_price) X(NewOrderCmd, callback_rate) X(NewOrderCmd, activation_price)       \
  X(NewOrderCmd, stop_loss) X(NewOrderCmd, take_profit) X(NewOrderCmd, expire_ts)
// clang-format on
OSE_LAYOUT_ASSERT(NewOrderCmd, OSE_NEW_ORDER_CMD_FIELDS, 0);

struct AmendCmd {
  OrderRef ref;
  Qty qty;      // 0 = unchanged
  Price price;  // 0 = unchanged
};
#define OSE_AMEND_CMD_FIELDS(X) X(AmendCmd, ref) X(AmendCmd, qty) X(AmendCmd, price)
OSE_LAYOUT_ASSERT(AmendCmd, OSE_AMEND_CMD_FIELDS, 0);

struct CancelAllCmd {  // kNoIndex = any
  uint16_t account;
  uint16_t strategy;
  uint16_t instrument;
  uint16_t reserved;
};
// clang-format off
#define OSE_CANCEL_ALL_CMD_FIELDS(X)                                                              \
  X(CancelAllCmd, account) X(CancelAllCmd, strategy) X(CancelAllCmd, instrument)                  \
  X(CancelAllCmd, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(CancelAllCmd, OSE_CANCEL_ALL_CMD_FIELDS, 0);

struct AckCmd {
  OrderRef ref;
  VenueId venue_order_id;  // empty: keep what the order has
};
#define OSE_ACK_CMD_FIELDS(X) X(AckCmd, ref) X(AckCmd, venue_order_id)
OSE_LAYOUT_ASSERT(AckCmd, OSE_ACK_CMD_FIELDS, 0);

struct VenueRejectCmd {
  OrderRef ref;
  RejectReason reason;  // a known reason name, else kVenueRejected
  uint16_t reserved[3];
};
// clang-format off
#define OSE_VENUE_REJECT_CMD_FIELDS(X)                                                            \
  X(VenueRejectCmd, ref) X(VenueRejectCmd, reason) X(VenueRejectCmd, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(VenueRejectCmd, OSE_VENUE_REJECT_CMD_FIELDS, 0);

struct FillCmd {
  OrderRef ref;
  VenueId trade_id;  // required: an empty or non-canonical id is MALFORMED
  Qty qty;
  Price price;
  Amount fee;
  uint16_t fee_asset;
  uint8_t liquidity;
  uint8_t reserved[5];
};
// clang-format off
#define OSE_FILL_CMD_FIELDS(X)                                                                    \
  X(FillCmd, ref) X(FillCmd, trade_id) X(FillCmd, qty) X(FillCmd, price) X(FillCmd, fee)          \
  X(FillCmd, fee_asset) X(FillCmd, liquidity) X(FillCmd, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(FillCmd, OSE_FILL_CMD_FIELDS, 0);

enum TickFields : uint8_t {
  kTickBid = 1u << 0,
  kTickAsk = 1u << 1,
  kTickBidQty = 1u << 2,
  kTickAskQty = 1u << 3,
  kTickLast = 1u << 4,
  kTickVolume = 1u << 5,
};

struct TickCmd {
  uint16_t instrument;
  uint8_t fields;  // TickFields present
  uint8_t reserved[5];
  Price bid;
  Price ask;
  Qty bid_qty;
  Qty ask_qty;
  Price last;
  Qty volume;
};
// clang-format off
#define OSE_TICK_CMD_FIELDS(X)                                                                    \
  X(TickCmd, instrument) X(TickCmd, fields) X(TickCmd, reserved) X(TickCmd, bid)                  \
  X(TickCmd, ask) X(TickCmd, bid_qty) X(TickCmd, ask_qty) X(TickCmd, last) X(TickCmd, volume)
// clang-format on
OSE_LAYOUT_ASSERT(TickCmd, OSE_TICK_CMD_FIELDS, 0);

struct SetStrategyCmd {
  uint16_t strategy;
  uint8_t state;
  uint8_t reserved[5];
};
// clang-format off
#define OSE_SET_STRATEGY_CMD_FIELDS(X)                                                            \
  X(SetStrategyCmd, strategy) X(SetStrategyCmd, state) X(SetStrategyCmd, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(SetStrategyCmd, OSE_SET_STRATEGY_CMD_FIELDS, 0);

struct HaltCmd {  // halt, resume
  uint8_t scope;
  uint8_t reserved;
  uint16_t target;  // index in the scope's table; unused for global
  uint32_t reserved2;
};
// clang-format off
#define OSE_HALT_CMD_FIELDS(X)                                                                    \
  X(HaltCmd, scope) X(HaltCmd, reserved) X(HaltCmd, target) X(HaltCmd, reserved2)
// clang-format on
OSE_LAYOUT_ASSERT(HaltCmd, OSE_HALT_CMD_FIELDS, 0);

// The Runner's record that the journal stopped (or resumed) taking writes. It is an input, not a
// side channel, so that the PERSISTENCE_STOPPED rejects it causes replay exactly.
struct PersistenceCmd {
  uint8_t available;  // 0: journal failing, new orders rejected; 1: journal writing again
  uint8_t reserved[7];
};
#define OSE_PERSISTENCE_CMD_FIELDS(X) X(PersistenceCmd, available) X(PersistenceCmd, reserved)
OSE_LAYOUT_ASSERT(PersistenceCmd, OSE_PERSISTENCE_CMD_FIELDS, 0);

struct SetLeverageCmd {
  uint16_t account;
  uint16_t instrument;
  int32_t leverage;
};
// clang-format off
#define OSE_SET_LEVERAGE_CMD_FIELDS(X)                                                            \
  X(SetLeverageCmd, account) X(SetLeverageCmd, instrument) X(SetLeverageCmd, leverage)
// clang-format on
OSE_LAYOUT_ASSERT(SetLeverageCmd, OSE_SET_LEVERAGE_CMD_FIELDS, 0);

struct Command {
  // Zeroes every byte of the payload: two equal commands have equal journal bytes. (The union
  // members' fixed-point fields have default initializers, so the union needs this spelled out.)
  Command() noexcept : op(Op::kNone), reserved{}, bytes{} {}

  Op op;
  uint8_t reserved[7];
  union {
    BalanceCmd balance;
    NewOrderCmd new_order;
    OrderRef cancel;
    AmendCmd amend;
    CancelAllCmd cancel_all;
    AckCmd ack;
    VenueRejectCmd venue_reject;
    FillCmd fill;
    OrderRef cancel_ack;
    OrderRef expired;
    TickCmd tick;
    SetStrategyCmd set_strategy;
    HaltCmd halt;
    SetLeverageCmd set_leverage;
    PersistenceCmd persistence;
    uint8_t bytes[104];
  };
};
// The anonymous union is listed by `bytes`, its widest member: the list must cover Command with
// no byte left over (a structured binding cannot decompose a union, so this is the check). Its
// alternatives are listed apart, each at the union's offset, and each has its own field list
// above; an alternative added to the union must be added here too.
#define OSE_COMMAND_FIELDS(X) X(Command, op) X(Command, reserved) X(Command, bytes)
// clang-format off
#define OSE_COMMAND_PAYLOAD_FIELDS(X)                                                             \
  X(Command, balance) X(Command, new_order) X(Command, cancel) X(Command, amend)                  \
  X(Command, cancel_all) X(Command, ack) X(Command, venue_reject) X(Command, fill)                \
  X(Command, cancel_ack) X(Command, expired) X(Command, tick) X(Command, set_strategy)            \
  X(Command, halt) X(Command, set_leverage) X(Command, persistence)
// clang-format on
OSE_LAYOUT_ASSERT_TILED(Command, OSE_COMMAND_FIELDS, 0);
static_assert(OSE_LAYOUT_OF(Command, OSE_COMMAND_PAYLOAD_FIELDS)
                  .overlays(offsetof(Command, bytes), sizeof(Command::bytes)));

// The source of an input: a configured client index, or the engine itself (replay, timers,
// the operator's tools), which acts with admin rights.
inline constexpr uint16_t kEngineSource = 0xFFFE;

struct Input {
  uint64_t seq;
  int64_t ts;  // ns since the Unix epoch, engine-stamped
  uint16_t source;
  uint16_t reserved[3];
  Command cmd;
};

static_assert(std::is_trivially_copyable_v<Command>);
static_assert(sizeof(NewOrderCmd) <= 104 && sizeof(FillCmd) <= 104 && sizeof(TickCmd) <= 104);
// The 48-byte trade id fills the union exactly: FillCmd has no byte to spare.
static_assert(sizeof(FillCmd) == sizeof(Command::bytes) && sizeof(AckCmd) == 72);
static_assert(sizeof(Command) == 112, "fits a 128-byte ring record with its header");
static_assert(sizeof(Input) == 136);

// A zeroed command of the given op: every field not set stays 0 / kNoIndex-free, so the
// journal bytes of two equal commands are equal.
inline Command make_command(Op op) noexcept {
  Command c{};
  c.op = op;
  return c;
}

}  // namespace ose
