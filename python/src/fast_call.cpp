#include "python/src/fast_call.hpp"

#include <string>

namespace ose::python {

namespace {

[[noreturn]] void type_error(const std::string& message) {
  PyErr_SetString(PyExc_TypeError, message.c_str());
  throw py::error_already_set();
}

// The index in `keywords` of keyword `name`, or keywords.size().
size_t keyword_index(std::span<Keyword> keywords, PyObject* name) {
  for (size_t i = 0; i < keywords.size(); ++i) {
    if (keywords[i].interned == name) return i;
  }
  // A name built at run time (f(**kwargs) with a computed key) is not the interned object.
  for (size_t i = 0; i < keywords.size(); ++i) {
    if (PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, keywords[i].name) == 0) {
      return i;
    }
  }
  return keywords.size();
}

void parse(const char* method, std::span<Keyword> keywords, PyObject* const* args, Py_ssize_t nargs,
           PyObject* kwnames, std::span<PyObject*> out, size_t max_positional) {
  if (keywords.front().interned == nullptr) intern(keywords);
  for (PyObject*& o : out) o = nullptr;
  if (static_cast<size_t>(nargs) > max_positional) {
    type_error(std::string(method) + "() takes " +
               (max_positional == 0
                    ? std::string("no positional arguments")
                    : "at most " + std::to_string(max_positional) + " positional arguments") +
               " (" + std::to_string(nargs) + " given)");
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) out[static_cast<size_t>(i)] = args[i];
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, k);
    const size_t i = keyword_index(keywords, name);
    if (i == keywords.size()) {
      type_error(std::string(method) + "() got an unexpected keyword argument " +
                 py::repr(name).cast<std::string>());
    }
    if (out[i] != nullptr) {
      type_error(std::string(method) + "() got multiple values for argument '" + keywords[i].name +
                 "'");
    }
    out[i] = args[nargs + k];
  }
}

}  // namespace

void intern(std::span<Keyword> keywords) {
  for (Keyword& k : keywords) {
    if (k.interned == nullptr) k.interned = PyUnicode_InternFromString(k.name);
    if (k.interned == nullptr) throw py::error_already_set();
  }
}

void parse_keywords(const char* method, std::span<Keyword> keywords, PyObject* const* args,
                    Py_ssize_t nargs, PyObject* kwnames, std::span<PyObject*> out) {
  parse(method, keywords, args, nargs, kwnames, out, 0);
}

void parse_arguments(const char* method, std::span<Keyword> keywords, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames, std::span<PyObject*> out) {
  parse(method, keywords, args, nargs, kwnames, out, keywords.size());
}

void add_method(py::handle cls, PyMethodDef* def) {
  const auto descr = py::reinterpret_steal<py::object>(
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def));
  if (!descr) throw py::error_already_set();
  py::setattr(cls, def->ml_name, descr);
}

}  // namespace ose::python
