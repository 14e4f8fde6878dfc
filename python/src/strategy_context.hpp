// ose.StrategyContext (compiled base): a C++ StrategyContext (engine/client/strategy.hpp) as a
// strategy written in Python sees it during its callbacks: the clock, order entry with the same
// arguments as ose.Client.new_order, the timer, and one-row reads of the engine's state (the
// Python half, python/ose/_strategy.py, turns them into ose.Record objects).
//
// It points at the driver's context only while a run is under way: the driver binds it before
// the first callback and unbinds it after the last, so a context kept past its run raises instead
// of reaching a context that no longer exists.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/client/strategy.hpp"
#include "python/src/names.hpp"

namespace ose::python {

namespace py = pybind11;

class PyContext {
 public:
  void bind(StrategyContext& ctx, std::shared_ptr<const Names> names);
  void unbind() noexcept { ctx_ = nullptr; }
  const std::shared_ptr<const Names>& names() const noexcept { return names_; }

  StrategyContext& ctx() const;  // RuntimeError outside a run
  const std::string& client_name() const noexcept { return client_name_; }
  uint16_t default_strategy() const noexcept { return default_strategy_; }
  uint64_t last_cl_id = 0;

 private:
  StrategyContext* ctx_ = nullptr;
  std::shared_ptr<const Names> names_;
  std::string client_name_;
  uint16_t default_strategy_ = kNoIndex;
};

void bind_strategy_context(py::module_& m);

}  // namespace ose::python
