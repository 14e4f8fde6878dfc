// Where the Runner hands every applied input, in seq order, on the engine thread. Persistence
// implements it (the journal), wired in tools/; the engine depends only on this interface.
#pragma once

#include "engine/core/command.hpp"

namespace ose {

class InputSink {
 public:
  // Must not block or throw: implementations enqueue and return.
  virtual void on_input(const Input& input) noexcept = 0;

 protected:
  ~InputSink() = default;
};

}  // namespace ose
