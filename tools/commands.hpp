// The `ose` subcommands that talk to a live engine through shared memory. Each registers its
// options on the CLI11 app and returns a function that runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace ose::tools {

using Run = std::function<int()>;

Run add_engine_command(CLI::App& app);   // ose engine --config FILE
Run add_send_command(CLI::App& app);     // ose send --engine E --client C 'JSON'
Run add_inspect_command(CLI::App& app);  // ose inspect --engine E status|orders|...
Run add_bench_command(CLI::App& app);    // ose bench roundtrip|throughput

}  // namespace ose::tools
