#include "bench/alt/order_workload.hpp"

#include <random>

#include "engine/core/fixed_point.hpp"

namespace ose::bench {

const char* to_string(OrderEventKind k) noexcept {
  switch (k) {
    case OrderEventKind::kNew:
      return "new";
    case OrderEventKind::kAck:
      return "ack";
    case OrderEventKind::kPartialFill:
      return "partial_fill";
    case OrderEventKind::kFill:
      return "fill";
    case OrderEventKind::kCancel:
      return "cancel";
  }
  return "?";
}

namespace {

constexpr int64_t kE8 = 100'000'000;
constexpr int64_t kQtyStepE8 = 100'000;  // 0.001
constexpr int64_t kTickE8 = 1'000'000;   // 0.01

// An order's remaining events, in order.
struct Lifecycle {
  OrderEvent base;
  bool cancels = false;
  int next = 0;  // index of the next event: new, ack, then partial+fill or cancel
};

int64_t fee_of(int64_t qty_e8, int64_t price_e8) {
  // qty · price · 0.001, in e8: (qty_e8 · price_e8 / 1e8) / 1000, rounded down.
  const i128 notional = static_cast<i128>(qty_e8) * price_e8 / kE8;
  return static_cast<int64_t>(notional / 1000);
}

}  // namespace

std::vector<OrderEvent> make_order_workload(const WorkloadOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::vector<OrderEvent> out;
  out.reserve(o.orders * 4);
  std::vector<Lifecycle> live;
  uint64_t next_order = 1, next_trade = 1;
  const uint32_t in_flight = o.in_flight == 0 ? 1 : o.in_flight;
  auto start_order = [&] {
    Lifecycle l{};
    l.base.order_id = next_order++;
    l.base.side = static_cast<uint8_t>(rng() & 1);
    l.base.instrument = static_cast<uint16_t>(rng() % (o.instruments == 0 ? 1 : o.instruments));
    l.base.account = static_cast<uint32_t>(rng() % (o.accounts == 0 ? 1 : o.accounts));
    l.base.qty_e8 = static_cast<int64_t>(1 + rng() % 100) * kQtyStepE8;
    l.base.price_e8 = 30'000 * kE8 + (static_cast<int64_t>(rng() % 20'001) - 10'000) * kTickE8;
    l.cancels = rng() % 100 < o.cancel_share_pct;
    live.push_back(l);
  };
  while (out.size() < o.orders * 4 && (next_order <= o.orders || !live.empty())) {
    while (live.size() < in_flight && next_order <= o.orders) start_order();
    if (live.empty()) break;
    const size_t i = rng() % live.size();
    Lifecycle& l = live[i];
    OrderEvent e = l.base;
    bool done = false;
    const int64_t half = (l.base.qty_e8 / 2) / kQtyStepE8 * kQtyStepE8;
    switch (l.next++) {
      case 0:
        e.kind = OrderEventKind::kNew;
        break;
      case 1:
        e.kind = OrderEventKind::kAck;
        break;
      case 2:
        if (l.cancels || half == 0) {
          e.kind = l.cancels ? OrderEventKind::kCancel : OrderEventKind::kFill;
          if (!l.cancels) {
            e.trade_id = next_trade++;
            e.fee_e8 = fee_of(e.qty_e8, e.price_e8);
          }
          done = true;
        } else {
          e.kind = OrderEventKind::kPartialFill;
          e.qty_e8 = half;
          e.trade_id = next_trade++;
          e.fee_e8 = fee_of(half, e.price_e8);
        }
        break;
      default:
        e.kind = OrderEventKind::kFill;
        e.qty_e8 = l.base.qty_e8 - half;
        e.trade_id = next_trade++;
        e.fee_e8 = fee_of(e.qty_e8, e.price_e8);
        done = true;
        break;
    }
    out.push_back(e);
    if (done) {
      live[i] = live.back();
      live.pop_back();
    }
  }
  return out;
}

}  // namespace ose::bench
