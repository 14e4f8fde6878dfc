#include "feeds/venue_reports.hpp"

namespace ose {

OrderRef venue_order_ref(uint64_t order_id) noexcept {
  OrderRef r{};
  r.order_id = order_id;
  r.client = kNoIndex;
  return r;
}

Command venue_report(const VenueAction& a, const InstrumentRecord& ins,
                     const VenueId& trade_id) noexcept {
  Command cmd{};
  switch (a.kind) {
    case VenueActionKind::kAck:
      cmd = make_command(Op::kAck);
      cmd.ack.ref = venue_order_ref(a.order_id);
      cmd.ack.venue_order_id = sim_venue_order_id(a.order_id);
      break;
    case VenueActionKind::kReject:
      cmd = make_command(Op::kVenueReject);
      cmd.venue_reject.ref = venue_order_ref(a.order_id);
      cmd.venue_reject.reason = a.reason;
      break;
    case VenueActionKind::kFill:
      cmd = make_command(Op::kFill);
      cmd.fill.ref = venue_order_ref(a.order_id);
      cmd.fill.trade_id = trade_id;
      cmd.fill.qty = a.qty;
      cmd.fill.price = a.price;
      cmd.fill.fee = venue_fee(ins, a.qty, a.price, a.liquidity);
      cmd.fill.fee_asset = ins.settle;
      cmd.fill.liquidity = static_cast<uint8_t>(a.liquidity);
      break;
    case VenueActionKind::kCancelAck:
      cmd = make_command(Op::kCancelAck);
      cmd.cancel_ack = venue_order_ref(a.order_id);
      break;
    case VenueActionKind::kExpired:
      cmd = make_command(Op::kExpired);
      cmd.expired = venue_order_ref(a.order_id);
      break;
  }
  return cmd;
}

}  // namespace ose
