// Benchmarks of `ose backtest` (issue 15) on the bundled real data: ~11 minutes of BTCUSDT spot,
// its bookTicker (73k rows) and trades (20k rows) merged, with the sample EMA/RSI strategy and
// the config and [bot] table of config/demo.toml (what `ose backtest` runs by default).
//
//   BM_Backtest_Simulate            simulate() alone, no journal: the whole event loop, feed →
//                                   strategy → core → venue → strategy, with the CSV parsing.
//   BM_Backtest_Simulate_Journaled  run_backtest(): the same simulation with every input
//                                   journaled into a fresh LMDB journal (the manual time is the
//                                   run's own wall_s: simulation plus the journal's drain), then
//                                   the report rebuilt from the journal (run_s counts that too).
//   BM_Backtest_CsvOnly             only the TickMerger reading the same files: the parsing floor.
//
// Counters: events/s (simulation events, SimResult::events), ticks/s (market rows), and
// s_per_sim_day = wall time × 86400 s / (last tick − first tick), the bundled slice's cost
// extrapolated to a day of the same activity. The ratios between the three benchmarks are what
// a single run shows reliably on a shared machine; main() prints them after the run (ns per tick
// of each, simulation ÷ parsing, journaled ÷ simulation).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ema_rsi/ema_rsi_strategy.hpp"
#include "engine/formats/bot_table.hpp"
#include "engine/formats/config.hpp"
#include "tools/backtest/backtest_run.hpp"
#include "tools/backtest/simulation.hpp"

namespace ose::bench {
namespace {

const std::string kConfig = std::string(OSE_SOURCE_DIR) + "/config/demo.toml";
const std::string kData = std::string(OSE_SHARED_DATA_DIR) + "/binance/";
const std::vector<std::string> kFiles = {
    kData + "bookticker/BTCUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv",
    kData + "trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv",
};
constexpr double kDayNs = 86400e9;

// ns per tick of each benchmark, for the ratios main() prints.
std::map<std::string, double>& ns_per_tick() {
  static std::map<std::string, double> m;
  return m;
}

// What every benchmark needs, loaded once: the config, the strategy's settings and the data.
struct Setup {
  EngineConfig config;
  std::vector<BotSetting> settings;
  std::vector<CsvFeedFile> files;
  std::string error;
};

const Setup& setup() {
  static const Setup s = [] {
    Setup out;
    auto text = read_config_text(kConfig);
    if (!text) return Setup{{}, {}, {}, text.error()};
    auto config = load_config_string(*text, kConfig);
    if (!config) return Setup{{}, {}, {}, config.error()};
    out.config = std::move(*config);
    auto table = read_bot_table(*text, kConfig);
    if (!table) return Setup{{}, {}, {}, table.error()};
    for (const BotTableEntry& e : *table) {
      out.settings.push_back({e.key, e.text, BotValueKind::kAny, kConfig});
    }
    auto names = State::create(out.config);
    if (!names) return Setup{{}, {}, {}, names.error()};
    for (const std::string& f : kFiles) {
      auto file = csv_feed_file(f, *names, "--data");
      if (!file) return Setup{{}, {}, {}, file.error()};
      out.files.push_back(*file);
    }
    return out;
  }();
  return s;
}

// Sets the common counters from totals over all iterations and records ns per tick.
void report(benchmark::State& state, const char* name, double wall_s, uint64_t events,
            uint64_t ticks, int64_t span_ns) {
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events) / wall_s);
  state.counters["ticks/s"] = benchmark::Counter(static_cast<double>(ticks) / wall_s);
  const double per_run_s = wall_s / static_cast<double>(state.iterations());
  if (span_ns > 0) {
    state.counters["s_per_sim_day"] =
        benchmark::Counter(per_run_s * kDayNs / static_cast<double>(span_ns));
  }
  ns_per_tick()[name] = wall_s * 1e9 / static_cast<double>(ticks);
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_Backtest_Simulate(benchmark::State& state) {
  const Setup& s = setup();
  if (!s.error.empty()) return state.SkipWithError(s.error.c_str());
  auto params = backtest::backtest_params(s.settings);
  if (!params) return state.SkipWithError(params.error().c_str());
  backtest::SimOptions options;
  options.data = s.files;
  double wall_s = 0;
  uint64_t events = 0, ticks = 0;
  int64_t span_ns = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    EmaRsiStrategy strategy(*params, {});
    auto r = backtest::simulate(s.config, options, strategy, nullptr);
    const double t = since(t0);
    if (!r) return state.SkipWithError(r.error().c_str());
    state.SetIterationTime(t);
    wall_s += t;
    events += r->events;
    ticks += r->ticks;
    span_ns = r->last_tick_ns - r->first_tick_ns;
    state.counters["inputs"] = static_cast<double>(r->inputs);
    state.counters["orders"] = static_cast<double>(r->strategy_commands);
  }
  report(state, "simulate", wall_s, events, ticks, span_ns);
}
BENCHMARK(BM_Backtest_Simulate)->Unit(benchmark::kMillisecond)->UseManualTime();

void BM_Backtest_Simulate_Journaled(benchmark::State& state) {
  const Setup& s = setup();
  if (!s.error.empty()) return state.SkipWithError(s.error.c_str());
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ose-backtest-bench-" + std::to_string(getpid()));
  backtest::BacktestSpec spec;
  spec.config = s.config;
  spec.settings = s.settings;
  spec.data = kFiles;
  spec.out_dir = dir.string();
  double wall_s = 0, run_s = 0;
  uint64_t events = 0, ticks = 0;
  int64_t span_ns = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = backtest::run_backtest(spec);
    const double t = since(t0);
    if (!r) {
      std::filesystem::remove_all(dir);
      return state.SkipWithError(r.error().c_str());
    }
    state.SetIterationTime(r->wall_s);
    wall_s += r->wall_s;
    run_s += t;
    events += r->sim.events;
    ticks += r->sim.ticks;
    span_ns = r->sim.last_tick_ns - r->sim.first_tick_ns;
  }
  std::filesystem::remove_all(dir);
  report(state, "journaled", wall_s, events, ticks, span_ns);
  // The whole run_backtest() per run: checks, journal, then the report rebuilt from the journal.
  state.counters["run_s"] = benchmark::Counter(run_s / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Backtest_Simulate_Journaled)->Unit(benchmark::kMillisecond)->UseManualTime();

void BM_Backtest_CsvOnly(benchmark::State& state) {
  const Setup& s = setup();
  if (!s.error.empty()) return state.SkipWithError(s.error.c_str());
  double wall_s = 0;
  uint64_t ticks = 0;
  int64_t span_ns = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto merger = TickMerger::open(s.files);
    if (!merger) return state.SkipWithError(merger.error().c_str());
    TimedTick t;
    uint64_t n = 0;
    int64_t first = 0, last = 0;
    while (merger->next(t)) {
      if (n++ == 0) first = t.ts_ns;
      last = t.ts_ns;
      benchmark::DoNotOptimize(t);
    }
    const double dt = since(t0);
    state.SetIterationTime(dt);
    wall_s += dt;
    ticks += n;
    span_ns = last - first;
  }
  // events/s here counts ticks: parsing has no other events.
  report(state, "parse", wall_s, ticks, ticks, span_ns);
}
BENCHMARK(BM_Backtest_CsvOnly)->Unit(benchmark::kMillisecond)->UseManualTime();

void print_ratios() {
  const auto& m = ns_per_tick();
  for (const auto& [name, ns] : m) std::printf("%-10s %8.1f ns per tick\n", name.c_str(), ns);
  const auto ratio = [&](const char* a, const char* b) {
    if (m.count(a) && m.count(b)) {
      std::printf("%s / %s = %.2f (same run)\n", a, b, m.at(a) / m.at(b));
    }
  };
  ratio("simulate", "parse");
  ratio("journaled", "simulate");
}

}  // namespace
}  // namespace ose::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  ose::bench::print_ratios();
  return 0;
}
