// The report's text and JSON forms (tools/report/report_output.hpp) on hand-made RunReports:
// which figures the text withholds over a short run, the line that says why, and that the JSON
// still carries them.
#include "tools/report/report_output.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <string_view>

namespace ose::test {
namespace {

using tools::RunReport;
using tools::StrategyPerformance;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kDay = 86'400 * kSec;

// One strategy whose performance has the given span, return count and Sharpe ratio; every other
// figure stays at its default.
RunReport report_with(int64_t span_ns, int64_t returns, double sharpe, int64_t step_ns) {
  RunReport r;
  r.engine = "t";
  r.step_ns = step_ns;
  StrategyPerformance s;
  s.name = "ema1";
  s.account = "main";
  s.asset = "USDT";
  s.performance.span_ns = span_ns;
  s.performance.returns = returns;
  s.performance.sharpe = sharpe;
  r.strategies.push_back(s);
  return r;
}

std::string text_of(const RunReport& r) {
  std::ostringstream out;
  tools::print_run_report(out, r);
  return out.str();
}

// The strategy block's row: two spaces, the label padded to 22 columns, the value.
std::string row(std::string_view label, std::string_view value) {
  std::string out = "\n  " + std::string(label);
  out.append(22 - label.size(), ' ');
  return out + std::string(value) + "\n";
}

TEST(ReportText, WithholdsTheSharpeRatioOfAThirtySecondRunAndSaysWhy) {
  const RunReport r = report_with(30 * kSec, 30, -3072.2, kSec);
  const std::string text = text_of(r);
  EXPECT_NE(text.find(row("Sharpe ratio", "not shown for a run of 30.0 s (needs ≥ 1 day)")),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("-3072"), std::string::npos) << text;
}

TEST(ReportText, WithholdsTheSharpeRatioOfADayOfHourlyReturns) {
  // A day at --step 3600: 24 returns, fewer than 30.
  const std::string text = text_of(report_with(kDay, 24, 0.8, 3600 * kSec));
  EXPECT_NE(text.find(row("Sharpe ratio", "not shown for 24 returns of 3600.0 s (needs ≥ 30)")),
            std::string::npos)
      << text;
}

TEST(ReportText, ShowsTheSharpeRatioOverADayWithThirtyReturns) {
  // Exactly at both thresholds: a day, 30 returns of 2880 s.
  const std::string text = text_of(report_with(kDay, 30, 1.234, 2880 * kSec));
  EXPECT_NE(text.find(row("Sharpe ratio", "1.23 (30 returns of 2880.0 s, annualised)")),
            std::string::npos)
      << text;
}

TEST(ReportText, AFlatCurveOverADayHasNoSharpeRatioToShow) {
  // Meaningful span and count, but a zero standard deviation: the ratio does not exist.
  const std::string text = text_of(report_with(2 * kDay, 172'800, std::nan(""), kSec));
  EXPECT_NE(text.find(row("Sharpe ratio", "n/a (172800 returns of 1.0 s, annualised)")),
            std::string::npos)
      << text;
}

TEST(ReportJson, KeepsTheWithheldSharpeRatioWithItsVerdict) {
  const nlohmann::json short_run =
      tools::run_report_json(report_with(30 * kSec, 30, -3072.2, kSec));
  const nlohmann::json& s = short_run["strategies"][0];
  EXPECT_DOUBLE_EQ(s["sharpe"].get<double>(), -3072.2);
  EXPECT_EQ(s["returns"], 30);
  EXPECT_EQ(s["span_ns"], 30 * kSec);
  EXPECT_EQ(s["sharpe_meaningful"], false);

  const nlohmann::json day = tools::run_report_json(report_with(kDay, 30, 1.234, 2880 * kSec));
  EXPECT_EQ(day["strategies"][0]["sharpe_meaningful"], true);
  EXPECT_DOUBLE_EQ(day["strategies"][0]["sharpe"].get<double>(), 1.234);

  const nlohmann::json flat = tools::run_report_json(report_with(kDay, 30, std::nan(""), kSec));
  EXPECT_TRUE(flat["strategies"][0]["sharpe"].is_null());
  EXPECT_EQ(flat["strategies"][0]["sharpe_meaningful"], true);  // the span and count suffice
}

}  // namespace
}  // namespace ose::test
