// ose.Reader (the compiled base of the Python class): consistent snapshots of the engine's
// tables as numpy structured arrays, zero-copy live views, single-record lookups, and the event
// tail. The Python half (python/ose/_state.py) wraps the arrays with their seq and to_pandas().
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <unordered_map>

#include "python/src/decimal_conv.hpp"
#include "python/src/errors.hpp"
#include "python/src/module.hpp"
#include "python/src/reader.hpp"
#include "python/src/row_memory.hpp"
#include "python/src/table_copy.hpp"
#include "python/src/tables.hpp"

namespace ose::python {

PyReader PyReader::attach(const std::string& engine) {
  require_engine(engine);
  auto r = StateReader::attach(engine);
  if (!r) raise_attach_error(engine, r.error());
  PyReader p;
  p.engine = engine;
  p.reader = std::make_shared<const StateReader>(std::move(*r));
  p.names = Names::of(engine, *p.reader);
  return p;
}

void bind_state(py::module_& m) {
  bind_event_tail(m);
  bind_row_memory(m);

  m.def(
      "table_info",
      [](const std::string& name) {
        const TableInfo& i = table_info(table_from_name(name));
        return py::make_tuple(i.dtype, i.money, i.enums);
      },
      py::arg("table"),
      "(dtype, money columns, {column: enum class}) of a table: the dtype is built from the "
      "record's field list, the one the shared-memory layout fingerprint hashes. Money columns "
      "hold int64 counts of 1e-8 units.");
  m.attr("MONEY_SCALE") = kScale;
  m.def(
      "decimals",
      [](const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& e8) {
        // Money columns repeat values (most rows have no stop_loss: 0, a few prices and
        // sizes): a Decimal made once per distinct value is shared, as Decimals are immutable.
        // Bounded, so a column of all-different values costs a lookup per row at most.
        constexpr size_t kMaxDistinct = 4096;
        std::unordered_map<int64_t, py::object> made;
        py::list out(e8.size());
        const int64_t* v = e8.data();
        for (py::ssize_t i = 0; i < e8.size(); ++i) {
          auto it = made.find(v[i]);
          if (it == made.end()) {
            py::object d = decimal_from_e8(v[i]);
            if (made.size() >= kMaxDistinct) {
              PyList_SET_ITEM(out.ptr(), i, d.release().ptr());  // steals the reference
              continue;
            }
            it = made.emplace(v[i], std::move(d)).first;
          }
          PyList_SET_ITEM(out.ptr(), i, py::object(it->second).release().ptr());
        }
        return out;
      },
      py::arg("e8"),
      "Exact decimal.Decimal values of int64 counts of 1e-8 units (a money column), as a list.");

  py::class_<PyReader>(m, "Reader", "Read-only view of a running engine's state (compiled base).")
      .def(py::init(&PyReader::attach), py::arg("engine"))
      .def_property_readonly("engine", [](const PyReader& r) { return r.engine; })
      .def_property_readonly(
          "seq",
          [](const PyReader& r) -> py::object {
            StateHeader h{};
            if (!r.reader->read_state_header(h)) return py::none();
            return py::int_(h.seq);
          },
          "the last input the engine applied")
      .def_property_readonly(
          "names", [](const PyReader& r) { return r.names->as_dict(); },
          "the configured names by table, in index order")
      .def(
          "_snapshot",
          [](const PyReader& r, const std::vector<std::string>& names, py::handle orders_out) {
            std::vector<Table> tables;
            for (const std::string& n : names) tables.push_back(table_from_name(n));
            return snapshot_tables(r, tables, orders_out);
          },
          py::arg("tables"), py::arg("orders_out") = py::none(),
          "({table: array}, seq, consistent): the tables copied as of one input "
          "(StateReader::copy_tables); the order rows into orders_out when given")
      .def_property_readonly(
          "order_capacity", [](const PyReader& r) { return r.reader->names().caps().orders; },
          "the slots of the engine's order table: the rows orders() can return at most")
      .def(
          "_live_view",
          [](py::object self, const std::string& name) {
            const PyReader& r = self.cast<const PyReader&>();
            const Table t = table_from_name(name);
            const TableSpan sp = span_of(r.reader->mapped(), t);
            // Base = this Reader: the mapping lives as long as the array. The base exposes no
            // buffer, so numpy refuses to make the array writeable again.
            py::array a(table_info(t).dtype, sp.shape, sp.data, self);
            a.attr("setflags")(py::arg("write") = false);
            return a;
          },
          py::arg("table"))
      .def(
          "_order",
          [](const PyReader& r, uint64_t order_id) {
            OrderRecord o{};
            return one_row(Table::kOrders, r.reader->read_order(order_id, o), o);
          },
          py::arg("order_id"))
      .def(
          "_position",
          [](const PyReader& r, py::handle account, py::handle symbol) {
            PositionRecord p{};
            const uint16_t a = r.names->accounts.find(account, r.engine);
            const uint16_t i = r.names->instruments.find(symbol, r.engine);
            return one_row(Table::kPositions, r.reader->read_position(a, i, p), p);
          },
          py::arg("account"), py::arg("symbol"))
      .def(
          "_strategy_position",
          [](const PyReader& r, py::handle strategy, py::handle symbol) {
            PositionRecord p{};
            const uint16_t s = r.names->strategies.find(strategy, r.engine);
            const uint16_t i = r.names->instruments.find(symbol, r.engine);
            return one_row(Table::kStrategyPositions, r.reader->read_strategy_position(s, i, p), p);
          },
          py::arg("strategy"), py::arg("symbol"))
      .def(
          "_balance",
          [](const PyReader& r, py::handle account, py::handle asset) {
            BalanceRecord b{};
            const uint16_t a = r.names->accounts.find(account, r.engine);
            const uint16_t k = r.names->assets.find(asset, r.engine);
            return one_row(Table::kBalances, r.reader->read_balance(a, k, b), b);
          },
          py::arg("account"), py::arg("asset"))
      .def(
          "_market",
          [](const PyReader& r, py::handle symbol) {
            MarketRecord mk{};
            const uint16_t i = r.names->instruments.find(symbol, r.engine);
            return one_row(Table::kMarket, r.reader->read_market(i, mk), mk);
          },
          py::arg("symbol"))
      .def(
          "events",
          [](const PyReader& r, bool oldest, uint64_t since_seq) {
            return make_event_tail(r, oldest, since_seq);
          },
          py::kw_only(), py::arg("oldest") = false, py::arg("since_seq") = 0,
          "Tail the engine's events: from now on (default), from the oldest the ring still "
          "holds (oldest=True), or from the first with seq >= since_seq. Returns an EventTail.");
}

}  // namespace ose::python
