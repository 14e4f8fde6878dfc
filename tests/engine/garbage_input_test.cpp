// Garbage in, nothing broken out: apply() must survive any bytes a ring could deliver — random
// ops, indices, enum values and amounts — without crashing (ASan/UBSan judge that in the
// sanitizer run) and without breaking the State's basic invariants.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/core/apply.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"

namespace ose {
namespace {

// The fewest keys a market needs (no fees, limits or band), not tests/support/btcusdt_spot.hpp:
// these cases are about surviving bytes, not about the market's rules.
constexpr const char* kConfig = R"(
[engine]
name = "garbage"
max_orders = 64
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[instruments]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
min_qty = "0.001"
[[instruments]]
symbol = "BTC-PERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
max_leverage = 20
[[accounts]]
name = "spot"
balances = { USDT = "1000000", BTC = "10" }
[[accounts]]
name = "fut"
type = "futures"
leverage = 5
balances = { USDT = "1000000" }
[[strategies]]
name = "s1"
account = "spot"
[[strategies]]
name = "s2"
account = "fut"
[[clients]]
name = "c1"
accounts = ["spot", "fut"]
[[clients]]
name = "v"
role = "venue"
)";

class Discard final : public EventSink {
 public:
  void on_event(const Event& e) noexcept override {
    ++count;
    ++by_type[static_cast<int>(e.type)];
  }
  uint64_t count = 0;
  uint64_t by_type[kEventTypeCount] = {};
};

State make_state() {
  auto config = load_config_string(kConfig, "<garbage>");
  EXPECT_TRUE(config) << config.error();
  auto state = State::create(*config);
  EXPECT_TRUE(state) << state.error();
  return std::move(*state);
}

// Small values hit real tables and real orders often enough to get past the first checks.
int64_t plausible(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0:
      return static_cast<int64_t>(rng());  // anything
    case 1:
      return static_cast<int64_t>(rng() % 4) * kScale / 1000;  // tiny quantities
    case 2:
      return static_cast<int64_t>(rng() % 100'000) * kScale;  // prices
    default:
      return -static_cast<int64_t>(rng() % 1000);
  }
}

TEST(GarbageInput, RandomCommandBytesNeverCrashOrBreakInvariants) {
  State s = make_state();
  Discard sink;
  std::mt19937_64 rng(20261121);
  for (uint64_t seq = 1; seq <= 200'000; ++seq) {
    Input in{};
    in.seq = seq;
    in.ts = static_cast<int64_t>(seq) * 1'000'000;
    in.source = rng() % 8 == 0 ? static_cast<uint16_t>(rng()) : kEngineSource;
    // Random bytes, then bias the fields that gate the deeper paths towards valid values.
    uint8_t raw[sizeof(Command)];
    for (auto& b : raw) b = static_cast<uint8_t>(rng());
    std::memcpy(&in.cmd, raw, sizeof raw);
    in.cmd.op = static_cast<Op>(rng() % (kOpCount + 2));
    // Order flow dominates, as in life: new orders, acks and fills three times as often.
    if (rng() % 2 == 0) {
      constexpr Op kFlow[] = {Op::kNewOrder, Op::kAck, Op::kFill, Op::kTick};
      in.cmd.op = kFlow[rng() % 4];
    }
    auto small = [&](uint16_t n) { return static_cast<uint16_t>(rng() % (n + 1)); };
    switch (in.cmd.op) {
      case Op::kNewOrder: {
        // Mostly a sensible order with one or two fields corrupted, so the deep paths run.
        NewOrderCmd& n = in.cmd.new_order;
        const bool futures = rng() % 2 == 0;
        n = NewOrderCmd{};
        n.client = 0;
        n.cl_id = 1 + rng() % 200;
        n.account = n.strategy = n.instrument = futures ? 1 : 0;
        n.side = static_cast<uint8_t>(rng() % 2);
        n.type = static_cast<uint8_t>(rng() % kOrderTypeCount);
        const auto type = static_cast<OrderType>(n.type);
        n.qty = Qty::from_e8(static_cast<int64_t>(1 + rng() % 50) * kScale / 1000);
        if (has_limit_price(type))
          n.price = Price::from_e8(static_cast<int64_t>(59'000 + rng() % 2'000) * kScale);
        if (is_conditional(type) && type != OrderType::kTrailingStop) {
          n.stop_price = Price::from_e8(static_cast<int64_t>(59'000 + rng() % 2'000) * kScale);
        }
        if (type == OrderType::kTrailingStop) n.callback_rate = Rate::from_e8(kScale / 100);
        if (rng() % 5 == 0 && !is_conditional(type)) {
          n.stop_loss = Price::from_e8(58'000 * kScale);
          n.take_profit = Price::from_e8(62'000 * kScale);
        }
        for (uint64_t k = rng() % 3; k > 0; --k) {
          const size_t at = rng() % sizeof(NewOrderCmd);
          reinterpret_cast<uint8_t*>(&n)[at] = static_cast<uint8_t>(rng());
        }
        break;
      }
      case Op::kFill: {
        FillCmd& f = in.cmd.fill;
        f.ref.order_id = rng() % 2 ? make_order_id(1 + small(2), small(70)) : 0;
        f.ref.client = rng() % 4 == 0 ? small(2) : 0;
        f.ref.cl_id = 1 + rng() % 200;
        if (rng() % 8 != 0) {
          f.trade_id = VenueId::digits(rng() % 100'000);
        } else {  // raw bytes: empty, padding after a NUL, not UTF-8 — all MALFORMED or fine
          for (char& ch : f.trade_id.bytes) ch = static_cast<char>(rng() % 4 == 0 ? rng() : 0);
        }
        f.qty = Qty::from_e8(rng() % 4 == 0 ? plausible(rng)
                                            : static_cast<int64_t>(1 + rng() % 10) * kScale / 1000);
        f.price =
            Price::from_e8(rng() % 4 == 0 ? plausible(rng)
                                          : static_cast<int64_t>(59'000 + rng() % 2'000) * kScale);
        f.fee = Amount::from_e8(rng() % 2 ? plausible(rng) : 0);
        f.fee_asset = small(2);
        f.liquidity = static_cast<uint8_t>(rng() % 3);
        break;
      }
      case Op::kTick: {
        TickCmd& t = in.cmd.tick;
        t.instrument = small(2);
        t.fields = static_cast<uint8_t>(rng() % 128);
        const int64_t mid = static_cast<int64_t>(58'000 + rng() % 4'000) * kScale;
        t.bid = Price::from_e8(rng() % 10 == 0 ? plausible(rng) : mid - kScale);
        t.ask = Price::from_e8(rng() % 10 == 0 ? plausible(rng) : mid + kScale);
        t.last = Price::from_e8(rng() % 10 == 0 ? plausible(rng) : mid);
        break;
      }
      case Op::kAck:
      case Op::kCancel:
      case Op::kCancelAck:
      case Op::kExpired:
      case Op::kVenueReject:
      case Op::kAmend: {
        OrderRef& r = in.cmd.cancel;  // every one of these starts with an OrderRef
        r.order_id = rng() % 2 ? make_order_id(1 + small(2), small(70)) : 0;
        r.client = rng() % 4 == 0 ? small(2) : 0;
        r.cl_id = 1 + rng() % 200;
        break;
      }
      case Op::kDeposit:
      case Op::kWithdraw:
        in.cmd.balance.account = small(2);
        in.cmd.balance.asset = small(2);
        in.cmd.balance.amount = Amount::from_e8(plausible(rng));
        break;
      default:
        break;
    }
    apply(s, in, sink);

    if (seq % 97 != 0) continue;
    for (uint32_t slot = 0; slot < s.header().next_unused_slot; ++slot) {
      const OrderRecord& o = s.order_at(slot);
      if (o.status == OrderStatus::kRejected) continue;  // keeps the fields as sent, however bad
      ASSERT_LE(o.filled_qty.e8, o.qty.e8) << "seq " << seq;
      ASSERT_GE(o.reserved.e8, 0) << "seq " << seq;
    }
    for (uint16_t a = 0; a < s.account_count(); ++a) {
      for (uint16_t k = 0; k < s.asset_count(); ++k) {
        ASSERT_GE(s.balance(a, k).locked.e8, 0) << "seq " << seq;
      }
    }
  }
  EXPECT_EQ(s.header().seq, 200'000u);
  EXPECT_GT(sink.count, 100'000u);
  // The bias above must get garbage past the first checks, or this test proves little.
  EXPECT_GT(sink.by_type[static_cast<int>(EventType::kAccepted)], 100u);
  EXPECT_GT(sink.by_type[static_cast<int>(EventType::kFill)], 10u);
  EXPECT_GT(sink.by_type[static_cast<int>(EventType::kTriggered)],
            0u);  // most inputs are answered (ticks and empty cancel_alls need not be)
}

// Found by the ring fuzzer under UBSan: a fill whose fee is INT64_MIN was negated when posted.
// It is malformed now, and changes nothing.
TEST(GarbageInput, FillWithAnUnnegatableFeeIsMalformedAndChangesNothing) {
  State s = make_state();
  Discard sink;
  Input in{};
  in.seq = 1;
  in.ts = 1'000'000;
  in.source = kEngineSource;
  in.cmd = make_command(Op::kNewOrder);
  NewOrderCmd& n = in.cmd.new_order;
  n.client = 0;
  n.account = 0;
  n.strategy = 0;
  n.instrument = 0;
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.cl_id = 1;
  n.qty = Qty::from_units(1);
  n.price = Price::from_units(100);
  apply(s, in, sink);
  ASSERT_NE(s.find_order(0, 1), nullptr);
  const uint64_t id = s.find_order(0, 1)->id;
  in.seq = 2;
  in.cmd = make_command(Op::kFill);
  in.cmd.fill.ref.order_id = id;
  in.cmd.fill.trade_id = VenueId::digits(1);
  in.cmd.fill.qty = Qty::from_units(1);
  in.cmd.fill.price = Price::from_units(100);
  in.cmd.fill.fee = Amount::from_e8(INT64_MIN);
  in.cmd.fill.fee_asset = 0;
  const std::string before = s.serialize().substr(sizeof(StateHeader));
  const uint64_t malformed = s.header().rejects[static_cast<int>(RejectReason::kMalformed)];
  apply(s, in, sink);
  EXPECT_EQ(s.header().rejects[static_cast<int>(RejectReason::kMalformed)], malformed + 1);
  EXPECT_EQ(s.find_order(id)->filled_qty, Qty{});
  EXPECT_EQ(s.serialize().substr(sizeof(StateHeader)), before);
}

}  // namespace
}  // namespace ose
