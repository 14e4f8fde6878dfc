#include "python/src/enums.hpp"

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "engine/layout/shared_layout.hpp"
#include "python/src/module.hpp"

namespace ose::python {

namespace {

struct EnumSpec {
  const char* python_name;
  int count;
  std::string_view (*word)(unsigned raw);
};

template <typename E>
std::string_view word_of(unsigned raw) {
  return to_string(static_cast<E>(raw));
}

constexpr EnumSpec kSpecs[] = {
    {"Side", kSideCount, word_of<Side>},
    {"OrderType", kOrderTypeCount, word_of<OrderType>},
    {"Tif", kTifCount, word_of<Tif>},
    {"OrderStatus", kOrderStatusCount, word_of<OrderStatus>},
    {"RejectReason", kRejectReasonCount, word_of<RejectReason>},
    {"EventType", kEventTypeCount, word_of<EventType>},
    {"Op", kOpCount, word_of<Op>},
    {"Liquidity", kLiquidityCount, word_of<Liquidity>},
    {"AlertReason", kAlertReasonCount, word_of<AlertReason>},
    {"StrategyState", kStrategyStateCount, word_of<StrategyState>},
    {"InstrumentKind", kInstrumentKindCount, word_of<InstrumentKind>},
    {"AccountType", kAccountTypeCount, word_of<AccountType>},
    {"ClientRole", kClientRoleCount, word_of<ClientRole>},
    {"HaltScope", kHaltScopeCount, word_of<HaltScope>},
};
static_assert(std::size(kSpecs) == static_cast<size_t>(EnumId::kCount));

struct PyEnum {
  py::object cls;
  std::vector<py::object> members;  // by raw value
  py::dict by_text;                 // word and member name → raw value
};
// Never released (see decimal_conv.cpp): the module keeps the classes alive anyway.
std::vector<PyEnum>* g_enums = nullptr;

std::string upper(std::string_view word) {
  std::string s(word);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

py::object enum_member(EnumId id, unsigned raw) {
  const PyEnum& e = (*g_enums)[static_cast<size_t>(id)];
  if (raw < e.members.size()) return e.members[raw];
  return py::int_(raw);
}

py::object enum_class(EnumId id) {
  return (*g_enums)[static_cast<size_t>(id)].cls;
}

unsigned enum_raw(EnumId id, py::handle v, const char* field) {
  const PyEnum& e = (*g_enums)[static_cast<size_t>(id)];
  for (size_t raw = 0; raw < e.members.size(); ++raw) {
    if (v.is(e.members[raw])) return static_cast<unsigned>(raw);
  }
  // After the members: a member is a str too, but hashes by its name (Enum.__hash__).
  if (PyUnicode_Check(v.ptr())) {
    PyObject* raw = PyDict_GetItemWithError(e.by_text.ptr(), v.ptr());  // borrowed
    if (raw != nullptr) return static_cast<unsigned>(PyLong_AsUnsignedLong(raw));
    if (PyErr_Occurred() != nullptr) throw py::error_already_set();
  }
  std::string words;
  for (const py::object& m : e.members) {
    words += (words.empty() ? "" : ", ") + py::str(m.attr("value")).cast<std::string>();
  }
  throw py::value_error(std::string(field) + ": " + py::repr(v).cast<std::string>() + " is not a " +
                        kSpecs[static_cast<size_t>(id)].python_name + "; one of: " + words);
}

void bind_enums(py::module_& m) {
  const py::object enum_cls = py::module_::import("enum").attr("Enum");
  g_enums = new std::vector<PyEnum>();
  for (const EnumSpec& spec : kSpecs) {
    py::list pairs;
    for (int raw = 0; raw < spec.count; ++raw) {
      const std::string_view w = spec.word(static_cast<unsigned>(raw));
      pairs.append(py::make_tuple(upper(w), std::string(w)));
    }
    PyEnum e;
    e.cls = enum_cls(spec.python_name, pairs, py::arg("module") = "ose",
                     py::arg("type") = py::module_::import("builtins").attr("str"));
    for (int raw = 0; raw < spec.count; ++raw) {
      const std::string_view w = spec.word(static_cast<unsigned>(raw));
      py::object member = e.cls[py::str(upper(w))];
      e.by_text[py::str(std::string(w))] = raw;
      e.by_text[py::str(upper(w))] = raw;
      e.members.push_back(member);
    }
    m.add_object(spec.python_name, e.cls);
    g_enums->push_back(std::move(e));
  }
}

}  // namespace ose::python
