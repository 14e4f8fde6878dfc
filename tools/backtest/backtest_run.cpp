#include "tools/backtest/backtest_run.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ema_rsi/ema_rsi_strategy.hpp"
#include "persistence/journal.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"
#include "tools/backtest/market_time.hpp"

namespace fs = std::filesystem;

namespace ose::backtest {

namespace {

// What a finished backtest leaves beside its journal: its results row. A directory holding it is
// a previous backtest's, which a new run may replace.
constexpr const char* kRowFile = "backtest.json";
constexpr const char* kSampleStrategyName = "ema_rsi";

// The journal thread takes inputs through a queue; the simulation outruns it by far, so it waits
// whenever journal_max_behind inputs are not yet durable (the Runner's own bound), which keeps
// the queue's memory bounded. A failing journal ends the wait: the run's end reports it.
class PacedJournal final : public InputSink {
 public:
  PacedJournal(Journal& journal, const JournalStatus& status, uint64_t max_behind)
      : journal_(journal), status_(status), max_behind_(std::max<uint64_t>(max_behind, 4096)) {}

  void on_input(const Input& in) noexcept override {
    journal_.on_input(in);
    if ((in.seq & 1023) != 0) return;
    // Relaxed: a throttle; being a little late either way is harmless.
    while (in.seq - status_.durable_seq.load(std::memory_order_relaxed) > max_behind_ &&
           status_.state.load(std::memory_order_relaxed) ==
               static_cast<uint32_t>(JournalState::kWriting)) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

 private:
  Journal& journal_;
  const JournalStatus& status_;
  uint64_t max_behind_;
};

nlohmann::json number_or_null(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

Result<bool> check_out_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  if (!fs::is_directory(dir, ec)) return Error{fmt::format("--out {}: not a directory", dir)};
  if (fs::is_empty(dir, ec) || fs::exists(fs::path(dir) / kRowFile, ec)) return true;
  return Error{fmt::format(
      "--out {}: the directory holds other files; a backtest writes its journal into an empty "
      "directory or over an earlier backtest's",
      dir)};
}

Result<bool> clear_out_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("--out {}: {}", dir, ec.message())};
  for (const char* f : {"data.mdb", "lock.mdb", kRowFile}) fs::remove(fs::path(dir) / f, ec);
  return true;
}

Result<std::vector<CsvFeedFile>> feed_files(const BacktestSpec& spec, const State& names) {
  std::vector<CsvFeedFile> files;
  for (const std::string& d : spec.data) {
    auto f = csv_feed_file(d, names, "--data");
    if (!f) return Error{f.error()};
    files.push_back(*f);
  }
  if (files.empty()) return Error{"no --data: name at least one Binance CSV file"};
  return files;
}

nlohmann::json results_row(const BacktestSpec& spec, const BacktestStrategy& strategy,
                           const BacktestOutcome& o) {
  nlohmann::json row;
  row["strategy"] = strategy.name;
  row["params"] = strategy.params;
  row["data"] = spec.data;
  row["from"] = format_market_time(o.sim.first_tick_ns);
  row["to"] = format_market_time(o.sim.last_tick_ns);
  row["latency_us"] = {{"entry", spec.sim.latency.entry_ns / 1000},
                       {"response", spec.sim.latency.response_ns / 1000},
                       {"feed", spec.sim.latency.feed_ns / 1000}};
  row["fill_model"] = spec.sim.venue.partial_fills ? "partial" : "full";
  row["ticks"] = o.sim.ticks;
  row["inputs"] = o.sim.inputs;
  row["state_hash"] = fmt::format("{:016x}", o.sim.state_hash);
  row["report_step_ns"] = spec.step_ns;
  const tools::StrategyPerformance* s = nullptr;
  for (const auto& st : o.report.strategies) {
    if (st.name == strategy.booked_as) s = &st;
  }
  if (s == nullptr) {  // it never placed an order: nothing was risked
    row["return"] = 0.0;
    row["annualised_return"] = nullptr;
    row["max_drawdown"] = 0.0;
    row["sharpe"] = nullptr;
    row["sharpe_meaningful"] = false;
    row["win_rate"] = nullptr;
    row["profit_factor"] = nullptr;
    row["trades"] = 0;
    row["fills"] = 0;
    row["fees"] = "0";
    row["net_profit"] = "0";
    row["span_ns"] = o.sim.last_tick_ns - o.sim.first_tick_ns;
    return row;
  }
  const Performance& p = s->performance;
  row["return"] = number_or_null(p.total_return);
  row["annualised_return"] =
      annualised_return_is_meaningful(p) ? number_or_null(p.annualised_return) : nullptr;
  row["max_drawdown"] = number_or_null(p.max_drawdown);
  row["sharpe"] = number_or_null(p.sharpe);
  row["sharpe_meaningful"] = sharpe_is_meaningful(p);
  row["win_rate"] = number_or_null(p.win_rate);
  row["profit_factor"] = number_or_null(p.profit_factor);
  row["trades"] = p.trades;
  row["fills"] = s->fills;
  row["fees"] = to_string(s->fees);
  row["net_profit"] = to_string(p.net_profit);
  row["asset"] = s->asset;
  row["span_ns"] = p.span_ns;
  return row;
}

enum class Shown { kSignedPercent, kPercent, kRatio };

std::string cell(const nlohmann::json& v, Shown shown) {
  if (v.is_null()) return "n/a";
  if (v.is_string()) return v.get<std::string>();
  const double d = v.get<double>();
  switch (shown) {
    case Shown::kSignedPercent:
      return fmt::format("{:+.2f}%", d * 100);
    case Shown::kPercent:
      return fmt::format("{:.2f}%", d * 100);
    case Shown::kRatio:
      break;
  }
  return fmt::format("{:.2f}", d);
}

}  // namespace

// "key=value" lines (describe()) as a JSON object of strings, in the strategy's key order.
nlohmann::json params_json(const BotParams& p) {
  nlohmann::json out = nlohmann::json::object();
  std::istringstream lines(describe(p));
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

Result<BotParams> backtest_params(const std::vector<BotSetting>& settings) {
  return bot_params_from(settings);
}

Result<bool> check_backtest(const BacktestSpec& spec) {
  auto params = backtest_params(spec.settings);
  if (!params) return Error{params.error()};
  EmaRsiStrategy probe(*params, {});
  return check_backtest(spec, &probe);
}

Result<bool> check_backtest(const BacktestSpec& spec, Strategy* probe) {
  auto names = State::create(spec.config);
  if (!names) return Error{names.error()};
  auto files = feed_files(spec, *names);
  if (!files) return Error{files.error()};
  // The strategy's own refusal (an unknown symbol, account or strategy name) comes now, not
  // once the journal is open.
  if (probe != nullptr) {
    auto refused = check_strategy_start(spec.config, spec.sim, *probe);
    if (!refused) return Error{refused.error()};
    if (!refused->empty()) return Error{*refused};
  }
  if (spec.sim.from_ns > spec.sim.to_ns) {
    return Error{fmt::format("--from {} is after --to {}", format_market_time(spec.sim.from_ns),
                             format_market_time(spec.sim.to_ns))};
  }
  for (const CsvFeedFile& f : *files) {
    auto r = CsvTickReader::open(f.path, f.instrument, f.format);
    if (!r) return Error{fmt::format("--data {}: {}", f.path, r.error())};
  }
  // Some tick must fall in the range: read until one does (the files are in time order).
  auto merger = TickMerger::open(*files);
  if (!merger) return Error{merger.error()};
  TimedTick t;
  bool any = false, before = false;
  while (merger->next(t)) {
    if (t.ts_ns < spec.sim.from_ns) {
      before = true;
      continue;
    }
    any = t.ts_ns <= spec.sim.to_ns;
    break;
  }
  if (!any) {
    return Error{before || spec.sim.to_ns != INT64_MAX
                     ? std::string("no tick of the data falls in the --from/--to range")
                     : std::string("the data holds no tick (every row was bad, or the files are "
                                   "empty)")};
  }
  return check_out_dir(spec.out_dir);
}

Result<BacktestOutcome> run_backtest(const BacktestSpec& spec) {
  if (auto ok = check_backtest(spec); !ok) return Error{ok.error()};
  auto params = backtest_params(spec.settings);
  const std::function<void(const std::string&)> quiet;
  EmaRsiStrategy strategy(*params, quiet);
  return run_backtest(
      spec,
      BacktestStrategy{kSampleStrategyName, params_json(*params), params->strategy, &strategy, {}});
}

Result<BacktestOutcome> run_backtest(const BacktestSpec& spec, const BacktestStrategy& strategy) {
  if (auto ok = check_backtest(spec, nullptr); !ok) return Error{ok.error()};
  BacktestOutcome out;
  EngineConfig config = spec.config;
  config.data_dir = spec.out_dir;
  config.journal = true;
  auto names = State::create(config);
  SimOptions sim = spec.sim;
  auto files = feed_files(spec, *names);
  sim.data = *files;
  const auto started = std::chrono::steady_clock::now();
  if (spec.progress && isatty(STDERR_FILENO)) {
    sim.progress = [started](int64_t market_ns, uint64_t events, double fraction) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
      fmt::print(stderr, "\rbacktest: {:3.0f} %, {} events, market time {}, ETA {:.0f} s   ",
                 fraction * 100, events, format_market_time(market_ns), eta);
    };
  }

  if (auto c = clear_out_dir(spec.out_dir); !c) return Error{c.error()};
  auto store = Store::open(spec.out_dir, {uint64_t{config.journal_map_mb} << 20, false});
  if (!store) return Error{store.error()};
  // Binds the config's genesis hash into the new journal and lays out the initial State.
  auto genesis = recover(config, *store, RecoverOptions{});
  if (!genesis) return Error{genesis.error()};
  JournalStatus status{};
  std::string journal_log;
  auto journal = Journal::start(std::move(*store), 0, nullptr, JournalOptions::from(config),
                                &status, [&](const std::string& s) { journal_log += s + "\n"; });
  if (!journal) return Error{journal.error()};
  PacedJournal paced(**journal, status, config.journal_max_behind);

  const auto sim_started = std::chrono::steady_clock::now();
  auto result = simulate(config, sim, *strategy.strategy, &paced);
  out.sim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sim_started).count();
  if (!result) return Error{result.error()};
  out.sim = *result;
  std::string failed = out.sim.strategy_error;
  if (failed.empty() && strategy.failure) failed = strategy.failure();
  auto durable = (*journal)->stop(out.sim.inputs, out.sim.state_hash);
  if (!failed.empty()) {
    // A failed run's journal is no backtest's: removed, so that the directory takes a rerun.
    journal->reset();
    (void)clear_out_dir(spec.out_dir);
    return Error{failed};
  }
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (spec.progress && isatty(STDERR_FILENO)) fmt::print(stderr, "\r\033[K");
  if (!durable) return Error{"journal: " + durable.error() + "\n" + journal_log};
  journal->reset();

  auto readable = Store::open(spec.out_dir, {uint64_t{config.journal_map_mb} << 20, true});
  if (!readable) return Error{readable.error()};
  tools::ReportOptions ro;
  ro.step_ns = spec.step_ns;
  ro.curve_from_first_input = true;
  auto report = tools::build_run_report(config, *readable, ro);
  if (!report) return Error{"report: " + report.error()};
  out.report = std::move(*report);
  if (out.report.state_hash != out.sim.state_hash) {
    return Error{fmt::format("the journal replays to state {:016x}, not the run's {:016x}",
                             out.report.state_hash, out.sim.state_hash)};
  }
  out.row = results_row(spec, strategy, out);
  std::ofstream(fs::path(spec.out_dir) / kRowFile) << out.row.dump(2) << "\n";
  return out;
}

std::optional<int64_t> backtest_report_step(const std::string& dir) {
  std::ifstream in(fs::path(dir) / kRowFile);
  if (!in) return std::nullopt;
  const nlohmann::json row = nlohmann::json::parse(in, nullptr, false);
  if (row.is_discarded() || !row.contains("report_step_ns") ||
      !row["report_step_ns"].is_number_integer()) {
    return std::nullopt;
  }
  const int64_t step = row["report_step_ns"].get<int64_t>();
  return step > 0 ? std::optional<int64_t>(step) : std::nullopt;
}

std::string results_table_header() {
  return fmt::format("{:>4}  {:>9}  {:>10}  {:>9}  {:>7}  {:>6}  {:>8}  {:>6}  {:>12}  {}", "rank",
                     "return", "annualised", "drawdown", "sharpe", "trades", "win rate", "pf",
                     "fees", "parameters");
}

std::string results_table_line(const nlohmann::json& row) {
  std::string params;
  if (row.contains("grid")) {
    for (const auto& [k, v] : row["grid"].items()) {
      params += fmt::format("{}{}={}", params.empty() ? "" : " ", k, v.get<std::string>());
    }
  }
  const nlohmann::json& dd = row["max_drawdown"];
  return fmt::format(
      "{:>9}  {:>10}  {:>9}  {:>7}  {:>6}  {:>8}  {:>6}  {:>12}  {}",
      cell(row["return"], Shown::kSignedPercent),
      cell(row["annualised_return"], Shown::kSignedPercent),
      cell(dd.is_number() ? nlohmann::json(-dd.get<double>()) : dd, Shown::kSignedPercent),
      cell(row["sharpe"], Shown::kRatio), row["trades"].dump(),
      cell(row["win_rate"], Shown::kPercent), cell(row["profit_factor"], Shown::kRatio),
      row["fees"].get<std::string>(), params);
}

}  // namespace ose::backtest
