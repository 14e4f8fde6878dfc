// new_order()'s keyword arguments, shared by ose.Client and a strategy's ose.StrategyContext so
// that the two take exactly the same arguments with the same conversions: names resolved through
// Names (KeyError listing the known ones), money exact (decimal_conv.hpp), enums by member or word.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "engine/core/command.hpp"
#include "engine/core/state.hpp"
#include "python/src/fast_call.hpp"
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

// new_order()'s arguments of a fastcall (fast_call.hpp): keyword-only, with the defaults above
// (type "limit", tif "gtc", the rest None or False). TypeError for a positional argument, an
// unknown keyword or a missing symbol/side/qty.
NewOrderArgs parse_new_order_args(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames);

// The text signature help() and inspect show for new_order (CPython reads it from the doc).
inline constexpr const char* kNewOrderSignature =
    "new_order($self, /, *, account=None, strategy=None, symbol, side, type='limit', qty, "
    "price=None, tif='gtc', stop_price=None, callback_rate=None, activation_price=None, "
    "expire_ts=None, post_only=False, reduce_only=False, stop_loss=None, take_profit=None, "
    "cl_id=None)\n--\n\n";

template <typename Self, typename F>
PyObject* new_order_fastcall(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                             PyObject* kwnames) {
  return translated([&]() -> PyObject* {
    const NewOrderArgs a = parse_new_order_args(args, nargs, kwnames);
    Self& s = py::handle(self).cast<Self&>();
    const uint64_t request = F{}(s, a);
    return PyLong_FromUnsignedLongLong(request);
  });
}

// Defines `new_order` on `cls` with the keyword arguments above, as a fastcall method (the
// hottest call of a strategy). `F` is a captureless lambda taking (Self&, NewOrderArgs) and
// returning the request id. One definition per (Class, F): CPython keeps pointers to it.
template <typename Class, typename F>
void def_new_order(Class& cls, F, const char* doc) {
  static const std::string full_doc = std::string(kNewOrderSignature) + doc;
  static PyMethodDef def{"new_order",
                         reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(
                             &new_order_fastcall<typename Class::type, F>)),
                         METH_FASTCALL | METH_KEYWORDS, full_doc.c_str()};
  add_method(cls, &def);
}

}  // namespace ose::python
