// `ose send`: submits scenario lines (DESIGN §8) through a client's command ring and prints the
// engine's responses — a debugging tool in the spirit of redis-cli. With '-' it reads lines
// from stdin; a line's "source" then picks the client it goes through.
#include <fmt/format.h>

#include <exception>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/client/client.hpp"
#include "engine/formats/json_format.hpp"
#include "engine/formats/scenario.hpp"
#include "tools/commands.hpp"
#include "tools/tables.hpp"

namespace ose::tools {

namespace {

struct SendOptions {
  std::string engine;
  std::string client;
  std::string line;
  int64_t timeout_ms = 2000;
  bool json = false;
  bool stop_on_error = false;
};

// Fills in the sending client where a command names an order or a new order without a client.
void default_client(Command& c, uint16_t client) {
  const auto fill_ref = [client](OrderRef& r) {
    if (r.order_id == 0 && r.client == kNoIndex) r.client = client;
  };
  switch (c.op) {
    case Op::kNewOrder:
      if (c.new_order.client == kNoIndex) c.new_order.client = client;
      break;
    case Op::kCancel:
      fill_ref(c.cancel);
      break;
    case Op::kAmend:
      fill_ref(c.amend.ref);
      break;
    case Op::kAck:
      fill_ref(c.ack.ref);
      break;
    case Op::kVenueReject:
      fill_ref(c.venue_reject.ref);
      break;
    case Op::kFill:
      fill_ref(c.fill.ref);
      break;
    case Op::kCancelAck:
      fill_ref(c.cancel_ack);
      break;
    case Op::kExpired:
      fill_ref(c.expired);
      break;
    default:
      break;
  }
}

std::string describe(const State& names, const Event& e, const EventVenueIds& ids) {
  std::string s = fmt::format("seq {} {}", e.seq, to_string(e.type));
  if (e.type == EventType::kRejected) s += fmt::format(" {}", to_string(e.reason));
  if (e.type == EventType::kAlert) s += fmt::format(" {}", to_string(e.alert));
  if (e.order_id != 0) s += fmt::format(" order {}", e.order_id);
  if (e.cl_id != 0) s += fmt::format(" cl_id {}", e.cl_id);
  if (e.order_id != 0 || e.type == EventType::kAccepted) {
    s += fmt::format(" {} {}", to_string(e.status), instrument_name(names, e.instrument));
  }
  if (e.type == EventType::kFill) {
    s += fmt::format(" {} @ {} fee {} {}", to_string(e.qty), to_string(e.price),
                     to_string(e.amount), asset_name(names, e.asset));
    if (!ids.trade_id.empty()) s += fmt::format(" trade {}", printable_id(ids.trade_id.view()));
  }
  if (e.type == EventType::kAcked && !ids.venue_order_id.empty()) {
    s += fmt::format(" venue order {}", printable_id(ids.venue_order_id.view()));
  }
  return s;
}

// What one line came to. A bad line (kBadLine) is reported with its number and the stream goes
// on; an engine that does not take or answer a command (kEngineProblem) stops it, since every
// later line would wait for the same timeout.
enum class LineOutcome { kAnswered, kBadLine, kEngineProblem };

// The "op" of a line, or "" when it has none or not as a string (parse_scenario_line then says
// which); never throws, whatever the line holds.
std::string op_of(const nlohmann::json& j) {
  const auto it = j.find("op");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Sends one line through `client` and prints the responses to it.
LineOutcome send_one(Client& client, const std::string& name, const std::string& text,
                     const SendOptions& o, int line_no) {
  // A line may leave out "client" where it means the sending client.
  std::string line = text;
  if (auto j = nlohmann::json::parse(text, nullptr, false);
      j.is_object() && !j.contains("client")) {
    const std::string op = op_of(j);
    const bool names_order =
        op == "new_order" ||
        ((op == "cancel" || op == "amend" || op == "ack" || op == "venue_reject" || op == "fill" ||
          op == "cancel_ack" || op == "expired") &&
         !j.contains("order_id"));
    if (names_order) {
      j["client"] = name;
      line = j.dump();
    }
  }
  auto parsed = parse_scenario_line(client.state().names(), line, 0);
  if (!parsed) {
    fmt::print(stderr, "ose send: line {}: {}\n", line_no, parsed.error());
    return LineOutcome::kBadLine;
  }
  Command cmd = parsed->cmd;
  default_client(cmd, client.index());
  const uint64_t request = client.submit(cmd);
  if (request == 0) {
    fmt::print(stderr,
               "ose send: line {}: the command ring is full or refused: is the engine stuck?\n",
               line_no);
    return LineOutcome::kEngineProblem;
  }
  for (;;) {
    Response r;
    if (!client.wait(r, WaitMode::kPark, o.timeout_ms * 1'000'000)) {
      fmt::print(stderr, "ose send: line {}: no answer within {} ms (request {})\n", line_no,
                 o.timeout_ms, request);
      return LineOutcome::kEngineProblem;
    }
    if (r.request != request) continue;  // unsolicited (e.g. a venue's fill): not ours
    if ((r.flags & kResponseDone) == 0) {
      const EventVenueIds ids = client.state().read_event_ids(r.event);
      if (o.json) {
        fmt::print("{}\n", event_to_json(client.state().names(), r.event, ids).dump());
      } else {
        fmt::print("{}\n", describe(client.state().names(), r.event, ids));
      }
    } else if (!o.json) {
      fmt::print("seq {} applied (no events)\n", r.event.seq);
    }
    if ((r.flags & kResponseLast) != 0) return LineOutcome::kAnswered;
  }
}

// Exit codes (README `ose send`): 0 every line answered; 2 some line was bad (each reported
// with its number); 1 the engine could not be reached or did not answer.
int run_send(const SendOptions& o) {
  std::map<std::string, Client> clients;
  std::map<std::string, std::string> unreachable;  // client name -> why attaching failed
  const auto client_for = [&](const std::string& name, std::string& why) -> Client* {
    if (auto it = clients.find(name); it != clients.end()) return &it->second;
    if (auto it = unreachable.find(name); it != unreachable.end()) {
      why = it->second;
      return nullptr;
    }
    auto c = Client::attach(o.engine, name);
    if (!c) {
      why = unreachable.emplace(name, c.error()).first->second;
      return nullptr;
    }
    return &clients.emplace(name, std::move(*c)).first->second;
  };
  if (o.line != "-") {
    if (o.client.empty()) {
      fmt::print(stderr, "ose send: --client is required unless lines come from stdin ('-')\n");
      return 2;
    }
    std::string why;
    Client* c = client_for(o.client, why);
    if (c == nullptr) {
      fmt::print(stderr, "ose send: {}\n", why);
      return 1;
    }
    switch (send_one(*c, o.client, o.line, o, 1)) {
      case LineOutcome::kAnswered:
        return 0;
      case LineOutcome::kBadLine:
        return 2;
      case LineOutcome::kEngineProblem:
        return 1;
    }
    return 1;
  }
  std::string text;
  int line_no = 0;
  int bad_lines = 0;
  while (std::getline(std::cin, text)) {
    ++line_no;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    LineOutcome outcome = LineOutcome::kBadLine;
    try {
      std::string name = o.client;
      if (const auto j = nlohmann::json::parse(text, nullptr, false); j.is_object()) {
        if (const auto it = j.find("source"); it != j.end() && it->is_string()) {
          name = it->get<std::string>();
        }
      }
      // Not JSON, not an object, a "source" that is not a string: parse_scenario_line says
      // which below, with the line number, once a client is known to parse it against.
      std::string why;
      Client* c = nullptr;
      if (name.empty()) {
        fmt::print(stderr, "ose send: line {}: no \"source\" and no --client\n", line_no);
      } else if (c = client_for(name, why); c == nullptr) {
        fmt::print(stderr, "ose send: line {}: source '{}': {}\n", line_no, name, why);
      } else {
        outcome = send_one(*c, name, text, o, line_no);
      }
    } catch (const std::exception& e) {
      // Nothing above is meant to throw on any input; if something does, it is this line's
      // problem, not a reason to abort (a strategy client that aborts looks dead to the engine).
      fmt::print(stderr, "ose send: line {}: {}\n", line_no, e.what());
      outcome = LineOutcome::kBadLine;
    }
    if (outcome == LineOutcome::kEngineProblem) return 1;
    if (outcome == LineOutcome::kBadLine) {
      ++bad_lines;
      if (o.stop_on_error) {
        fmt::print(stderr, "ose send: stopped at line {} (--stop-on-error)\n", line_no);
        return 2;
      }
    }
  }
  if (bad_lines > 0) {
    fmt::print(stderr, "ose send: {} bad line(s) not sent (of {} lines read)\n", bad_lines,
               line_no);
    return 2;
  }
  return 0;
}

}  // namespace

Run add_send_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "send", "Submit a scenario line through a client's ring and print the engine's answer");
  auto o = std::make_shared<SendOptions>();
  cmd->add_option("-e,--engine", o->engine, "Engine name ([engine] name in its config)")
      ->required();
  cmd->add_option("-c,--client", o->client,
                  "Client to send as (a [[clients]] name); with '-', lines may say \"source\"");
  cmd->add_option("LINE", o->line,
                  "One scenario JSON line, e.g. '{\"op\":\"cancel\",\"cl_id\":7}'; '-' reads "
                  "lines from stdin")
      ->required();
  cmd->add_option("--timeout-ms", o->timeout_ms, "How long to wait for the answer");
  cmd->add_flag("--json", o->json, "Print the answering events as JSON lines");
  cmd->add_flag("--stop-on-error", o->stop_on_error,
                "With '-': stop at the first bad line instead of reporting it and going on");
  return [cmd, o]() { return cmd->parsed() ? run_send(*o) : -1; };
}

}  // namespace ose::tools
