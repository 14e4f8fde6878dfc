// The exceptions a person can act on (docs/PYTHON.md, "Errors"). Engine rejects are never
// exceptions: they come back as data in a Response.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace ose::python {

namespace py = pybind11;

enum class ErrorKind {
  kError,             // ose.Error: the base of the others
  kEngineNotRunning,  // no state segment for the engine name
  kLayoutMismatch,    // the engine was built with another shared-memory layout
  kUnknownClient,     // the client name is not one of the engine's [[clients]] (a LookupError)
  kClientInUse,       // another live process holds the client's slot
  kCommandRingFull,   // the engine is behind: this client's command ring is full
  kClosed,            // the Client was closed
  kPermissionDenied,  // the segment's owner, group and mode do not let this user open it
  kCount
};

// Sets the Python exception of `kind` with `message` and throws to unwind into pybind11.
[[noreturn]] void raise(ErrorKind kind, const std::string& message);

// Raises the right exception for a failed Client::attach or StateReader::attach, after
// checking the cases the C++ message alone does not tell apart reliably.
[[noreturn]] void raise_attach_error(const std::string& engine, const std::string& message);

// Raises EngineNotRunning, with the segment path, when engine's state segment does not exist.
void require_engine(const std::string& engine);

}  // namespace ose::python
