#include "tools/replay.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "engine/core/apply.hpp"
#include "engine/formats/json_format.hpp"
#include "engine/formats/scenario.hpp"
#include "tools/tables.hpp"

namespace ose::tools {

namespace {

// Collects events of one input so they can be written after apply() returns (the JSON
// conversion allocates; apply() itself must not).
class CollectingSink final : public EventSink {
 public:
  void on_event(const Event& e) noexcept override { events.push_back(e); }
  std::vector<Event> events;
};

// Opens an output: "-" is stdout, "" is none.
std::ostream* open_output(const std::string& path, std::unique_ptr<std::ofstream>& holder,
                          std::string& error) {
  if (path.empty()) return nullptr;
  if (path == "-") return &std::cout;
  holder = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*holder) {
    error = fmt::format("cannot write '{}': {}", path, std::strerror(errno));
    return nullptr;
  }
  return holder.get();
}

}  // namespace

int run_replay(const EngineConfig& config, std::istream& input, const std::string& input_name,
               const ReplayOptions& options) {
  auto state = State::create(config);
  if (!state) {
    fmt::print(stderr, "ose replay: {}\n", state.error());
    return 1;
  }
  State& s = *state;
  std::unique_ptr<std::ofstream> state_file;
  std::unique_ptr<std::ofstream> events_file;
  std::string error;
  std::ostream* state_out = open_output(options.state_out, state_file, error);
  std::ostream* events_out = open_output(options.events_out, events_file, error);
  if (!error.empty()) {
    fmt::print(stderr, "ose replay: {}\n", error);
    return 1;
  }

  CollectingSink sink;
  sink.events.reserve(64);
  std::map<std::string, uint64_t> event_counts;
  uint64_t seq = 0;
  int64_t prev_ts = 0;
  uint64_t malformed = 0;
  uint64_t line_no = 0;
  std::string line;
  while (std::getline(input, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;  // blank or comment
    auto parsed = parse_scenario_line(s, line, prev_ts);
    if (!parsed) {
      ++malformed;
      fmt::print(stderr, "{}:{}: rejected line: {}\n", input_name, line_no, parsed.error());
      continue;
    }
    Input in{};
    in.seq = ++seq;
    in.ts = parsed->ts;
    in.source = parsed->source;
    in.cmd = parsed->cmd;
    prev_ts = in.ts;
    sink.events.clear();
    apply(s, in, sink);
    for (const Event& e : sink.events) {
      ++event_counts[std::string(to_string(e.type))];
      if (events_out != nullptr) *events_out << event_to_json(s, e).dump() << '\n';
    }
  }
  if (input.bad()) {
    fmt::print(stderr, "ose replay: error reading {}\n", input_name);
    return 1;
  }
  if (state_out != nullptr) *state_out << state_to_json(s).dump(2) << '\n';
  for (auto* f : {state_file.get(), events_file.get()}) {
    if (f != nullptr && !f->flush()) {
      fmt::print(stderr, "ose replay: write failed: {}\n", std::strerror(errno));
      return 1;
    }
  }

  if (options.tables) {
    print_orders(std::cout, s);
    print_positions(std::cout, s);
    print_balances(std::cout, s);
    print_strategies(std::cout, s);
  }
  if (!options.quiet) {
    std::ostream& out =
        options.state_out == "-" || options.events_out == "-" ? std::cerr : std::cout;
    fmt::print(out, "replayed {} inputs from {} ({} malformed lines skipped)\n", seq, input_name,
               malformed);
    std::string counts;
    for (const auto& [type, n] : event_counts) counts += fmt::format(" {}={}", type, n);
    fmt::print(out, "events:{}\n", counts.empty() ? " none" : counts);
    const StateHeader& h = s.header();
    std::string rejects;
    for (int r = 1; r < kRejectReasonCount; ++r) {
      if (h.rejects[r] != 0) {
        rejects += fmt::format(" {}={}", to_string(static_cast<RejectReason>(r)), h.rejects[r]);
      }
    }
    if (!rejects.empty()) fmt::print(out, "rejects:{}\n", rejects);
    std::string alerts;
    for (int a = 1; a < kAlertReasonCount; ++a) {
      if (h.alerts[a] != 0) {
        alerts += fmt::format(" {}={}", to_string(static_cast<AlertReason>(a)), h.alerts[a]);
      }
    }
    if (!alerts.empty()) fmt::print(out, "alerts:{}\n", alerts);
    fmt::print(out, "final seq {}  state_hash {:016x}\n", h.seq, s.hash());
  }
  if (options.strict && malformed > 0) return 3;
  return 0;
}

}  // namespace ose::tools
