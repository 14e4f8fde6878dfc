// The study's results for programs (JSON), for the eye (gnuplot PNGs) and for the docs (the
// tables of docs/PERFORMANCE.md between its `<!-- study:begin -->` and `<!-- study:end -->`
// markers, regenerated from the JSON so the prose never drifts from the figures).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bench/study/study.hpp"
#include "engine/core/result.hpp"

namespace ose::bench {

nlohmann::json study_json(const StudyResults& r);

// Writes DIR/<name>.png for each plot the results allow; the paths written. Needs gnuplot.
Result<std::vector<std::string>> write_study_plots(const StudyResults& r, const std::string& dir);

// The tables, as Markdown.
std::string study_markdown(const StudyResults& r);

// Replaces what lies between the markers in the file at `path` (or appends a marked section when
// there are none).
Result<bool> update_study_section(const std::string& path, const std::string& markdown);

}  // namespace ose::bench
