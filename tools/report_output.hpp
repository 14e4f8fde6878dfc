// A RunReport for people (text), for programs (JSON) and as a picture (PNG of each strategy's
// equity curve and drawdown, drawn by gnuplot).
#pragma once

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>

#include "engine/core/result.hpp"
#include "tools/run_report.hpp"

namespace ose::tools {

void print_run_report(std::ostream& out, const RunReport& r);

// Ratios that do not exist (a Sharpe ratio of a flat curve, a win rate without trades) are null;
// an infinite profit factor is the string "inf". Amounts are decimal strings, as everywhere.
nlohmann::json run_report_json(const RunReport& r);

// Needs gnuplot on the PATH (Debian: gnuplot-nox); a clear error when it is missing.
Result<bool> write_report_png(const RunReport& r, const std::string& path);

}  // namespace ose::tools
