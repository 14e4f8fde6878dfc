// `ose serve --engine NAME`: Prometheus metrics, a read-only JSON API, an event stream and a live
// dashboard for one engine, over HTTP (tools/serve/, docs/OPERATIONS.md). It maps the engine's
// state segment PROT_READ: nothing it serves can change the engine.
#include <fmt/format.h>

#include <csignal>
#include <thread>

#include "tools/commands.hpp"
#include "tools/serve/bearer_auth.hpp"
#include "tools/serve/server.hpp"
#include "tools/stop_signal.hpp"

namespace ose::tools {

namespace {

struct ServeCommandOptions {
  std::string engine;
  std::string listen = "127.0.0.1:9464";
  std::string token_file;
  std::string port_file;
  bool log_requests = false;
};

int run_serve(const ServeCommandOptions& o) {
  auto listen = parse_listen_address(o.listen);
  if (!listen) {
    fmt::print(stderr, "ose serve: {}\n", listen.error());
    return 2;
  }
  ServeOptions options;
  options.engine = o.engine;
  options.listen = *listen;
  options.log_requests = o.log_requests;
  if (!o.token_file.empty()) {
    auto token = read_token_file(o.token_file);
    if (!token) {
      fmt::print(stderr, "ose serve: {}\n", token.error());
      return 2;
    }
    options.token = std::move(*token);
  }
  auto server = ServeServer::create(std::move(options));
  if (!server) {
    fmt::print(stderr, "ose serve: {}\n", server.error());
    return 2;
  }
  if (!o.port_file.empty()) {
    // For scripts that asked for port 0: written once the port is bound.
    if (FILE* f = std::fopen(o.port_file.c_str(), "w")) {
      fmt::print(f, "{}\n", (*server)->port());
      std::fclose(f);
    }
  }
  fmt::print("ose serve: engine '{}' at {} (metrics: {}metrics)\n", o.engine, (*server)->url(),
             (*server)->url());
  std::fflush(stdout);
  stop_on_signals({SIGINT, SIGTERM});
  std::thread stopper([&server] {
    while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*server)->stop();
  });
  (*server)->run();
  stop_flag().store(true, std::memory_order_release);  // the server may have stopped itself
  stopper.join();
  return 0;
}

}  // namespace

Run add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "serve", "Serve a live engine's metrics (Prometheus), JSON API and dashboard (read-only)");
  auto o = std::make_shared<ServeCommandOptions>();
  cmd->add_option("-e,--engine", o->engine, "Engine name ([engine] name in its config)")
      ->required();
  cmd->add_option("--listen", o->listen,
                  "HOST:PORT to listen on; a non-loopback address needs --token-file")
      ->capture_default_str();
  cmd->add_option("--token-file", o->token_file,
                  "File whose first line is the bearer token every request must carry");
  cmd->add_option("--port-file", o->port_file, "Write the bound port here (useful with port 0)");
  cmd->add_flag("--log-requests", o->log_requests, "Log each request on stderr");
  return [cmd, o]() { return cmd->parsed() ? run_serve(*o) : -1; };
}

}  // namespace ose::tools
