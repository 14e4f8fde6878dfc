#include "python/src/order_args.hpp"

#include "python/src/decimal_conv.hpp"
#include "python/src/enums.hpp"

namespace ose::python {

namespace {

// new_order()'s keywords, in NewOrderArgs' order.
enum Arg : size_t {
  kAccount,
  kStrategy,
  kSymbol,
  kSide,
  kType,
  kQty,
  kPrice,
  kTif,
  kStopPrice,
  kCallbackRate,
  kActivationPrice,
  kExpireTs,
  kPostOnly,
  kReduceOnly,
  kStopLoss,
  kTakeProfit,
  kClId,
  kArgCount
};

Keyword g_keywords[kArgCount] = {{"account"},
                                 {"strategy"},
                                 {"symbol"},
                                 {"side"},
                                 {"type"},
                                 {"qty"},
                                 {"price"},
                                 {"tif"},
                                 {"stop_price"},
                                 {"callback_rate"},
                                 {"activation_price"},
                                 {"expire_ts"},
                                 {"post_only"},
                                 {"reduce_only"},
                                 {"stop_loss"},
                                 {"take_profit"},
                                 {"cl_id"}};

// The defaults of type and tif: str words, as pybind11 passed them before.
py::handle default_word(const char* word) {
  PyObject* s = PyUnicode_InternFromString(word);  // kept for the module's lifetime
  if (s == nullptr) throw py::error_already_set();
  return s;
}

bool truth(PyObject* v) {
  if (v == nullptr) return false;
  const int t = PyObject_IsTrue(v);
  if (t < 0) throw py::error_already_set();
  return t != 0;
}

}  // namespace

NewOrderArgs parse_new_order_args(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const py::handle limit = default_word("limit"), gtc = default_word("gtc");
  PyObject* v[kArgCount];
  parse_keywords("new_order", g_keywords, args, nargs, kwnames, v);
  for (const size_t required : {kSymbol, kSide, kQty}) {
    if (v[required] == nullptr) {
      PyErr_Format(PyExc_TypeError, "new_order() missing required keyword argument: '%s'",
                   g_keywords[required].name);
      throw py::error_already_set();
    }
  }
  const auto or_none = [&](Arg a) { return v[a] == nullptr ? py::handle(Py_None) : v[a]; };
  return NewOrderArgs{or_none(kAccount),
                      or_none(kStrategy),
                      v[kSymbol],
                      v[kSide],
                      v[kType] == nullptr ? limit : v[kType],
                      v[kQty],
                      or_none(kPrice),
                      v[kTif] == nullptr ? gtc : v[kTif],
                      or_none(kStopPrice),
                      or_none(kCallbackRate),
                      or_none(kActivationPrice),
                      or_none(kExpireTs),
                      truth(v[kPostOnly]),
                      truth(v[kReduceOnly]),
                      or_none(kStopLoss),
                      or_none(kTakeProfit),
                      or_none(kClId)};
}

void fill_new_order(NewOrderCmd& n, const NewOrderArgs& a, const Names& names, const State& s,
                    uint16_t default_strategy, const std::string& client) {
  if (a.strategy.is_none()) {
    if (default_strategy == kNoIndex) {
      throw py::type_error("new_order(): strategy= is required (engine '" + names.engine +
                           "' has no strategy named like client '" + client + "')");
    }
    n.strategy = default_strategy;
  } else {
    n.strategy = names.strategies.find(a.strategy, names.engine);
  }
  n.account = a.account.is_none() ? s.strategy(n.strategy).account
                                  : names.accounts.find(a.account, names.engine);
  n.instrument = names.instruments.find(a.symbol, names.engine);
  n.side = static_cast<uint8_t>(enum_from_py<Side>(a.side, "side"));
  n.type = static_cast<uint8_t>(enum_from_py<OrderType>(a.type, "type"));
  n.tif = static_cast<uint8_t>(enum_from_py<Tif>(a.tif, "tif"));
  n.flags = static_cast<uint8_t>((a.post_only ? kFlagPostOnly : 0) |
                                 (a.reduce_only ? kFlagReduceOnly : 0));
  n.qty = fixed_from_py<Qty>(a.qty, "qty");
  n.price = fixed_from_py<Price>(a.price, "price");
  n.stop_price = fixed_from_py<Price>(a.stop_price, "stop_price");
  n.callback_rate = fixed_from_py<Rate>(a.callback_rate, "callback_rate");
  n.activation_price = fixed_from_py<Price>(a.activation_price, "activation_price");
  n.stop_loss = fixed_from_py<Price>(a.stop_loss, "stop_loss");
  n.take_profit = fixed_from_py<Price>(a.take_profit, "take_profit");
  n.expire_ts = a.expire_ts.is_none() ? 0 : a.expire_ts.cast<int64_t>();
}

}  // namespace ose::python
