// The demos' configs and scenario, embedded at build time from config/ so that `ose demo` runs
// from any directory (see tools/CMakeLists.txt).
#pragma once

#include <string_view>

namespace ose::tools {
extern const std::string_view kDemoConfig;      // config/example.toml (`ose demo --scenario`)
extern const std::string_view kDemoScenario;    // config/scenarios/demo.jsonl
extern const std::string_view kLiveDemoConfig;  // config/demo.toml (`ose demo`)
}  // namespace ose::tools
