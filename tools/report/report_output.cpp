#include "tools/report/report_output.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>

namespace ose::tools {

namespace {

std::string percent(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  return fmt::format("{:+.2f} %", v * 100);
}

std::string ratio(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.2f}", v);
}

std::string seconds(int64_t ns) {
  return fmt::format("{:.1f} s", static_cast<double>(ns) / 1e9);
}

nlohmann::json number_or_null(double v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

// The Sharpe ratio's row: the figure, or why it is not shown (sharpe_is_meaningful()).
std::string sharpe_text(const Performance& p, int64_t step_ns) {
  static_assert(kMinSharpeSpanNs == kDayNs, "the text below says 1 day");
  if (p.span_ns < kMinSharpeSpanNs) {
    return fmt::format("not shown for a run of {} (needs ≥ 1 day)", seconds(p.span_ns));
  }
  if (p.returns < kMinSharpeReturns) {
    return fmt::format("not shown for {} returns of {} (needs ≥ {})", p.returns, seconds(step_ns),
                       kMinSharpeReturns);
  }
  return fmt::format("{} ({} returns of {}, annualised)", ratio(p.sharpe), p.returns,
                     seconds(step_ns));
}

void print_strategy(std::ostream& out, const StrategyPerformance& s, int64_t step_ns) {
  const Performance& p = s.performance;
  out << fmt::format("strategy {} (account {}; equity in {} from a capital of {})\n", s.name,
                     s.account, s.asset, to_string(p.capital));
  auto row = [&](const char* label, const std::string& value) {
    out << fmt::format("  {:<22}{}\n", label, value);
  };
  row("final equity", fmt::format("{} {} ({} {} net)", to_string(p.final_equity), s.asset,
                                  to_string(p.net_profit), s.asset));
  row("total return", percent(p.total_return));
  // Annualised figures are withheld here below their thresholds (tools/report/performance.hpp),
  // with the reason; the JSON keeps the values.
  row("annualised return",
      annualised_return_is_meaningful(p)
          ? fmt::format("{} (over {} of input time)", percent(p.annualised_return),
                        seconds(p.span_ns))
          : fmt::format("n/a ({} of input time is too short to annualise)", seconds(p.span_ns)));
  row("max drawdown", fmt::format("{} ({} {})", percent(-p.max_drawdown),
                                  to_string(p.max_drawdown_amount), s.asset));
  row("Sharpe ratio", sharpe_text(p, step_ns));
  row("trades", fmt::format("{} closed: {} won, {} lost", p.trades, p.wins, p.losses));
  row("win rate",
      std::isnan(p.win_rate) ? std::string("n/a") : fmt::format("{:.2f} %", p.win_rate * 100));
  row("profit factor", ratio(p.profit_factor));
  row("average per trade", fmt::format("{} {}", to_string(p.avg_profit_per_trade), s.asset));
  row("orders, fills", fmt::format("{}, {}", s.orders, s.fills));
  row("volume, fees", fmt::format("{}, {} {}", to_string(s.volume), to_string(s.fees), s.asset));
  row("realized, unrealized",
      fmt::format("{}, {} {}", to_string(s.realized_pnl), to_string(s.unrealized_pnl), s.asset));
}

}  // namespace

void print_run_report(std::ostream& out, const RunReport& r) {
  out << fmt::format("engine {}: {} inputs ({} ticks, {} commands) over {} of input time\n",
                     r.engine, r.inputs, r.ticks, r.commands,
                     seconds(r.last_ts_ns - r.first_ts_ns));
  if (r.from_snapshot_seq > 0) {
    out << fmt::format(
        "from the snapshot at seq {}: the history before it was pruned by retention (or is not "
        "in a follower's journal), so inputs, "
        "orders and fills count seq {} on; positions, balances and PnL are the whole run's\n",
        r.from_snapshot_seq, r.from_snapshot_seq + 1);
  }
  std::string statuses;
  for (int i = 0; i < kOrderStatusCount; ++i) {
    if (r.orders_by_status[i] == 0) continue;
    statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ",
                            to_string(static_cast<OrderStatus>(i)), r.orders_by_status[i]);
  }
  out << fmt::format("orders {}{}{}\n", r.orders, statuses.empty() ? "" : ": ", statuses);
  std::string fees;
  for (const auto& [asset, amount] : r.fees_by_asset) {
    fees += fmt::format("{}{} {}", fees.empty() ? "" : ", ", to_string(amount), asset);
  }
  out << fmt::format("fills {}{}{}\n", r.fills, fees.empty() ? "" : "; fees ", fees);
  if (!r.positions.empty()) {
    out << "\npositions\n";
    out << fmt::format("  {:<10} {:<14} {:>14} {:>14} {:>14} {:>14} {:>12} {:>14}\n", "account",
                       "symbol", "size", "avg entry", "mark", "realized", "fees", "unrealized");
    for (const PositionLine& p : r.positions) {
      out << fmt::format("  {:<10} {:<14} {:>14} {:>14} {:>14} {:>14} {:>12} {:>14}\n", p.account,
                         p.symbol, to_string(p.size), to_string(p.avg_entry_price),
                         to_string(p.mark), to_string(p.realized_pnl), to_string(p.fees),
                         to_string(p.unrealized_pnl));
    }
  }
  if (!r.balances.empty()) {
    out << "\nbalances\n";
    out << fmt::format("  {:<10} {:<8} {:>18} {:>18}\n", "account", "asset", "free", "locked");
    for (const BalanceLine& b : r.balances) {
      out << fmt::format("  {:<10} {:<8} {:>18} {:>18}\n", b.account, b.asset, to_string(b.free),
                         to_string(b.locked));
    }
  }
  for (const StrategyPerformance& s : r.strategies) {
    out << "\n";
    print_strategy(out, s, r.step_ns);
  }
  out << fmt::format("\nstate hash {:016x}\n", r.state_hash);
}

nlohmann::json run_report_json(const RunReport& r) {
  using nlohmann::json;
  json j;
  j["engine"] = r.engine;
  j["data_dir"] = r.data_dir;
  j["inputs"] = r.inputs;
  j["from_snapshot_seq"] = r.from_snapshot_seq;
  j["ticks"] = r.ticks;
  j["commands"] = r.commands;
  j["first_ts"] = r.first_ts_ns;
  j["last_ts"] = r.last_ts_ns;
  j["step_ns"] = r.step_ns;
  j["orders"] = r.orders;
  json by_status = json::object();
  for (int i = 0; i < kOrderStatusCount; ++i) {
    by_status[std::string(to_string(static_cast<OrderStatus>(i)))] = r.orders_by_status[i];
  }
  j["orders_by_status"] = by_status;
  j["fills"] = r.fills;
  json fees = json::object();
  for (const auto& [asset, amount] : r.fees_by_asset) fees[asset] = to_string(amount);
  j["fees"] = fees;
  j["positions"] = json::array();
  for (const PositionLine& p : r.positions) {
    j["positions"].push_back({{"account", p.account},
                              {"symbol", p.symbol},
                              {"size", to_string(p.size)},
                              {"avg_entry_price", to_string(p.avg_entry_price)},
                              {"mark", to_string(p.mark)},
                              {"realized_pnl", to_string(p.realized_pnl)},
                              {"fees", to_string(p.fees)},
                              {"unrealized_pnl", to_string(p.unrealized_pnl)}});
  }
  j["balances"] = json::array();
  for (const BalanceLine& b : r.balances) {
    j["balances"].push_back({{"account", b.account},
                             {"asset", b.asset},
                             {"free", to_string(b.free)},
                             {"locked", to_string(b.locked)}});
  }
  j["strategies"] = json::array();
  for (const StrategyPerformance& s : r.strategies) {
    const Performance& p = s.performance;
    json curve = json::array();
    for (const EquityPoint& e : s.curve) curve.push_back({e.ts_ns, to_string(e.equity)});
    j["strategies"].push_back({
        {"name", s.name},
        {"account", s.account},
        {"asset", s.asset},
        {"orders", s.orders},
        {"fills", s.fills},
        {"volume", to_string(s.volume)},
        {"fees", to_string(s.fees)},
        {"realized_pnl", to_string(s.realized_pnl)},
        {"unrealized_pnl", to_string(s.unrealized_pnl)},
        {"capital", to_string(p.capital)},
        {"final_equity", to_string(p.final_equity)},
        {"net_profit", to_string(p.net_profit)},
        {"span_ns", p.span_ns},
        {"total_return", number_or_null(p.total_return)},
        {"annualised_return", number_or_null(p.annualised_return)},
        {"max_drawdown", number_or_null(p.max_drawdown)},
        {"max_drawdown_amount", to_string(p.max_drawdown_amount)},
        {"sharpe", number_or_null(p.sharpe)},
        {"returns", p.returns},
        {"sharpe_meaningful", sharpe_is_meaningful(p)},
        {"trades", p.trades},
        {"wins", p.wins},
        {"losses", p.losses},
        {"win_rate", number_or_null(p.win_rate)},
        {"gross_profit", to_string(p.gross_profit)},
        {"gross_loss", to_string(p.gross_loss)},
        {"profit_factor", number_or_null(p.profit_factor)},
        {"avg_profit_per_trade", to_string(p.avg_profit_per_trade)},
        {"equity_curve", curve},
    });
  }
  j["state_hash"] = fmt::format("{:016x}", r.state_hash);
  return j;
}

Result<bool> write_report_png(const RunReport& r, const std::string& path) {
  if (r.strategies.empty()) return Error{"no strategy placed an order: there is no equity to plot"};
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec) / fmt::format("ose-report-{}", ::getpid());
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("cannot create {}: {}", dir.string(), ec.message())};
  // One data file per strategy: seconds since the first point, equity, drawdown in percent.
  std::string plots_equity, plots_drawdown;
  for (size_t i = 0; i < r.strategies.size(); ++i) {
    const StrategyPerformance& s = r.strategies[i];
    const fs::path data = dir / fmt::format("s{}.dat", i);
    std::ofstream f(data);
    double peak = 0;
    for (const EquityPoint& e : s.curve) {
      const double equity = static_cast<double>(e.equity.e8) / kScale;
      peak = std::max(peak, equity);
      const double drawdown = peak > 0 ? (equity - peak) / peak * 100 : 0;
      f << fmt::format("{:.3f} {:.8f} {:.6f}\n",
                       static_cast<double>(e.ts_ns - s.curve.front().ts_ns) / 1e9, equity,
                       drawdown);
    }
    if (!f) return Error{fmt::format("cannot write {}", data.string())};
    const std::string title = fmt::format("{} ({})", s.name, s.asset);
    plots_equity += fmt::format("{}'{}' using 1:2 with lines lw 2 title '{}'", i == 0 ? "" : ", ",
                                data.string(), title);
    plots_drawdown += fmt::format("{}'{}' using 1:3 with filledcurves y1=0 title '{}'",
                                  i == 0 ? "" : ", ", data.string(), title);
  }
  const fs::path script = dir / "report.gp";
  {
    std::ofstream g(script);
    g << "set terminal pngcairo noenhanced size 1200,800 font ',10'\n"
      << fmt::format("set output '{}'\n", path) << "set multiplot layout 2,1 title "
      << fmt::format("'ose report: engine {}, {} inputs'\n", r.engine, r.inputs)
      << "set grid\nset xlabel 'input time (s)'\nset ylabel 'equity'\nset key left top\n"
      << "plot " << plots_equity << "\n"
      << "set ylabel 'drawdown (%)'\nset yrange [:0.0001]\n"
      << "plot " << plots_drawdown << "\n"
      << "unset multiplot\n";
    if (!g) return Error{fmt::format("cannot write {}", script.string())};
  }
  const std::string cmd = fmt::format("gnuplot '{}' 2>&1", script.string());
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return Error{fmt::format("cannot run gnuplot: {}", std::strerror(errno))};
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int status = ::pclose(pipe);
  fs::remove_all(dir, ec);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      return Error{"gnuplot is not installed (Debian: apt-get install gnuplot-nox)"};
    }
    return Error{fmt::format("gnuplot failed: {}", output)};
  }
  return true;
}

}  // namespace ose::tools
