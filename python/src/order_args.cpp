#include "python/src/order_args.hpp"

#include "python/src/decimal_conv.hpp"
#include "python/src/enums.hpp"

namespace ose::python {

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
