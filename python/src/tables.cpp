#include "python/src/tables.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>

#include "engine/core/records.hpp"
#include "python/src/enums.hpp"

namespace ose::python {

namespace {

constexpr std::array<const char*, static_cast<size_t>(Table::kCount)> kNames = {
    "orders", "balances",   "positions",   "strategy_positions",
    "market", "strategies", "instruments", "accounts"};

template <typename T>
struct IsFixed : std::false_type {};
template <typename Tag>
struct IsFixed<Fixed<Tag>> : std::true_type {};

template <typename T>
constexpr bool kAlwaysFalse = false;

// The numpy format of a record member type. A type not handled here fails to compile, so a new
// kind of field cannot slip into a dtype with a guessed format.
template <typename M>
std::string format_of() {
  if constexpr (std::is_array_v<M>) {
    using Element = std::remove_extent_t<M>;
    const std::string n = std::to_string(std::extent_v<M>);
    if constexpr (std::is_same_v<Element, char>) {
      return "S" + n;  // a NUL-padded name
    } else {
      return "(" + n + ",)" + format_of<Element>();
    }
  } else if constexpr (std::is_same_v<M, VenueId>) {
    return "S" + std::to_string(kVenueIdLen);
  } else if constexpr (IsFixed<M>::value) {
    static_assert(sizeof(M) == 8);
    return "<i8";
  } else if constexpr (std::is_enum_v<M>) {
    return format_of<std::underlying_type_t<M>>();
  } else if constexpr (std::is_integral_v<M>) {
    return std::string(std::is_signed_v<M> ? "<i" : "<u") + std::to_string(sizeof(M));
  } else {
    static_assert(kAlwaysFalse<M>, "a record field of a type the Python dtypes do not know");
  }
}

struct Fields {
  py::list names, formats, offsets;
  py::list money;
  py::dict enums;

  template <typename M>
  void add(const char* name, size_t offset) {
    names.append(name);
    formats.append(format_of<M>());
    offsets.append(offset);
    if constexpr (IsFixed<M>::value) money.append(name);
    if constexpr (std::is_enum_v<M> && requires { EnumIdOf<M>::value; }) {
      enums[name] = enum_class(EnumIdOf<M>::value);
    }
  }
};

#define OSE_PY_FIELD(T, f) fields.add<std::remove_cvref_t<decltype(T::f)>>(#f, offsetof(T, f));

template <typename T>
TableInfo info_from(const Fields& fields) {
  py::dict spec;
  spec["names"] = fields.names;
  spec["formats"] = fields.formats;
  spec["offsets"] = fields.offsets;
  spec["itemsize"] = sizeof(T);
  TableInfo info{py::dtype::from_args(spec), fields.money, fields.enums};
  if (static_cast<size_t>(info.dtype.itemsize()) != sizeof(T)) {
    throw std::logic_error("a numpy dtype does not match its record's size");
  }
  return info;
}

#define OSE_PY_TABLE_INFO(T, LIST) \
  [] {                             \
    Fields fields;                 \
    LIST(OSE_PY_FIELD)             \
    return info_from<T>(fields);   \
  }()

TableInfo build(Table t) {
  switch (t) {
    case Table::kOrders:
      return OSE_PY_TABLE_INFO(OrderRecord, OSE_ORDER_RECORD_FIELDS);
    case Table::kBalances:
      return OSE_PY_TABLE_INFO(BalanceRecord, OSE_BALANCE_RECORD_FIELDS);
    case Table::kPositions:
    case Table::kStrategyPositions:
      return OSE_PY_TABLE_INFO(PositionRecord, OSE_POSITION_RECORD_FIELDS);
    case Table::kMarket:
      return OSE_PY_TABLE_INFO(MarketRecord, OSE_MARKET_RECORD_FIELDS);
    case Table::kStrategies:
      return OSE_PY_TABLE_INFO(StrategyRecord, OSE_STRATEGY_RECORD_FIELDS);
    case Table::kInstruments:
      return OSE_PY_TABLE_INFO(InstrumentRecord, OSE_INSTRUMENT_RECORD_FIELDS);
    case Table::kAccounts:
      return OSE_PY_TABLE_INFO(AccountRecord, OSE_ACCOUNT_RECORD_FIELDS);
    case Table::kCount:
      break;
  }
  throw std::logic_error("no such table");
}

template <typename T>
TableSpan span(const T* rows, std::vector<py::ssize_t> shape) {
  return TableSpan{reinterpret_cast<const std::byte*>(rows), std::move(shape), sizeof(T)};
}

}  // namespace

const char* table_name(Table t) {
  return kNames[static_cast<size_t>(t)];
}

Table table_from_name(const std::string& name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (name == kNames[i]) return static_cast<Table>(i);
  }
  std::string all;
  for (const char* n : kNames) all += (all.empty() ? "" : ", ") + std::string(n);
  throw py::value_error("no table '" + name + "'; the tables are: " + all);
}

const TableInfo& table_info(Table t) {
  // Never released (see decimal_conv.cpp).
  static auto* infos = new std::array<TableInfo*, static_cast<size_t>(Table::kCount)>{};
  TableInfo*& slot = (*infos)[static_cast<size_t>(t)];
  if (slot == nullptr) slot = new TableInfo(build(t));
  return *slot;
}

TableSpan span_of(const State& s, Table t) {
  using S = py::ssize_t;
  const StateCapacities& caps = s.caps();
  // The tables are laid out by capacity (caps), which for the configured entities is their
  // count; rows are addressed through the State's accessors so the offsets stay the State's.
  switch (t) {
    case Table::kOrders:
      return span(&s.order_at(0), {static_cast<S>(caps.orders)});
    case Table::kBalances:
      return span(&s.balance(0, 0), {S{s.account_count()}, static_cast<S>(caps.assets)});
    case Table::kPositions:
      return span(&s.position(0, 0), {S{s.account_count()}, static_cast<S>(caps.instruments)});
    case Table::kStrategyPositions:
      return span(&s.strategy_position(0, 0),
                  {S{s.strategy_count()}, static_cast<S>(caps.instruments)});
    case Table::kMarket:
      return span(&s.market(0), {S{s.instrument_count()}});
    case Table::kStrategies:
      return span(&s.strategy(0), {S{s.strategy_count()}});
    case Table::kInstruments:
      return span(&s.instrument(0), {S{s.instrument_count()}});
    case Table::kAccounts:
      return span(&s.account(0), {S{s.account_count()}});
    case Table::kCount:
      break;
  }
  throw std::logic_error("no such table");
}

}  // namespace ose::python
