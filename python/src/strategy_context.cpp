#include "python/src/strategy_context.hpp"

#include "python/src/order_args.hpp"
#include "python/src/tables.hpp"

namespace ose::python {

void PyContext::bind(StrategyContext& ctx, std::shared_ptr<const Names> names) {
  ctx_ = &ctx;
  names_ = std::move(names);
  // The client it acts as: the one every command template carries.
  const uint16_t client = ctx.order_template("", "", "").client;
  const py::object name = names_->clients.name(client);
  client_name_ = name.is_none() ? std::string() : name.cast<std::string>();
  default_strategy_ = ctx.strategy(client_name_);
}

StrategyContext& PyContext::ctx() const {
  if (ctx_ == nullptr) {
    throw std::runtime_error(
        "this strategy context belongs to a run that is over (use the context a callback is "
        "given, during that callback)");
  }
  return *ctx_;
}

namespace {

uint16_t index_or_any(const NameList& l, py::handle name, const std::string& engine) {
  return name.is_none() ? kNoIndex : l.find(name, engine);
}

}  // namespace

void bind_strategy_context(py::module_& m) {
  using C = PyContext;
  py::class_<PyContext> cls(m, "StrategyContext",
                            "What a strategy acts through during its callbacks (compiled base).");
  def_new_order(
      cls,
      [](C& c, const NewOrderArgs& a) -> uint64_t {
        StrategyContext& ctx = c.ctx();
        NewOrderCmd n = ctx.order_template("", "", "");
        fill_new_order(n, a, *c.names(), ctx.names(), c.default_strategy(), c.client_name());
        n.cl_id = a.cl_id.is_none() ? ctx.next_cl_id() : a.cl_id.cast<uint64_t>();
        c.last_cl_id = n.cl_id;
        return ctx.new_order(n);
      },
      "Submit a new order; returns the request id its responses carry, or 0 when it could not "
      "be sent now (live: the command ring is full; try again on a later callback).\n\n"
      "The arguments are ose.Client.new_order's: names, exact money (str, Decimal or int), enum "
      "members or words. strategy defaults to the one named like the strategy's client, account "
      "to that strategy's account; cl_id to next_cl_id() (see last_cl_id).");
  cls.def(py::init<>())
      .def_property_readonly(
          "now_ns", [](const C& c) { return c.ctx().now_ns(); },
          "now, ns since the Unix epoch: market time in a backtest, the wall clock live")
      .def_property_readonly(
          "client", [](const C& c) { return c.client_name(); }, "the client the strategy acts as")
      .def_property_readonly(
          "names", [](const C& c) { return c.names()->as_dict(); },
          "the engine's configured names by table, in index order")
      .def_property_readonly(
          "last_cl_id", [](const C& c) { return c.last_cl_id; },
          "the cl_id of the last new_order() (generated or given)")
      .def(
          "next_cl_id", [](C& c) { return c.ctx().next_cl_id(); },
          "A client order id no earlier one used: counting from 1 in a backtest (so reruns are "
          "equal), from the wall clock's microseconds live.")
      .def(
          "cancel", [](C& c, uint64_t cl_id) { return c.ctx().cancel(cl_id); }, py::arg("cl_id"),
          "Cancel by client order id; the request id, or 0 when it could not be sent now.")
      .def(
          "cancel_all",
          [](C& c, py::handle account, py::handle strategy, py::handle symbol) {
            const Names& n = *c.names();
            return c.ctx().cancel_all(index_or_any(n.accounts, account, n.engine),
                                      index_or_any(n.strategies, strategy, n.engine),
                                      index_or_any(n.instruments, symbol, n.engine));
          },
          py::kw_only(), py::arg("account") = py::none(), py::arg("strategy") = py::none(),
          py::arg("symbol") = py::none(),
          "Cancel every working order matching the filters (None: any); the request id, or 0.")
      .def(
          "set_timer", [](C& c, int64_t at_ns) { c.ctx().set_timer(at_ns); }, py::arg("at_ns"),
          "Call on_timer() once at at_ns (ns since the Unix epoch, on now_ns's clock); a later "
          "call replaces a pending one. at_ns <= now_ns: on the next turn.")
      .def(
          "_market",
          [](const C& c, py::handle symbol) {
            MarketRecord r{};
            const uint16_t i = c.names()->instruments.find(symbol, c.names()->engine);
            return one_row(Table::kMarket, c.ctx().read_market(i, r), r);
          },
          py::arg("symbol"))
      .def(
          "_order",
          [](const C& c, uint64_t order_id) {
            OrderRecord r{};
            return one_row(Table::kOrders, c.ctx().read_order(order_id, r), r);
          },
          py::arg("order_id"))
      .def(
          "_strategy",
          [](const C& c, py::handle strategy) {
            StrategyRecord r{};
            const uint16_t s = strategy.is_none()
                                   ? c.default_strategy()
                                   : c.names()->strategies.find(strategy, c.names()->engine);
            return one_row(Table::kStrategies, c.ctx().read_strategy(s, r), r);
          },
          py::arg("strategy"))
      .def(
          "_strategy_position",
          [](const C& c, py::handle strategy, py::handle symbol) {
            PositionRecord r{};
            const Names& n = *c.names();
            const uint16_t s =
                strategy.is_none() ? c.default_strategy() : n.strategies.find(strategy, n.engine);
            const uint16_t i = n.instruments.find(symbol, n.engine);
            return one_row(Table::kStrategyPositions, c.ctx().read_strategy_position(s, i, r), r);
          },
          py::arg("strategy"), py::arg("symbol"))
      .def(
          "_balance",
          [](const C& c, py::handle account, py::handle asset) {
            BalanceRecord r{};
            const Names& n = *c.names();
            const uint16_t a = n.accounts.find(account, n.engine);
            const uint16_t k = n.assets.find(asset, n.engine);
            return one_row(Table::kBalances, c.ctx().read_balance(a, k, r), r);
          },
          py::arg("account"), py::arg("asset"))
      .def(
          "_instrument",
          [](const C& c, py::handle symbol) {
            const uint16_t i = c.names()->instruments.find(symbol, c.names()->engine);
            return one_row(Table::kInstruments, true, c.ctx().names().instrument(i));
          },
          py::arg("symbol"));
}

}  // namespace ose::python
