#include "python/src/py_strategy.hpp"

#include "python/src/events.hpp"
#include "python/src/strategy_context.hpp"
#include "python/src/tables.hpp"

namespace ose::python {

template <typename F>
void PyStrategy::guarded(F&& f) noexcept {
  py::gil_scoped_acquire gil;
  if (failed_) return;
  try {
    f();
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  } catch (...) {
    error_ = std::current_exception();
    failed_ = true;
  }
}

py::object PyStrategy::context(StrategyContext& ctx) {
  if (bound_ != &ctx) {
    // A driver's first callback (the backtest's start check has a context of its own): the
    // context object is the Python class, so that its Record helpers are there.
    if (ctx_obj_) ctx_obj_.cast<PyContext&>().unbind();
    ctx_obj_ = py::module_::import("ose").attr("StrategyContext")();
    ctx_obj_.cast<PyContext&>().bind(ctx, Names::of(engine_, ctx.names()));
    bound_ = &ctx;
  }
  return ctx_obj_;
}

std::string PyStrategy::on_start(StrategyContext& ctx) {
  std::string refused;
  guarded([&] {
    py::function f = py::get_override(this, "on_start");
    py::object r = f ? f(context(ctx)) : py::none();
    if (!r.is_none() && !(py::isinstance<py::str>(r) && r.cast<std::string>().empty())) {
      refused = py::str(r).cast<std::string>();
    }
  });
  if (failed_ && refused.empty()) refused = "on_start raised (see the exception)";
  return refused;
}

void PyStrategy::on_market(StrategyContext& ctx, uint16_t instrument, const MarketRecord& m) {
  guarded([&] {
    py::object c = context(ctx);
    const auto& names = c.cast<PyContext&>().names();
    py::object symbol = names->instruments.name(instrument);
    py::object record =
        c.attr("_record")("market", one_row(Table::kMarket, true, m), py::arg("symbol") = symbol);
    if (py::function f = py::get_override(this, "on_market")) f(c, symbol, record);
  });
}

void PyStrategy::on_response(StrategyContext& ctx, const Response& r) {
  guarded([&] {
    py::object c = context(ctx);
    const bool has_ids = (r.flags & kResponseDone) == 0 &&
                         (r.event.type == EventType::kFill || r.event.type == EventType::kAcked);
    const EventVenueIds ids = has_ids && ids_ ? ids_(r.event) : EventVenueIds{};
    if (py::function f = py::get_override(this, "on_response")) {
      f(c, make_response(r, ids, c.cast<PyContext&>().names()));
    }
  });
}

void PyStrategy::on_timer(StrategyContext& ctx) {
  guarded([&] {
    if (py::function f = py::get_override(this, "on_timer")) f(context(ctx));
  });
}

void PyStrategy::on_stop(StrategyContext& ctx) {
  // on_stop runs even after a failure: the strategy may log or tidy up. Its own exception is
  // kept only when nothing failed before.
  py::gil_scoped_acquire gil;
  try {
    if (py::function f = py::get_override(this, "on_stop")) f(context(ctx));
  } catch (...) {
    if (!failed_) {
      error_ = std::current_exception();
      failed_ = true;
    }
  }
}

void PyStrategy::begin_run(std::string engine, std::function<EventVenueIds(const Event&)> ids) {
  engine_ = std::move(engine);
  ids_ = std::move(ids);
  bound_ = nullptr;
  error_ = nullptr;
  failed_ = false;
}

void PyStrategy::end_run() {
  if (ctx_obj_) ctx_obj_.cast<PyContext&>().unbind();
  ctx_obj_ = py::object();
  bound_ = nullptr;
  ids_ = nullptr;
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

bool PyStrategy::take_interrupt() {
  if (!error_) return false;
  try {
    std::rethrow_exception(error_);
  } catch (const py::error_already_set& e) {
    if (!e.matches(PyExc_KeyboardInterrupt)) return false;
  } catch (...) {
    return false;
  }
  error_ = nullptr;
  failed_ = false;
  return true;
}

std::string PyStrategy::failure() const {
  if (!error_) return {};
  try {
    std::rethrow_exception(error_);
  } catch (const py::error_already_set& e) {
    return std::string("the strategy raised ") + e.what();
  } catch (const std::exception& e) {
    return std::string("the strategy failed: ") + e.what();
  } catch (...) {
    return "the strategy failed";
  }
}

}  // namespace ose::python
