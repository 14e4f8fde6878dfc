// The `ose` subcommands that talk to a live engine (shared memory) or its journal (LMDB). Each
// registers its options on the CLI11 app and returns a function that runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace ose::tools {

using Run = std::function<int()>;

Run add_engine_command(CLI::App& app);     // ose engine --config FILE
Run add_send_command(CLI::App& app);       // ose send --engine E --client C 'JSON'
Run add_inspect_command(CLI::App& app);    // ose inspect --engine E status|orders|...
Run add_journal_command(CLI::App& app);    // ose journal stats|dump|verify|truncate
Run add_snapshot_command(CLI::App& app);   // ose snapshot list|take
Run add_recover_command(CLI::App& app);    // ose recover --check
Run add_backup_command(CLI::App& app);     // ose backup DEST
Run add_venue_command(CLI::App& app);      // ose venue --engine E --client C
Run add_report_command(CLI::App& app);     // ose report --config F
Run add_demo_command(CLI::App& app);       // ose demo [--replay FILE...]
Run add_backtest_command(CLI::App& app);   // ose backtest --config F --data FILE...
Run add_export_command(CLI::App& app);     // ose export --config F --to TARGET
Run add_serve_command(CLI::App& app);      // ose serve --engine E [--listen HOST:PORT]
Run add_replicate_command(CLI::App& app);  // ose replicate --config F --nats URL
Run add_follow_command(CLI::App& app);     // ose follow --nats URL --engine E
Run add_fleet_command(CLI::App& app);      // ose fleet --nats URL [positions|balances]

}  // namespace ose::tools
