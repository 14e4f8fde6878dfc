#include "python/src/decimal_conv.hpp"

#include <string>
#include <string_view>

#include "engine/core/fixed_point.hpp"

namespace ose::python {

namespace {

// decimal.Decimal, looked up once. Never released: module-level Python objects must outlive
// every caller, and the interpreter tears down modules in an order C++ statics cannot follow.
const py::object& decimal_class() {
  static const auto* cls = new py::object(py::module_::import("decimal").attr("Decimal"));
  return *cls;
}

// "1.500000000" → "1.5": trailing fraction zeros carry no value, and without them a Decimal
// such as Decimal("1.000000000") parses within the 8 places the engine keeps.
std::string_view without_fraction_zeros(std::string_view s) {
  if (s.find('.') == std::string_view::npos) return s;
  while (!s.empty() && s.back() == '0') s.remove_suffix(1);
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

int64_t parse_or_raise(std::string_view text, const char* field) {
  const auto v = parse_decimal_e8(without_fraction_zeros(text));
  if (!v) {
    throw py::value_error(std::string(field) + ": '" + std::string(text) +
                          "' is not an amount ose can hold exactly (plain decimal notation, at "
                          "most 8 decimal places, within ±92233720368.54775807)");
  }
  return *v;
}

// The UTF-8 bytes of str `v`, without a copy (CPython caches them in the object).
std::string_view utf8_of(py::handle v) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(v.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return {data, static_cast<size_t>(size)};
}

}  // namespace

int64_t e8_from_py(py::handle v, const char* field) {
  if (PyBool_Check(v.ptr())) {
    throw py::type_error(std::string(field) + ": a bool is not an amount");
  }
  if (PyFloat_Check(v.ptr())) {
    const std::string r = py::repr(v).cast<std::string>();
    throw py::type_error(
        std::string(field) + ": float " + r +
        " refused: a binary float cannot hold most decimals exactly (0.1 is stored as "
        "0.1000000000000000055511151231257827...), and ose does not round money silently. Pass "
        "a str or decimal.Decimal, e.g. '" +
        r + "' or Decimal('" + r + "'), or an int");
  }
  if (PyLong_Check(v.ptr())) {
    int overflow = 0;
    const long long whole = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    int64_t e8 = 0;
    if (overflow != 0 || __builtin_mul_overflow(static_cast<int64_t>(whole), kScale, &e8)) {
      throw py::value_error(std::string(field) + ": " + py::repr(v).cast<std::string>() +
                            " is out of range (at most ±92233720368)");
    }
    return e8;
  }
  if (PyUnicode_Check(v.ptr())) return parse_or_raise(utf8_of(v), field);
  if (py::isinstance(v, decimal_class())) {
    // format(d, "f"): plain notation, never an exponent (str(Decimal("1E-8")) is "1E-8").
    const auto text =
        py::reinterpret_steal<py::object>(PyObject_Format(v.ptr(), py::str("f").ptr()));
    if (!text) throw py::error_already_set();
    return parse_or_raise(utf8_of(text), field);
  }
  throw py::type_error(std::string(field) + ": expected str, decimal.Decimal or int, got " +
                       py::str(py::type::handle_of(v).attr("__name__")).cast<std::string>());
}

py::object decimal_from_e8(int64_t e8) {
  return decimal_class()(format_decimal_e8(e8));
}

}  // namespace ose::python
