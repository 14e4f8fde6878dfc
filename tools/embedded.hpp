// The demo's config and scenario, embedded at build time from config/ so that `ose demo` runs
// from any directory (see tools/CMakeLists.txt).
#pragma once

#include <string_view>

namespace ose::tools {
extern const std::string_view kDemoConfig;
extern const std::string_view kDemoScenario;
}  // namespace ose::tools
