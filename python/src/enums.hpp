// The engine's enums as Python enum.Enum classes (str mixins) whose values are DESIGN §8's
// words: ose.Side.BUY == "buy", ose.RejectReason.MIN_NOTIONAL == "MIN_NOTIONAL". Built from the
// engine's own to_string, so a value added there appears here.
#pragma once

#include <pybind11/pybind11.h>

#include "engine/core/command.hpp"
#include "engine/core/enums.hpp"
#include "engine/core/event.hpp"

namespace ose::python {

namespace py = pybind11;

enum class EnumId {
  kSide,
  kOrderType,
  kTif,
  kOrderStatus,
  kRejectReason,
  kEventType,
  kOp,
  kLiquidity,
  kAlertReason,
  kStrategyState,
  kInstrumentKind,
  kAccountType,
  kClientRole,
  kHaltScope,
  kCount
};

template <typename E>
struct EnumIdOf;
#define OSE_PY_ENUM_ID(E, id)                   \
  template <>                                   \
  struct EnumIdOf<E> {                          \
    static constexpr EnumId value = EnumId::id; \
  };
OSE_PY_ENUM_ID(Side, kSide)
OSE_PY_ENUM_ID(OrderType, kOrderType)
OSE_PY_ENUM_ID(Tif, kTif)
OSE_PY_ENUM_ID(OrderStatus, kOrderStatus)
OSE_PY_ENUM_ID(RejectReason, kRejectReason)
OSE_PY_ENUM_ID(EventType, kEventType)
OSE_PY_ENUM_ID(Op, kOp)
OSE_PY_ENUM_ID(Liquidity, kLiquidity)
OSE_PY_ENUM_ID(AlertReason, kAlertReason)
OSE_PY_ENUM_ID(StrategyState, kStrategyState)
OSE_PY_ENUM_ID(InstrumentKind, kInstrumentKind)
OSE_PY_ENUM_ID(AccountType, kAccountType)
OSE_PY_ENUM_ID(ClientRole, kClientRole)
OSE_PY_ENUM_ID(HaltScope, kHaltScope)
#undef OSE_PY_ENUM_ID

// The member for raw value `raw`, or the int itself for a value the enum does not name.
py::object enum_member(EnumId id, unsigned raw);
// The raw value of a member of the enum, or of its word (or member name) as a str; ValueError
// listing the words otherwise. `field` names the argument in the message.
unsigned enum_raw(EnumId id, py::handle v, const char* field);
// The Python class, for dtype metadata.
py::object enum_class(EnumId id);

template <typename E>
py::object member(E v) {
  return enum_member(EnumIdOf<E>::value, static_cast<unsigned>(v));
}
template <typename E>
E enum_from_py(py::handle v, const char* field) {
  return static_cast<E>(enum_raw(EnumIdOf<E>::value, v, field));
}

}  // namespace ose::python
