// `ose send`: submits scenario lines (DESIGN §8) through a client's command ring and prints the
// engine's responses — a debugging tool in the spirit of redis-cli. With '-' it reads lines
// from stdin; a line's "source" then picks the client it goes through.
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/client/client.hpp"
#include "engine/formats/json_format.hpp"
#include "engine/formats/scenario.hpp"
#include "tools/commands.hpp"

namespace ose::tools {

namespace {

struct SendOptions {
  std::string engine;
  std::string client;
  std::string line;
  int64_t timeout_ms = 2000;
  bool json = false;
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

std::string describe(const State& names, const Event& e) {
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
  }
  return s;
}

// Sends one line through `client` and prints the responses to it. 0 when answered.
int send_one(Client& client, const std::string& name, const std::string& text, const SendOptions& o,
             int line_no) {
  // A line may leave out "client" where it means the sending client.
  std::string line = text;
  if (auto j = nlohmann::json::parse(text, nullptr, false);
      j.is_object() && !j.contains("client")) {
    const std::string op = j.value("op", "");
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
    return 2;
  }
  Command cmd = parsed->cmd;
  default_client(cmd, client.index());
  const uint64_t request = client.submit(cmd);
  if (request == 0) {
    fmt::print(stderr, "ose send: the command ring is full or refused: is the engine stuck?\n");
    return 1;
  }
  for (;;) {
    Response r;
    if (!client.wait(r, WaitMode::kPark, o.timeout_ms * 1'000'000)) {
      fmt::print(stderr, "ose send: no answer within {} ms (request {})\n", o.timeout_ms, request);
      return 1;
    }
    if (r.request != request) continue;  // unsolicited (e.g. a venue's fill): not ours
    if ((r.flags & kResponseDone) == 0) {
      if (o.json) {
        fmt::print("{}\n", event_to_json(client.state().names(), r.event).dump());
      } else {
        fmt::print("{}\n", describe(client.state().names(), r.event));
      }
    } else if (!o.json) {
      fmt::print("seq {} applied (no events)\n", r.event.seq);
    }
    if ((r.flags & kResponseLast) != 0) return 0;
  }
}

int run_send(const SendOptions& o) {
  std::map<std::string, Client> clients;
  const auto client_for = [&](const std::string& name) -> Client* {
    if (auto it = clients.find(name); it != clients.end()) return &it->second;
    auto c = Client::attach(o.engine, name);
    if (!c) {
      fmt::print(stderr, "ose send: {}\n", c.error());
      return nullptr;
    }
    return &clients.emplace(name, std::move(*c)).first->second;
  };
  if (o.line != "-") {
    if (o.client.empty()) {
      fmt::print(stderr, "ose send: --client is required unless lines come from stdin ('-')\n");
      return 2;
    }
    Client* c = client_for(o.client);
    return c == nullptr ? 1 : send_one(*c, o.client, o.line, o, 1);
  }
  std::string text;
  int line_no = 0;
  while (std::getline(std::cin, text)) {
    ++line_no;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string name = o.client;
    try {
      const auto j = nlohmann::json::parse(text);
      if (j.contains("source") && j["source"].is_string()) name = j["source"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
      // parse_scenario_line reports it below with the line number.
    }
    if (name.empty()) {
      fmt::print(stderr, "ose send: line {}: no \"source\" and no --client\n", line_no);
      return 2;
    }
    Client* c = client_for(name);
    if (c == nullptr) return 1;
    if (const int rc = send_one(*c, name, text, o, line_no); rc != 0) return rc;
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
  return [cmd, o]() { return cmd->parsed() ? run_send(*o) : -1; };
}

}  // namespace ose::tools
