// `ose serve`'s HTTP server (cpp-httplib): GET /metrics, /api/*, /api/events (SSE) and the
// dashboard, over a read-only mapping of one engine's state segment. Nothing it serves can
// change the engine: the mapping is PROT_READ and only GET and HEAD are routed.
//
// Limits, so that no reader can exhaust it or slow the engine: a fixed pool of worker threads
// with a bounded wait queue (BoundedTaskQueue), at most `max_streams` event streams at once,
// read and write timeouts, no request bodies, and httplib's own caps on the request line and
// headers (8 KiB each: longer gets 4xx).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "engine/core/result.hpp"
#include "tools/serve/engine_mapping.hpp"
#include "tools/serve/listen_address.hpp"
#include "tools/serve/metrics.hpp"
#include "tools/serve/shared_state_copy.hpp"

namespace httplib {
class Server;
}

namespace ose::tools {

struct ServeOptions {
  std::string engine;
  ListenAddress listen;
  std::string token;       // empty: no authentication (loopback only)
  size_t workers = 16;     // connections served at once
  size_t waiting = 64;     // accepted connections waiting for a worker
  size_t max_streams = 8;  // /api/events connections at once (each holds a worker)
  bool log_requests = false;
};

class ServeServer {
 public:
  // Checks the options (a non-loopback address needs a token) and binds the port.
  static Result<std::unique_ptr<ServeServer>> create(ServeOptions options);
  ~ServeServer();

  int port() const noexcept { return port_; }
  std::string url() const;

  // Serves until stop() (from any thread, or a signal handler's flag polled by the caller).
  void run();
  void stop();

 private:
  explicit ServeServer(ServeOptions options);
  void install_routes();
  void watch_engine();

  ServeOptions options_;
  EngineMapping mapping_;
  SharedStateCopy state_copy_;  // what the table views render
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> streams_{0};
  std::thread watcher_;
};

}  // namespace ose::tools
