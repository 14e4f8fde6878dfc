#include "python/src/errors.hpp"

#include <filesystem>

#include "engine/layout/shared_layout.hpp"
#include "python/src/module.hpp"

namespace ose::python {

namespace {

// By ErrorKind; owned by the module, alive as long as it is.
PyObject* g_classes[static_cast<int>(ErrorKind::kCount)] = {};

PyObject* make_class(py::module_& m, ErrorKind kind, const char* name, PyObject* bases,
                     const char* doc) {
  const std::string qualified = std::string("ose.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(cls));
  g_classes[static_cast<int>(kind)] = cls;
  return cls;
}

bool mentions(const std::string& message, const char* text) {
  return message.find(text) != std::string::npos;
}

}  // namespace

void raise(ErrorKind kind, const std::string& message) {
  PyErr_SetString(g_classes[static_cast<int>(kind)], message.c_str());
  throw py::error_already_set();
}

void require_engine(const std::string& engine) {
  const std::string path = std::string(shm::kShmDir) + "/" + state_segment_name(engine);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    raise(ErrorKind::kEngineNotRunning,
          "no engine '" + engine + "' (is ose engine running? " + path + " missing)");
  }
}

void raise_attach_error(const std::string& engine, const std::string& message) {
  require_engine(engine);  // the segment vanished between the check and the attach
  if (mentions(message, "another memory layout")) raise(ErrorKind::kLayoutMismatch, message);
  if (mentions(message, " is in use by pid ")) raise(ErrorKind::kClientInUse, message);
  if (mentions(message, "(EACCES)")) raise(ErrorKind::kPermissionDenied, message);
  if (mentions(message, "(ENOENT)") || mentions(message, "is not running")) {
    raise(ErrorKind::kEngineNotRunning,
          "no engine '" + engine + "' (is ose engine running? " + message + ")");
  }
  raise(ErrorKind::kError, message);
}

void bind_errors(py::module_& m) {
  PyObject* base = make_class(m, ErrorKind::kError, "Error", PyExc_Exception,
                              "Base class of the errors of the ose module.");
  make_class(m, ErrorKind::kEngineNotRunning, "EngineNotRunning", base,
             "No engine of that name: its state segment in /dev/shm is missing.");
  make_class(m, ErrorKind::kLayoutMismatch, "LayoutMismatch", base,
             "The engine was built with another shared-memory layout than this module; the "
             "message names both. Rebuild one of them.");
  const py::tuple lookup = py::make_tuple(py::handle(base), py::handle(PyExc_LookupError));
  make_class(m, ErrorKind::kUnknownClient, "UnknownClient", lookup.ptr(),
             "The client name is not one of the engine's [[clients]]; the message lists them.");
  make_class(m, ErrorKind::kClientInUse, "ClientInUse", base,
             "Another live process holds this client's slot (one process per client).");
  make_class(m, ErrorKind::kCommandRingFull, "CommandRingFull", base,
             "The engine is behind and this client's command ring is full: read responses, "
             "then submit again. Nothing was submitted.");
  make_class(m, ErrorKind::kClosed, "ClientClosed", base, "The Client was closed.");
  const py::tuple permission = py::make_tuple(py::handle(base), py::handle(PyExc_PermissionError));
  make_class(m, ErrorKind::kPermissionDenied, "PermissionDenied", permission.ptr(),
             "This user may not open the segment (EACCES): the message names its owner, group "
             "and mode. Readers join the engine's state_group; a strategy runs as its client's "
             "user or group (docs/SECURITY.md).");
}

}  // namespace ose::python
