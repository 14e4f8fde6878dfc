// The trampoline that lets the C++ drivers (run_live's LiveDriver, the backtest's simulation)
// drive a strategy written in Python: ose.Strategy's compiled base is this class, so a Python
// subclass is an ose::Strategy whose virtual callbacks call the Python methods.
//
// Each callback takes the GIL (the drivers run without it), converts its arguments (the context
// as an ose.StrategyContext, the market as an ose.Record, a response as an ose.Response) and
// calls the Python method. An exception a callback raises is kept, not thrown through the C++
// driver: the strategy is then failed, later callbacks are skipped, and the driver's binding
// raises the exception once the driver has returned. A pending signal (Ctrl-C) is raised the same
// way, as KeyboardInterrupt.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <functional>
#include <string>

#include "engine/client/strategy.hpp"
#include "engine/core/event.hpp"

namespace ose::python {

namespace py = pybind11;

class PyStrategy : public Strategy {
 public:
  std::string on_start(StrategyContext& ctx) override;
  void on_market(StrategyContext& ctx, uint16_t instrument, const MarketRecord& m) override;
  void on_response(StrategyContext& ctx, const Response& r) override;
  void on_timer(StrategyContext& ctx) override;
  void on_stop(StrategyContext& ctx) override;

  // A driver's binding, with the GIL held: begin_run() before the driver starts (`engine` names
  // the engine in messages; `ids` reads an event's venue ids, or is empty), end_run() after it
  // returned, which unbinds the context and raises what a callback raised, if anything.
  void begin_run(std::string engine, std::function<EventVenueIds(const Event&)> ids);
  void end_run();
  // A callback failed (or a signal came): the driver should stop. Any thread.
  bool failed() const noexcept { return failed_; }
  // When the failure is a KeyboardInterrupt: forgets it (a live run's Ctrl-C is a clean stop)
  // and returns true. With the GIL held.
  bool take_interrupt();
  // What failed, as one line (the exception's type and message); with the GIL held.
  std::string failure() const;

 private:
  template <typename F>
  void guarded(F&& f) noexcept;
  py::object context(StrategyContext& ctx);

  std::string engine_;
  std::function<EventVenueIds(const Event&)> ids_;
  StrategyContext* bound_ = nullptr;
  py::object ctx_obj_;
  std::exception_ptr error_;
  bool failed_ = false;  // written and read with the GIL held
};

}  // namespace ose::python
