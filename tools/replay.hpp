// `ose replay`: apply a scenario file to a fresh State built from a config, write the DESIGN §8
// JSON outputs, print a summary. Shared by `ose demo`, which replays the embedded scenario.
#pragma once

#include <iosfwd>
#include <string>

#include "engine/formats/config.hpp"

namespace ose::tools {

struct ReplayOptions {
  std::string state_out;   // canonical state JSON file, "" = none, "-" = stdout
  std::string events_out;  // events JSONL file, "" = none, "-" = stdout
  bool strict = false;     // a malformed line makes the run fail
  bool quiet = false;      // no summary
  bool tables = false;     // print orders, positions and balances as tables
};

// Returns the process exit code. `input_name` names the input in messages.
int run_replay(const EngineConfig& config, std::istream& input, const std::string& input_name,
               const ReplayOptions& options);

}  // namespace ose::tools
