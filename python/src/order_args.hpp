// new_order()'s keyword arguments, shared by ose.Client and a strategy's ose.StrategyContext so
// that the two take exactly the same arguments with the same conversions: names resolved through
// Names (KeyError listing the known ones), money exact (decimal_conv.hpp), enums by member or word.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "engine/core/command.hpp"
#include "engine/core/state.hpp"
#include "python/src/names.hpp"

namespace ose::python {

namespace py = pybind11;

struct NewOrderArgs {
  py::handle account, strategy, symbol, side, type, qty, price, tif, stop_price, callback_rate,
      activation_price, expire_ts;
  bool post_only = false, reduce_only = false;
  py::handle stop_loss, take_profit, cl_id;
};

// Fills every field of `n` but client and cl_id from `a`. strategy defaults to
// `default_strategy` (TypeError naming `client` when that is kNoIndex), account to the strategy's
// account in `s`.
void fill_new_order(NewOrderCmd& n, const NewOrderArgs& a, const Names& names, const State& s,
                    uint16_t default_strategy, const std::string& client);

// Defines `new_order` on `cls` with the keyword arguments above (keyword-only, the same defaults
// everywhere). `f` takes (Self&, NewOrderArgs) and returns the request id.
template <typename Class, typename F>
void def_new_order(Class& cls, F&& f, const char* doc) {
  cls.def(
      "new_order",
      [f](typename Class::type& self, py::handle account, py::handle strategy, py::handle symbol,
          py::handle side, py::handle type, py::handle qty, py::handle price, py::handle tif,
          py::handle stop_price, py::handle callback_rate, py::handle activation_price,
          py::handle expire_ts, bool post_only, bool reduce_only, py::handle stop_loss,
          py::handle take_profit, py::handle cl_id) {
        return f(self, NewOrderArgs{account, strategy, symbol, side, type, qty, price, tif,
                                    stop_price, callback_rate, activation_price, expire_ts,
                                    post_only, reduce_only, stop_loss, take_profit, cl_id});
      },
      py::kw_only(), py::arg("account") = py::none(), py::arg("strategy") = py::none(),
      py::arg("symbol"), py::arg("side"), py::arg("type") = "limit", py::arg("qty"),
      py::arg("price") = py::none(), py::arg("tif") = "gtc", py::arg("stop_price") = py::none(),
      py::arg("callback_rate") = py::none(), py::arg("activation_price") = py::none(),
      py::arg("expire_ts") = py::none(), py::arg("post_only") = false,
      py::arg("reduce_only") = false, py::arg("stop_loss") = py::none(),
      py::arg("take_profit") = py::none(), py::arg("cl_id") = py::none(), doc);
}

}  // namespace ose::python
