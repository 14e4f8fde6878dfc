// `ose demo`: ose end to end on one machine, offline. It starts the engine (journal in the
// config's data_dir, ./ose-data), with a synthetic market or a replay of Binance CSVs as its
// feed, the simulated venue and the sample strategy, each as its own process; shows a progress
// line read from the state segment; stops them in order (strategy, venue, engine) after
// --duration, at the end of a replay or on Ctrl-C; then prints the report rebuilt from the
// journal and how to look further. `ose demo --scenario` is the older offline replay of a
// scripted scenario, with no processes.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/client/state_reader.hpp"
#include "engine/formats/bot_table.hpp"
#include "engine/formats/config.hpp"
#include "tools/child_process.hpp"
#include "tools/commands.hpp"
#include "tools/embedded.hpp"
#include "tools/python_strategy.hpp"
#include "tools/replay.hpp"
#include "tools/report/report_output.hpp"
#include "tools/report/run_report.hpp"
#include "tools/stop_signal.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

namespace fs = std::filesystem;

struct DemoOptions {
  std::vector<std::string> replay;
  double duration_s = -1;  // < 0: 30 s synthetic, the whole replay otherwise; 0: until Ctrl-C
  double speed = 2000;     // replay
  std::string config_path;
  double rate = 200;
  double volatility = 0.0002;
  uint64_t seed = 1;
  bool json = false;
  bool keep = false;
  bool quiet = false;
  bool scenario = false;
  bool scenario_json = false;
  std::string strategy = "cpp";  // or "python": examples/python/ema_rsi.py
  bool serve = false;            // `ose serve` beside the demo
  std::string serve_listen = "127.0.0.1:9464";
};

// How the README's wrapper or the user named us, for the hints printed at the end.
std::string self_command() {
  const char* via = std::getenv("OSE_INVOKED_AS");
  return via != nullptr && *via != '\0' ? via : "ose";
}

int scenario_demo(bool json) {
  auto config = load_config_string(kDemoConfig, "<embedded example.toml>");
  if (!config) {
    fmt::print(stderr, "ose demo: embedded config is invalid: {}\n", config.error());
    return 1;
  }
  std::istringstream scenario{std::string(kDemoScenario)};
  ReplayOptions options;
  options.tables = !json;
  options.state_out = json ? "-" : "";
  std::cout << (json ? ""
                     : "ose demo: replaying the bundled scenario (config/example.toml, "
                       "config/scenarios/demo.jsonl)\n\n");
  return run_replay(*config, scenario, "<embedded demo.jsonl>", options);
}

// The first client with `role`, else empty.
std::string client_with_role(const EngineConfig& c, ClientRole role) {
  for (const ClientSpec& cc : c.clients) {
    if (cc.role == role) return cc.name;
  }
  return {};
}

// FILE@SYMBOL, or the symbol a Binance file name starts with ("BTCUSDT-1m-….csv").
std::string replay_symbol(const std::string& spec) {
  const auto at = spec.rfind('@');
  if (at != std::string::npos) return spec.substr(at + 1);
  const std::string base = fs::path(spec).filename().string();
  return base.substr(0, base.find('-'));
}

std::string synthetic_mid(const std::string& symbol) {
  if (symbol.rfind("BTC", 0) == 0) return "60000";
  if (symbol.rfind("ETH", 0) == 0) return "3000";
  return "100";
}

// How the strategy process starts: `program prefix... args...`.
struct StrategyCommand {
  std::string program;
  std::vector<std::string> prefix;
};

// The sample strategy's program (examples/ema_rsi): OSE_STRATEGY_PROGRAM, else beside this
// executable (an installed prefix's bin/), else where the build tree puts it. With `python`, the
// same strategy in Python (examples/python/ema_rsi.py) under the interpreter the module was
// built for (tools/python_strategy.hpp).
Result<StrategyCommand> strategy_program(bool python) {
  if (python) {
    auto py = python_setup();
    if (!py) return Error{py.error()};
    auto script = python_sample_strategy();
    if (!script) return Error{script.error()};
    return StrategyCommand{py->python, {*script}};
  }
  if (const char* env = std::getenv("OSE_STRATEGY_PROGRAM"); env != nullptr && *env != '\0') {
    return StrategyCommand{std::string(env), {}};
  }
  auto self = ChildProcess::self_path();
  if (!self) return Error{self.error()};
  const fs::path dir = fs::path(*self).parent_path();
  for (const fs::path& p :
       {dir / "ose-ema-rsi", dir.parent_path() / "examples" / "ema_rsi" / "ose-ema-rsi"}) {
    if (::access(p.c_str(), X_OK) == 0) return StrategyCommand{p.string(), {}};
  }
  return Error{fmt::format(
      "cannot find the sample strategy's program ose-ema-rsi beside {} (build it: cmake --build "
      "build --target ose-ema-rsi; or set OSE_STRATEGY_PROGRAM)",
      *self)};
}

// Runs `program args...`, returning its exit status and what it printed on stdout and stderr.
struct Captured {
  int status = -1;
  std::string out, err;
};
Result<Captured> run_captured(const std::string& program, std::vector<std::string> args) {
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  if (::pipe(out_pipe) != 0) return Error{fmt::format("pipe: {}", std::strerror(errno))};
  if (::pipe(err_pipe) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Error{fmt::format("pipe: {}", std::strerror(errno))};
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Captured c;
  // The parameter listing is a few hundred bytes: reading stdout to the end, then stderr, cannot
  // fill either pipe.
  for (auto [fd, text] : {std::pair{out_pipe[0], &c.out}, std::pair{err_pipe[0], &c.err}}) {
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text->append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  if (pid < 0) return Error{fmt::format("cannot start {}: {}", program, std::strerror(errno))};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return c;
}

// The strategy's parameters from the [bot] table, checked by the strategy itself
// (`ose-ema-rsi --check`), which alone knows its keys; its complaint about a key gets the key's
// FILE:LINE back.
struct StrategyLaunch {
  StrategyCommand command;
  std::vector<std::string> settings;  // --set-toml KEY=VALUE pairs
  std::string symbol, account, strategy;
};
Result<StrategyLaunch> check_strategy(const std::string& config_text, const std::string& origin,
                                      bool python) {
  auto table = read_bot_table(config_text, origin);
  if (!table) return Error{table.error()};
  auto program = strategy_program(python);
  if (!program) return Error{program.error()};
  StrategyLaunch launch{*program, {}, {}, {}, {}};
  for (const BotTableEntry& e : *table) {
    launch.settings.push_back("--set-toml");
    launch.settings.push_back(e.key + "=" + e.toml_value());
  }
  std::vector<std::string> args = launch.command.prefix;
  args.push_back("--check");
  args.insert(args.end(), launch.settings.begin(), launch.settings.end());
  auto run = run_captured(launch.command.program, args);
  if (!run) return Error{run.error()};
  if (run->status != 0) {
    std::string why = run->err.substr(0, run->err.find('\n'));
    // "ose-ema-rsi: bot.KEY: ..." or "ema_rsi.py: ...": the program's name is ours to drop.
    if (const size_t colon = why.find(": ");
        colon != std::string::npos && why.find(' ') == colon + 1) {
      why = why.substr(colon + 2);
    }
    for (const BotTableEntry& e : *table) {
      if (why.rfind("bot." + e.key + ":", 0) == 0)
        return Error{fmt::format("{}:{}: {}", origin, e.line, why)};
    }
    return Error{fmt::format("{}: {}", origin,
                             why.empty() ? "the strategy refused its [bot] settings" : why)};
  }
  std::istringstream lines(run->out);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "symbol") launch.symbol = value;
    if (key == "account") launch.account = value;
    if (key == "strategy") launch.strategy = value;
  }
  return launch;
}

// Moves the previous run aside so this one starts from the config's initial state.
Result<bool> fresh_data_dir(const fs::path& dir, bool keep, bool quiet) {
  std::error_code ec;
  if (!keep && fs::exists(dir / "data.mdb", ec)) {
    fs::path prev = dir;
    prev += ".prev";
    fs::remove_all(prev, ec);
    fs::rename(dir, prev, ec);
    if (ec) {
      return Error{fmt::format("cannot move the previous run {} aside to {}: {}", dir.string(),
                               prev.string(), ec.message())};
    }
    if (!quiet) {
      fmt::print("ose demo: the previous run in {} moved to {} (--keep continues it instead)\n",
                 dir.string(), prev.string());
    }
  }
  fs::create_directories(dir / "logs", ec);
  if (ec) return Error{fmt::format("cannot create {}: {}", (dir / "logs").string(), ec.message())};
  return true;
}

// What the progress line shows, read from the state segment.
struct Progress {
  uint64_t seq = 0, ticks = 0, durable = 0;
  int64_t orders = 0, fills = 0;
  Qty position;
  Price mark;
  Amount equity;
};

class DemoWatch {
 public:
  DemoWatch(StateReader reader, uint16_t strategy, uint16_t instrument, uint16_t asset,
            Amount capital)
      : r_(std::move(reader)),
        strategy_(strategy),
        instrument_(instrument),
        asset_(asset),
        capital_(capital) {}

  bool attached(uint16_t client) const {
    // Relaxed: a monitoring word the engine stores on attach.
    return client != kNoIndex && r_.client_status(client).link.load(std::memory_order_relaxed) ==
                                     static_cast<uint32_t>(ClientLink::kAttached);
  }

  bool engine_stopping() const {
    // Relaxed: a monitoring flag; 0 once the engine drains for a clean stop.
    return r_.header().accepting.load(std::memory_order_relaxed) == 0;
  }

  Progress read() const {
    Progress p;
    const StateSegmentHeader& h = r_.header();
    // Relaxed: monitoring counters, each read on its own.
    p.seq = h.applied_seq.load(std::memory_order_relaxed);
    p.ticks = h.ticks_applied.load(std::memory_order_relaxed);
    p.durable = h.journal.durable_seq.load(std::memory_order_relaxed);
    StrategyRecord st{};
    if (r_.read_strategy(strategy_, st)) {
      p.orders = st.orders;
      p.fills = st.fills;
    }
    MarketRecord m{};
    if (r_.read_market(instrument_, m)) p.mark = m.mark;
    p.equity = capital_;
    for (uint16_t i = 0; i < r_.instrument_count(); ++i) {
      PositionRecord pos{};
      if (!r_.read_strategy_position(strategy_, i, pos)) continue;
      p.equity += pos.realized_pnl - pos.fees + pos.unrealized_pnl;
      if (i == instrument_) p.position = pos.size;
    }
    return p;
  }

  std::string line(const Progress& p, double elapsed_s) const {
    const double ret = capital_.is_positive() ? static_cast<double>((p.equity - capital_).e8) /
                                                    static_cast<double>(capital_.e8) * 100
                                              : 0;
    const InstrumentRecord& ins = r_.names().instrument(instrument_);
    return fmt::format(
        "{:6.1f} s | {} inputs, {} ticks | journal at {} | {} {} | orders {}, fills {} | "
        "position {} {} | equity {} {} ({:+.2f} %)",
        elapsed_s, p.seq, p.ticks, p.durable, ins.symbol, to_string(p.mark), p.orders, p.fills,
        to_string(p.position), r_.names().asset(ins.base).code, to_string(p.equity),
        r_.names().asset(asset_).code, ret);
  }

 private:
  StateReader r_;
  uint16_t strategy_, instrument_, asset_;
  Amount capital_;
};

// Waits for the engine's state segment; nothing when the engine exits first or 30 s pass.
std::optional<StateReader> wait_for_engine(const std::string& name, ChildProcess& engine) {
  for (int i = 0; i < 3000; ++i) {
    if (auto r = StateReader::attach(name)) {
      // Relaxed: a monitoring flag; the segment itself was published with release.
      if (r->header().accepting.load(std::memory_order_relaxed) != 0) return std::move(*r);
    }
    if (!engine.running() || stop_requested()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

int fail(const std::string& what, const ChildProcess* child = nullptr) {
  fmt::print(stderr, "ose demo: {}\n", what);
  if (child != nullptr) {
    fmt::print(stderr, "  {} ({}), last lines of {}:\n{}", child->label(), child->outcome(),
               child->log_path(), child->log_tail(12));
  }
  return 1;
}

// `ose serve` for the running demo (--serve): its URL printed once it listens. A server that
// cannot start (the port is taken) is reported and the demo goes on without it.
std::optional<ChildProcess> start_server(const std::string& engine, const std::string& listen,
                                         const fs::path& logs) {
  const fs::path port_file = logs / "serve.port";
  fs::remove(port_file);
  auto server = ChildProcess::spawn_self(
      "server",
      {"serve", "--engine", engine, "--listen", listen, "--port-file", port_file.string()},
      (logs / "serve.log").string());
  if (!server) {
    fmt::print(stderr, "ose demo: cannot start ose serve: {}\n", server.error());
    return std::nullopt;
  }
  for (int waited_ms = 0; waited_ms < 5'000 && server->running(); waited_ms += 20) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      const std::string host = listen.substr(0, listen.rfind(':'));
      const bool any = host == "0.0.0.0" || host == "[::]";
      fmt::print("ose demo: dashboard at http://{}:{}/ (Prometheus: /metrics, JSON: /api/state)\n",
                 any ? "127.0.0.1" : host, port);
      return std::move(*server);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  fmt::print(stderr, "ose demo: ose serve did not start; going on without it:\n{}\n",
             server->log_tail(5));
  server->stop(1'000);
  return std::nullopt;
}

int live_demo(const DemoOptions& o) {
  // The config: embedded, or the user's copy.
  std::string config_text(kLiveDemoConfig);
  std::string origin = "<embedded config/demo.toml>";
  if (!o.config_path.empty()) {
    auto text = read_config_text(o.config_path);
    if (!text) return fail(text.error());
    config_text = std::move(*text);
    origin = o.config_path;
  }
  auto config = load_config_string(config_text, origin);
  if (!config) return fail("bad config: " + config.error());
  auto bot = check_strategy(config_text, origin, o.strategy == "python");
  if (!bot) return fail(bot.error());
  if (!config->journal) return fail("the demo needs journal = true: its report is read from it");
  const std::string strategy_client = client_with_role(*config, ClientRole::kStrategy);
  const std::string venue_client = client_with_role(*config, ClientRole::kVenue);
  if (strategy_client.empty() || venue_client.empty()) {
    return fail("the config needs a client with role \"strategy\" and one with role \"venue\"");
  }
  std::string symbol = bot->symbol;
  if (!o.replay.empty()) symbol = replay_symbol(o.replay.front());
  for (const std::string& spec : o.replay) {
    const std::string path = spec.substr(0, spec.rfind('@'));
    if (std::ifstream probe(path); !probe) {
      return fail(fmt::format("--replay: cannot read '{}': {}", path, std::strerror(errno)));
    }
    const bool known_symbol =
        std::any_of(config->instruments.begin(), config->instruments.end(),
                    [&](const InstrumentSpec& i) { return i.symbol == symbol; });
    if (!known_symbol) {
      return fail(fmt::format("the config has no instrument '{}'{}", symbol,
                              o.replay.empty()
                                  ? " (the [bot] symbol)"
                                  : " (name the replayed file's symbol with FILE@SYMBOL)"));
    }
  }
  if (auto pid = live_engine_pid(config->name)) {
    return fail(fmt::format("an engine named '{}' already runs (pid {}); stop it first",
                            config->name, *pid));
  }

  const fs::path data_dir = config->data_dir;
  if (auto d = fresh_data_dir(data_dir, o.keep, o.quiet); !d) return fail(d.error());
  const std::string config_copy = (data_dir / "demo.toml").string();
  {
    std::ofstream out(config_copy, std::ios::binary | std::ios::trunc);
    out << config_text;
    if (!out) return fail(fmt::format("cannot write {}", config_copy));
  }
  const fs::path logs = data_dir / "logs";

  // 1. The engine, with its feed.
  std::vector<std::string> engine_args = {"engine", "--config", config_copy, "-q"};
  std::string feed_text;
  if (o.replay.empty()) {
    engine_args.insert(
        engine_args.end(),
        {"--synthetic", symbol + "=" + synthetic_mid(symbol), "--rate", fmt::format("{}", o.rate),
         "--seed", fmt::format("{}", o.seed), "--volatility", fmt::format("{}", o.volatility)});
    feed_text = fmt::format("a synthetic {} market, {} ticks/s (seed {})", symbol, o.rate, o.seed);
  } else {
    engine_args.push_back("--replay");
    for (const std::string& f : o.replay) engine_args.push_back(f);
    engine_args.insert(engine_args.end(),
                       {"--speed", fmt::format("{}", o.speed), "--stop-after-feed", "1"});
    feed_text = fmt::format("{} replayed at {}× real time", fmt::join(o.replay, ", "), o.speed);
    // The live demo races its processes in real time: fine to watch, not to judge a strategy by.
    fmt::print(stderr,
               "ose demo: a live replay: the engine, venue and strategy race in real time, so two "
               "runs differ and input times are the engine's clock. To evaluate the strategy on "
               "this history, reproducibly and in market time: {} backtest{} --data {} "
               "(docs/BACKTEST.md)\n",
               self_command(), o.config_path.empty() ? "" : " --config " + o.config_path,
               fmt::join(o.replay, " --data "));
  }
  stop_on_signals({SIGINT, SIGTERM});
  auto engine = ChildProcess::spawn_self("engine", engine_args, (logs / "engine.log").string());
  if (!engine) return fail(engine.error());
  auto reader = wait_for_engine(config->name, *engine);
  if (!reader) {
    engine->stop(10'000);
    return fail("the engine did not start", &*engine);
  }
  const uint16_t instrument = reader->names().find_instrument(symbol);
  const uint16_t strategy = [&] {
    for (uint16_t s = 0; s < reader->strategy_count(); ++s) {
      if (bot->strategy == reader->names().strategy(s).name) return s;
    }
    return kNoIndex;
  }();
  const uint16_t account = [&] {
    for (uint16_t a = 0; a < reader->account_count(); ++a) {
      if (bot->account == reader->names().account(a).name) return a;
    }
    return kNoIndex;
  }();
  if (instrument == kNoIndex || strategy == kNoIndex || account == kNoIndex) {
    engine->stop(30'000);
    return fail(fmt::format("the config has no instrument '{}', strategy '{}' or account '{}'",
                            symbol, bot->strategy, bot->account));
  }
  const uint16_t asset = reader->names().instrument(instrument).settle;
  BalanceRecord start{};
  reader->read_balance(account, asset, start);
  const Amount capital = start.free + start.locked;

  // 2. The venue and 3. the strategy.
  auto venue = ChildProcess::spawn_self(
      "venue",
      {"venue", "--engine", config->name, "--client", venue_client, "--ack-latency-us", "200",
       "--fill-latency-us", "500", "--seed", fmt::format("{}", o.seed)},
      (logs / "venue.log").string());
  if (!venue) {
    engine->stop(30'000);
    return fail(venue.error());
  }
  // The strategy starts once the venue is attached: an order placed before that would reach no
  // venue, stay pending and hold the strategy's whole stake (it happened under ASan on a busy
  // CI host, where the venue took seconds longer to attach than the strategy).
  const uint16_t venue_index = reader->names().find_client(venue_client);
  for (int waited_ms = 0; waited_ms < 15'000 && !stop_requested(); waited_ms += 20) {
    // Relaxed: a monitoring word the engine stores on attach.
    if (venue_index != kNoIndex &&
        reader->client_status(venue_index).link.load(std::memory_order_relaxed) ==
            static_cast<uint32_t>(ClientLink::kAttached)) {
      break;
    }
    if (!venue->running() || !engine->running()) break;  // reported by the loop below
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<std::string> strategy_args = bot->command.prefix;
  strategy_args.insert(strategy_args.end(),
                       {"--engine", config->name, "--client", strategy_client, "--symbol", symbol});
  strategy_args.insert(strategy_args.end(), bot->settings.begin(), bot->settings.end());
  auto strat = ChildProcess::spawn("strategy", bot->command.program, std::move(strategy_args),
                                   (logs / "strategy.log").string());
  if (!strat) {
    venue->stop(5'000);
    engine->stop(30'000);
    return fail(strat.error());
  }

  std::optional<ChildProcess> server =
      o.serve ? start_server(config->name, o.serve_listen, logs) : std::nullopt;

  const double duration = o.duration_s >= 0 ? o.duration_s : (o.replay.empty() ? 30 : 0);
  if (!o.quiet) {
    fmt::print(
        "ose demo: engine '{}' (journal in {}), fed {}; venue '{}' and strategy '{}' "
        "trading {} as their own processes (logs in {}). {}\n",
        config->name, data_dir.string(), feed_text, venue_client, strategy_client, symbol,
        logs.string(),
        duration > 0 ? fmt::format("Runs {} s; Ctrl-C stops it sooner.", duration)
                     : std::string("Ctrl-C stops it."));
  }

  const uint16_t strategy_index = reader->names().find_client(strategy_client);
  // The progress line, until the time is up, Ctrl-C, the replay ends or a process fails.
  DemoWatch watch(std::move(*reader), strategy, instrument, asset, capital);
  // The run's time counts from when the venue and the strategy have both attached: starting
  // them can take seconds on a loaded host (or under a sanitizer), which would otherwise come
  // out of a short run's trading. A process that dies meanwhile is reported by the loop below.
  for (int waited_ms = 0; waited_ms < 15'000 && !stop_requested(); waited_ms += 20) {
    if (watch.attached(venue_index) && watch.attached(strategy_index)) break;
    if (!venue->running() || !strat->running() || !engine->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  const auto t0 = std::chrono::steady_clock::now();
  double last_print = -1;
  std::string failure;
  ChildProcess* failed = nullptr;
  size_t line_width = 0;
  // A replay ends with the engine stopping itself (--stop-after-feed); the venue and the
  // strategy then see it go and stop too.
  auto replay_ended = [&] {
    // Relaxed: a monitoring flag; it drops to 0 when the engine starts its clean stop.
    return !o.replay.empty() &&
           (!engine->running() ? engine->exited_cleanly() : watch.engine_stopping());
  };
  bool ended = false;
  for (;;) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (stop_requested()) break;
    if (duration > 0 && elapsed >= duration) break;
    if (replay_ended()) {
      ended = true;
      break;
    }
    ChildProcess* gone = !engine->running()  ? &*engine
                         : !venue->running() ? &*venue
                         : !strat->running() ? &*strat
                                             : nullptr;
    if (gone != nullptr) {
      if (replay_ended()) {
        ended = true;
        break;
      }
      failure = fmt::format("the {} stopped unexpectedly", gone->label());
      failed = gone;
      break;
    }
    if (!o.quiet && (tty ? elapsed - last_print >= 0.25 : elapsed - last_print >= 5)) {
      const std::string l = watch.line(watch.read(), elapsed);
      if (tty) {
        fmt::print("\r{:<{}}", l, line_width);
        line_width = l.size();
      } else {
        fmt::print("{}\n", l);
      }
      std::fflush(stdout);
      last_print = elapsed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!o.quiet) {
    if (tty) fmt::print("\r{:<{}}\r", "", line_width);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("{}\n", watch.line(watch.read(), elapsed));
    fmt::print("ose demo: stopping the strategy, the venue and the engine\n");
  }

  // Orderly stop: no new orders, then the venue answers what is in flight, then the engine
  // drains its rings and writes its journal checkpoint.
  bool clean = strat->stop(5'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  clean = venue->stop(5'000) && clean;
  const bool engine_clean = engine->stop(60'000);
  if (server) server->stop(5'000);
  if (ended) clean = true;  // they stopped on seeing the engine go: as intended
  if (!failure.empty()) return fail(failure, failed);
  if (!engine_clean) return fail("the engine did not stop cleanly", &*engine);
  if (!clean && !o.quiet) {
    fmt::print(stderr, "ose demo: the strategy or the venue had to be killed (see {})\n",
               logs.string());
  }

  // The report, rebuilt from the journal.
  auto opened = open_store(StoreArgs{config_copy, ""}, true);
  if (!opened) return fail(opened.error());
  auto report = build_run_report(opened->config, opened->store, ReportOptions{});
  if (!report) return fail(report.error());
  const std::string png = (data_dir / "report.png").string();
  auto drawn = write_report_png(*report, png);
  if (o.json) {
    std::cout << run_report_json(*report).dump(2) << "\n";
    return 0;
  }
  std::cout << "\n";
  print_run_report(std::cout, *report);
  const std::string ose = self_command();
  std::cout << fmt::format(
      "\n{}"
      "Look further (the journal and the logs stay in {}):\n"
      "  {} report --config {}                this report again (--json, --png FILE)\n"
      "  {} recover --check --config {}       replay the journal: the same state hash\n"
      "  {} journal stats --config {}         what the journal holds\n"
      "  {} journal dump --config {}          every input, one JSON line each\n"
      "  {} demo --replay DIR/BTCUSDT-1m-2024-09-21.csv   a day of real Binance klines "
      "(docs/DEMO.md)\n"
      "  {} backtest --data DIR/BTCUSDT-1m-2024-09-21.csv  the same day as a deterministic "
      "backtest in market time (docs/BACKTEST.md)\n",
      drawn ? fmt::format("Equity curve and drawdown: {}\n", png)
            : fmt::format("(no plot: {})\n", drawn.error()),
      data_dir.string(), ose, config_copy, ose, config_copy, ose, config_copy, ose, config_copy,
      ose, ose);
  return 0;
}

}  // namespace

Run add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run ose end to end: engine, feed, simulated venue and the sample strategy as processes, "
      "then the report");
  auto o = std::make_shared<DemoOptions>();
  cmd->add_option("--replay", o->replay,
                  "Binance CSVs to replay (FILE or FILE@SYMBOL) instead of a synthetic market");
  cmd->add_option("--duration", o->duration_s,
                  "Seconds to run once the venue and the strategy have attached (default 30; "
                  "with --replay until the replay ends; 0 = until Ctrl-C)")
      ->check(CLI::Range(0.0, 1e7));
  cmd->add_option("--speed", o->speed, "Replay speed: 1 real time, 2000 (default) faster")
      ->check(CLI::Range(0.001, 1e9));
  cmd->add_option("-c,--config", o->config_path,
                  "Engine config with a [bot] table (default: the built-in config/demo.toml)");
  cmd->add_option("--rate", o->rate, "Synthetic ticks per second (200)")
      ->check(CLI::Range(1.0, 1e6));
  cmd->add_option("--volatility", o->volatility,
                  "Synthetic: largest move per tick, a fraction of the price (0.0002)")
      ->check(CLI::Range(0.0, 0.1));
  cmd->add_option("--seed", o->seed, "Seed of the synthetic market and the venue");
  cmd->add_option("--strategy", o->strategy,
                  "cpp (default): the sample strategy's program ose-ema-rsi; python: the same "
                  "strategy in Python, examples/python/ema_rsi.py (docs/PYTHON.md)")
      ->check(CLI::IsMember({"cpp", "python"}));
  cmd->add_flag("--serve", o->serve,
                "Also run `ose serve` (dashboard, Prometheus metrics) and print its URL");
  cmd->add_option("--serve-listen", o->serve_listen, "HOST:PORT for --serve")
      ->capture_default_str();
  cmd->add_flag("--keep", o->keep,
                "Continue the journal of the previous run instead of a fresh one");
  cmd->add_flag("--json", o->json, "Print the final report as JSON");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress line");
  cmd->add_flag("--scenario", o->scenario,
                "Instead: replay the bundled scripted scenario offline and print the state");
  cmd->add_flag("--scenario-json", o->scenario_json,
                "With --scenario: print the canonical state JSON instead of tables");
  return [cmd, o]() {
    if (!cmd->parsed()) return -1;
    if (o->scenario || o->scenario_json) return scenario_demo(o->scenario_json);
    return live_demo(*o);
  };
}

}  // namespace ose::tools
