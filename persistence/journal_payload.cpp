#include "persistence/journal_payload.hpp"

#include <cstdint>
#include <cstring>

namespace ose {
namespace {

// A fill's id lies inside its member; pack_payload() moves what follows it forward. An ack's id
// is its member's last field: cutting the id's NULs is cutting the payload's.
constexpr size_t kFillIdAt = offsetof(FillCmd, trade_id);
constexpr size_t kFillAfterId = kFillIdAt + kVenueIdLen;
constexpr size_t kFillTail = sizeof(FillCmd) - kFillAfterId;
static_assert(sizeof(FillCmd) == kMaxPayloadBytes);
static_assert(offsetof(AckCmd, venue_order_id) + kVenueIdLen == sizeof(AckCmd));

// The bytes of the union an op's member covers, and whether it ends in a venue id (once a fill's
// is moved there).
struct PayloadLayout {
  size_t size;
  bool ends_in_id;
};

// Ops without a member (kNone, kTimer, an op this build does not know: apply() refuses it as
// MALFORMED) have no payload; anything their union holds is written verbatim.
PayloadLayout layout_of(Op op) noexcept {
  switch (op) {
    case Op::kDeposit:
    case Op::kWithdraw:
      return {sizeof(BalanceCmd), false};
    case Op::kNewOrder:
      return {sizeof(NewOrderCmd), false};
    case Op::kCancel:
    case Op::kCancelAck:
    case Op::kExpired:
      return {sizeof(OrderRef), false};
    case Op::kAmend:
      return {sizeof(AmendCmd), false};
    case Op::kCancelAll:
      return {sizeof(CancelAllCmd), false};
    case Op::kAck:
      return {sizeof(AckCmd), true};
    case Op::kVenueReject:
      return {sizeof(VenueRejectCmd), false};
    case Op::kFill:
      return {sizeof(FillCmd), true};
    case Op::kTick:
      return {sizeof(TickCmd), false};
    case Op::kSetStrategy:
      return {sizeof(SetStrategyCmd), false};
    case Op::kHalt:
    case Op::kResume:
      return {sizeof(HaltCmd), false};
    case Op::kSetLeverage:
      return {sizeof(SetLeverageCmd), false};
    case Op::kPersistence:
      return {sizeof(PersistenceCmd), false};
    case Op::kNone:
    case Op::kTimer:
      break;
  }
  return {0, false};
}

// Every member's size is a multiple of 8: the tail is checked a word at a time.
bool zero_from(const unsigned char* bytes, size_t from) noexcept {
  uint64_t any = 0;
  for (size_t i = from; i < kMaxPayloadBytes; i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes + i, sizeof w);
    any |= w;
  }
  return any == 0;
}

}  // namespace

size_t pack_payload(const Command& c, unsigned char* out, bool& verbatim) noexcept {
  const PayloadLayout l = layout_of(c.op);
  static_assert(sizeof(BalanceCmd) % 8 == 0 && sizeof(TickCmd) % 8 == 0 &&
                sizeof(NewOrderCmd) % 8 == 0 && sizeof(VenueRejectCmd) % 8 == 0);
  verbatim = !zero_from(c.bytes, l.size);
  if (verbatim || c.op != Op::kFill) {
    std::memcpy(out, c.bytes, kMaxPayloadBytes);
  } else {  // [before the id][after the id][the id]
    std::memcpy(out, c.bytes, kFillIdAt);
    std::memcpy(out + kFillIdAt, c.bytes + kFillAfterId, kFillTail);
    std::memcpy(out + kFillIdAt + kFillTail, c.bytes + kFillIdAt, kVenueIdLen);
  }
  if (verbatim) return kMaxPayloadBytes;
  if (!l.ends_in_id) return l.size;
  size_t n = l.size;
  while (n > l.size - kVenueIdLen && out[n - 1] == 0) --n;
  return n;
}

bool payload_fits(Op op, bool verbatim, const unsigned char* p, size_t n) noexcept {
  const PayloadLayout l = layout_of(op);
  if (verbatim) return n == kMaxPayloadBytes && !zero_from(p, l.size);
  if (!l.ends_in_id) return n == l.size;
  // pack_payload() cuts every trailing NUL of the id: a payload ending in one is not its output.
  const size_t without_id = l.size - kVenueIdLen;
  return n >= without_id && n <= l.size && (n == without_id || p[n - 1] != 0);
}

void unpack_payload(Op op, bool verbatim, const unsigned char* p, Command& c) noexcept {
  if (verbatim || op != Op::kFill) {
    std::memcpy(c.bytes, p, kMaxPayloadBytes);
    return;
  }
  std::memcpy(c.bytes, p, kFillIdAt);
  std::memcpy(c.bytes + kFillAfterId, p + kFillIdAt, kFillTail);
  std::memcpy(c.bytes + kFillIdAt, p + kFillIdAt + kFillTail, kVenueIdLen);
}

}  // namespace ose
