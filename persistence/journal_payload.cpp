#include "persistence/journal_payload.hpp"

#include <cstdint>
#include <cstring>

namespace ose {
namespace {

constexpr size_t kNoId = SIZE_MAX;

// The bytes of the union an op's member covers, and where in it a venue id starts (kNoId: none).
struct PayloadLayout {
  size_t size;
  size_t id_at;
};

// Ops without a member (kNone, kTimer, an op this build does not know: apply() refuses it as
// MALFORMED) have no payload; anything their union holds is written verbatim.
PayloadLayout layout_of(Op op) noexcept {
  switch (op) {
    case Op::kDeposit:
    case Op::kWithdraw:
      return {sizeof(BalanceCmd), kNoId};
    case Op::kNewOrder:
      return {sizeof(NewOrderCmd), kNoId};
    case Op::kCancel:
    case Op::kCancelAck:
    case Op::kExpired:
      return {sizeof(OrderRef), kNoId};
    case Op::kAmend:
      return {sizeof(AmendCmd), kNoId};
    case Op::kCancelAll:
      return {sizeof(CancelAllCmd), kNoId};
    case Op::kAck:
      return {sizeof(AckCmd), offsetof(AckCmd, venue_order_id)};
    case Op::kVenueReject:
      return {sizeof(VenueRejectCmd), kNoId};
    case Op::kFill:
      return {sizeof(FillCmd), offsetof(FillCmd, trade_id)};
    case Op::kTick:
      return {sizeof(TickCmd), kNoId};
    case Op::kSetStrategy:
      return {sizeof(SetStrategyCmd), kNoId};
    case Op::kHalt:
    case Op::kResume:
      return {sizeof(HaltCmd), kNoId};
    case Op::kSetLeverage:
      return {sizeof(SetLeverageCmd), kNoId};
    case Op::kPersistence:
      return {sizeof(PersistenceCmd), kNoId};
    case Op::kNone:
    case Op::kTimer:
      break;
  }
  return {0, kNoId};
}

bool all_zero(const unsigned char* p, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

}  // namespace

size_t pack_payload(const Command& c, unsigned char* out, bool& verbatim) noexcept {
  const PayloadLayout l = layout_of(c.op);
  verbatim = !all_zero(c.bytes + l.size, kMaxPayloadBytes - l.size);
  if (verbatim) {
    std::memcpy(out, c.bytes, kMaxPayloadBytes);
    return kMaxPayloadBytes;
  }
  std::memcpy(out, c.bytes, l.id_at == kNoId ? l.size : l.id_at);
  if (l.id_at == kNoId) return l.size;
  // [before the id][after the id][the id up to its last non-NUL byte]
  const size_t after = l.id_at + kVenueIdLen;
  std::memcpy(out + l.id_at, c.bytes + after, l.size - after);
  size_t id_len = kVenueIdLen;
  while (id_len > 0 && c.bytes[l.id_at + id_len - 1] == 0) --id_len;
  std::memcpy(out + l.size - kVenueIdLen, c.bytes + l.id_at, id_len);
  return l.size - kVenueIdLen + id_len;
}

bool unpack_payload(Op op, bool verbatim, const unsigned char* p, size_t n, Command& c) noexcept {
  if (verbatim) {
    if (n != kMaxPayloadBytes) return false;
    std::memcpy(c.bytes, p, n);
    return true;
  }
  const PayloadLayout l = layout_of(op);
  if (l.id_at == kNoId) {
    if (n != l.size) return false;
    std::memcpy(c.bytes, p, n);
    return true;
  }
  const size_t fixed = l.size - kVenueIdLen;
  if (n < fixed || n > l.size) return false;
  const size_t id_len = n - fixed;
  // pack_payload() cuts every trailing NUL: a record ending in one is not its output.
  if (id_len > 0 && p[n - 1] == 0) return false;
  const size_t after = l.id_at + kVenueIdLen;
  std::memcpy(c.bytes, p, l.id_at);
  std::memcpy(c.bytes + after, p + l.id_at, l.size - after);
  std::memcpy(c.bytes + l.id_at, p + fixed, id_len);
  return true;
}

}  // namespace ose
