// `ose-ema-rsi --engine NAME [--client NAME] [--set KEY=VALUE]...`: the sample strategy, and the
// example of how to write one against the installed client library (find_package(ose), target
// ose::client; docs/STRATEGY.md walks through it). `ose demo` starts it with the [bot] table of
// its config as --set-toml settings.
//
// The strategy itself is EmaRsiStrategy (ema_rsi/ema_rsi_strategy.hpp), written against the
// Strategy interface; this program only parses its parameters, attaches to the engine and runs
// it live with run_live() (engine/client/live_strategy.hpp). `ose backtest` runs the same class
// in a simulation.
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <span>
#include <string>

#include <CLI/CLI.hpp>

#include "ema_rsi/bot_params.hpp"
#include "ema_rsi/ema_rsi_strategy.hpp"
#include "engine/client/client.hpp"
#include "engine/client/live_strategy.hpp"

namespace ose {

namespace {

std::atomic<bool> g_strategy_stop{false};
extern "C" void on_strategy_stop(int) {
  // Release: pairs with the loop's acquire load. Lock-free atomics are signal-safe.
  g_strategy_stop.store(true, std::memory_order_release);
}

struct StrategyOptions {
  std::string engine;
  std::string client = "ema1";
  std::vector<std::string> settings;       // KEY=VALUE, as typed
  std::vector<std::string> toml_settings;  // KEY=VALUE with the value as TOML writes it
  std::string symbol;                      // overrides the symbol setting
  bool check = false;                      // validate, print the parameters, exit
  bool quiet = false;
};

Result<BotParams> params_from(const StrategyOptions& o) {
  std::vector<BotSetting> settings;
  for (const std::string& a : o.toml_settings) {
    auto s = bot_setting_from_toml_assignment(a);
    if (!s) return Error{s.error()};
    settings.push_back(std::move(*s));
  }
  for (const std::string& a : o.settings) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return Error{fmt::format("'{}' is not KEY=VALUE", a)};
    settings.push_back({a.substr(0, eq), a.substr(eq + 1), BotValueKind::kAny, ""});
  }
  if (!o.symbol.empty()) settings.push_back({"symbol", o.symbol, BotValueKind::kText, ""});
  return bot_params_from(settings);
}

int run_strategy(const StrategyOptions& o) {
  auto params = params_from(o);
  if (!params) {
    fmt::print(stderr, "ose-ema-rsi: {}\n", params.error());
    return 2;
  }
  if (o.check) {
    fmt::print("{}", describe(*params));
    return 0;
  }
  if (o.engine.empty()) {
    fmt::print(stderr, "ose-ema-rsi: --engine is required (see --help)\n");
    return 2;
  }
  auto client = Client::attach(o.engine, o.client);
  if (!client) {
    fmt::print(stderr, "ose-ema-rsi: {}\n", client.error());
    return 1;
  }
  std::signal(SIGINT, on_strategy_stop);
  std::signal(SIGTERM, on_strategy_stop);
  auto print = [](const std::string& line) { fmt::print(stderr, "ose-ema-rsi: {}\n", line); };
  if (!o.quiet) {
    print(fmt::format("attached to engine {} as client {}; SIGINT or SIGTERM stops", o.engine,
                      o.client));
  }
  EmaRsiStrategy strategy(*params, o.quiet ? std::function<void(const std::string&)>{} : print);
  // The instrument to watch is the one on_start() will resolve from the same symbol (if it is
  // unknown, on_start() refuses and nothing is watched).
  const uint16_t instrument = client->instrument(params->symbol);
  return run_live(*client, strategy, std::span<const uint16_t>(&instrument, 1), g_strategy_stop,
                  print);
}

}  // namespace

}  // namespace ose

int main(int argc, char** argv) {
  CLI::App app{
      "ose-ema-rsi — the sample EMA/RSI strategy, a client of a running engine "
      "(docs/STRATEGY.md)"};
  ose::StrategyOptions o;
  app.add_option("-e,--engine", o.engine, "Engine name (required unless --check)");
  app.add_option("--client", o.client, "The strategy client's name in the config (default ema1)");
  app.add_option(
      "--set", o.settings, "A parameter, KEY=VALUE (repeatable; keys: " + [] {
        std::string keys;
        for (const auto& k : ose::bot_param_keys()) keys += (keys.empty() ? "" : " ") + k;
        return keys;
      }() + ")");
  app.add_option("--set-toml", o.toml_settings,
                 "A parameter whose VALUE is written as in TOML (\"text\", 12, 0.5): how `ose "
                 "demo` passes its [bot] table on");
  app.add_option("--symbol", o.symbol, "Trade this instrument instead of the symbol setting");
  app.add_flag("--check", o.check, "Check the parameters, print them as KEY=VALUE lines, exit");
  app.add_flag("-q,--quiet", o.quiet, "No log lines");
  CLI11_PARSE(app, argc, argv);
  return ose::run_strategy(o);
}
