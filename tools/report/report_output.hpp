// A RunReport for people (text), for programs (JSON) and as a picture (PNG of each strategy's
// equity curve and drawdown, drawn by gnuplot).
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>

#include "engine/core/result.hpp"
#include "tools/report/run_report.hpp"

namespace ose::tools {

void print_run_report(std::ostream& out, const RunReport& r);

// Ratios that do not exist (a Sharpe ratio of a flat curve, a win rate without trades) are null;
// an infinite profit factor is the string "inf". Amounts are decimal strings, as everywhere.
// Figures the text withholds as meaningless over a short run are still here, as computed:
// "annualised_return" with "span_ns" to judge it by, "sharpe" with "returns" and
// "sharpe_meaningful" (the text's rule, sharpe_is_meaningful()), so a program can take the
// value or the verdict.
nlohmann::json run_report_json(const RunReport& r);

// Needs gnuplot on the PATH (Debian: gnuplot-nox); a clear error when it is missing.
Result<bool> write_report_png(const RunReport& r, const std::string& path);

}  // namespace ose::tools
