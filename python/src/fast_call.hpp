// Methods called on every order and every response, bound as plain CPython METH_FASTCALL
// methods instead of through pybind11's generic dispatcher. pybind11 matches each keyword
// argument by name against every overload on every call and boxes the arguments in a vector;
// for new_order()'s nine keywords that alone cost about a microsecond, a Python round trip's
// biggest single overhead (docs/PERFORMANCE.md, issue 16). Here a keyword is matched by pointer
// against interned names (the names a call site passes are interned constants) and falls back to
// a string compare, so the accepted arguments are exactly the pybind11 ones.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <exception>
#include <span>

namespace ose::python {

namespace py = pybind11;

// The C++ exceptions the bindings throw, as the Python exceptions pybind11 would have raised
// for them: calls f() and returns its result, or nullptr with the Python error set.
template <typename F>
PyObject* translated(F&& f) noexcept {
  try {
    return f();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
  }
  return nullptr;
}

// A keyword parameter: its name, interned once (kwnames at a call site are interned, so the
// match is usually a pointer compare).
struct Keyword {
  const char* name;
  PyObject* interned = nullptr;  // set by intern(); never released (module-lifetime)
};

// Interns the names of `keywords` (once per list; needs the GIL).
void intern(std::span<Keyword> keywords);

// The arguments of a fastcall `method` that takes keywords only: out[i] is the value given for
// keywords[i], or nullptr when not given. TypeError (thrown as error_already_set) for a
// positional argument or an unknown keyword.
void parse_keywords(const char* method, std::span<Keyword> keywords, PyObject* const* args,
                    Py_ssize_t nargs, PyObject* kwnames, std::span<PyObject*> out);

// The same for a method whose parameters may also be passed by position, in order.
void parse_arguments(const char* method, std::span<Keyword> keywords, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames, std::span<PyObject*> out);

// Adds `def` (static storage: CPython keeps the pointer) to class `cls` as a method.
void add_method(py::handle cls, PyMethodDef* def);

}  // namespace ose::python
