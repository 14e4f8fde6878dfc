// ose.backtest's compiled half: a Python strategy through `ose backtest`'s own run
// (tools/backtest/backtest_run.hpp): the same checks, simulation, journal, report and results
// row, so a Python strategy's backtest is read by `ose report`, `ose export` and `ose recover
// --check` like any other. The simulation runs with the GIL released; the strategy's callbacks
// take it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "engine/formats/bot_table.hpp"
#include "engine/formats/config.hpp"
#include "python/src/module.hpp"
#include "python/src/py_strategy.hpp"
#include "tools/backtest/backtest_run.hpp"
#include "tools/backtest/market_time.hpp"
#include "tools/embedded.hpp"

namespace ose::python {

namespace {

struct ConfigText {
  std::string text, origin;
};

// The config file's text, or the embedded config/demo.toml that `ose backtest` uses without
// --config.
ConfigText config_text(py::handle config) {
  if (config.is_none()) return {std::string(tools::kLiveDemoConfig), "<embedded config/demo.toml>"};
  const std::string path = py::str(config).cast<std::string>();
  auto text = read_config_text(path);
  if (!text) throw py::value_error(text.error());
  return {std::move(*text), path};
}

int64_t market_time(const std::string& text, const char* what, int64_t unset) {
  if (text.empty()) return unset;
  auto t = backtest::parse_market_time(text);
  if (!t) throw py::value_error(std::string(what) + " " + t.error());
  return *t;
}

// The strategy client's [[strategies]] namesake: whose figures the results row shows when the
// strategy does not say.
std::string strategy_named_like_client(const EngineConfig& c, const std::string& client) {
  for (const ClientSpec& s : c.clients) {
    if (client.empty() ? s.role == ClientRole::kStrategy : s.name == client) return s.name;
  }
  return client;
}

std::string backtest_py(py::handle strategy, py::handle config,
                        const std::vector<std::string>& data, const std::string& out,
                        const std::string& from, const std::string& to, int64_t entry_us,
                        int64_t response_us, int64_t feed_us, const std::string& fill_model,
                        double reject_share, uint64_t seed, const std::string& client,
                        double step_s, bool progress, const std::string& name,
                        const std::string& params_json, const std::string& booked_as) {
  auto* s = dynamic_cast<PyStrategy*>(&strategy.cast<Strategy&>());
  if (s == nullptr)
    throw py::type_error("strategy: expected an instance of a subclass of ose.Strategy");
  if (fill_model != "full" && fill_model != "partial") {
    throw py::value_error("fill_model: '" + fill_model + "' is not full or partial");
  }
  if (entry_us < 0 || response_us < 0 || feed_us < 0) {
    throw py::value_error("latencies are at least 0 µs");
  }
  if (!(reject_share >= 0 && reject_share <= 1)) throw py::value_error("reject_share: 0..1");
  if (!(step_s > 0)) throw py::value_error("step: above 0 seconds");
  const ConfigText text = config_text(config);
  auto loaded = load_config_string(text.text, text.origin);
  if (!loaded) throw py::value_error("bad config: " + loaded.error());

  backtest::BacktestSpec spec;
  spec.config = std::move(*loaded);
  spec.data = data;
  spec.sim.from_ns = market_time(from, "from_:", INT64_MIN);
  spec.sim.to_ns = market_time(to, "to:", INT64_MAX);
  spec.sim.latency = {entry_us * 1000, response_us * 1000, feed_us * 1000};
  spec.sim.venue.partial_fills = fill_model == "partial";
  spec.sim.venue.reject_per_million = static_cast<uint32_t>(std::lround(reject_share * 1e6));
  spec.sim.venue.seed = seed;
  spec.sim.strategy_client = client;
  spec.out_dir = out;
  spec.step_ns = static_cast<int64_t>(step_s * 1e9);
  spec.progress = progress;

  backtest::BacktestStrategy run{
      name,
      nlohmann::json::object(),
      booked_as.empty() ? strategy_named_like_client(spec.config, client) : booked_as,
      s,
      {}};
  run.params = nlohmann::json::parse(params_json);
  run.failure = [s] {
    py::gil_scoped_acquire gil;
    return s->failure();
  };
  s->begin_run("backtest", {});
  std::optional<Result<backtest::BacktestOutcome>> outcome;
  {
    py::gil_scoped_release release;
    outcome.emplace(backtest::run_backtest(spec, run));
  }
  s->end_run();  // raises what a callback raised (the run then failed, and says so too)
  if (!*outcome) throw py::value_error(outcome->error());
  return (*outcome)->row.dump();
}

}  // namespace

void bind_backtest(py::module_& m) {
  m.def("_backtest", &backtest_py, py::arg("strategy"), py::arg("config"), py::arg("data"),
        py::arg("out"), py::arg("from_"), py::arg("to"), py::arg("latency_entry_us"),
        py::arg("latency_response_us"), py::arg("feed_latency_us"), py::arg("fill_model"),
        py::arg("reject_share"), py::arg("seed"), py::arg("client"), py::arg("step"),
        py::arg("progress"), py::arg("name"), py::arg("params_json"), py::arg("booked_as"),
        "ose.backtest's compiled half: the results row as JSON text.");
  m.def(
      "bot_table",
      [](py::handle config) {
        const ConfigText text = config_text(config);
        auto table = read_bot_table(text.text, text.origin);
        if (!table) throw py::value_error(table.error());
        py::list out;
        for (const BotTableEntry& e : *table) {
          out.append(py::make_tuple(e.key, e.text, e.toml_value(),
                                    text.origin + ":" + std::to_string(e.line)));
        }
        return out;
      },
      py::arg("config") = py::none(),
      "The [bot] table of a config file (None: the built-in config/demo.toml), in file order: "
      "(key, value as text, value as TOML writes it, 'FILE:LINE') tuples.");
}

}  // namespace ose::python
