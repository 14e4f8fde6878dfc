#include "tools/serve/server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tools/serve/bearer_auth.hpp"
#include "tools/serve/bounded_task_queue.hpp"
#include "tools/serve/dashboard_assets.hpp"
#include "tools/serve/event_stream.hpp"
#include "tools/serve/metrics.hpp"
#include "tools/views/views.hpp"

namespace ose::tools {

namespace {

using Clock = std::chrono::steady_clock;

// What one request may cost the host when the engine is busy (docs/OPERATIONS.md, "Cost to the
// engine"). A whole-state copy between two input boundaries rarely succeeds while the engine
// applies inputs flat out, and each attempt copies the whole region (tens of MB with a large
// order table): after this many, rows are copied one by one under their own seqlocks (the
// response then says X-Ose-Consistent: false).
constexpr int kCopyAttempts = 4;
// An event stream sends at most this many events per chunk and a chunk per kEventChunkEvery:
// 2,560 events/s per stream, more than a page can show. An engine faster than that laps the
// stream, which then reports `event: overrun` with what it skipped, as for any slow reader.
constexpr size_t kEventsPerChunk = 128;
constexpr auto kEventChunkEvery = std::chrono::milliseconds(50);

void error_body(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump() + "\n", "application/json");
}

void json_body(httplib::Response& res, std::string text) {
  res.set_content(std::move(text), "application/json");
}

// ?open= as a flag: present and not "0" / "false".
bool flag_param(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) return false;
  const std::string v = req.get_param_value(key);
  return v != "0" && v != "false";
}

}  // namespace

ServeServer::ServeServer(ServeOptions options)
    : options_(std::move(options)),
      mapping_(options_.engine),
      http_(std::make_unique<httplib::Server>()) {}

ServeServer::~ServeServer() {
  stop();
  if (watcher_.joinable()) watcher_.join();
}

Result<std::unique_ptr<ServeServer>> ServeServer::create(ServeOptions options) {
  if (!options.listen.loopback && options.token.empty()) {
    return Error{fmt::format(
        "refusing to listen on {}: it is not a loopback address, and anyone who can reach it "
        "would read the engine's state. Give --token-file FILE (clients then send "
        "'Authorization: Bearer <token>'), or listen on 127.0.0.1",
        options.listen.host)};
  }
  std::unique_ptr<ServeServer> s(new ServeServer(std::move(options)));
  s->install_routes();
  httplib::Server& h = *s->http_;
  const size_t workers = s->options_.workers, waiting = s->options_.waiting;
  h.new_task_queue = [workers, waiting] { return new BoundedTaskQueue(workers, waiting); };
  h.set_payload_max_length(4096);  // GET only: no request has a body worth the name
  h.set_read_timeout(5, 0);
  h.set_write_timeout(5, 0);
  h.set_keep_alive_max_count(100);
  h.set_keep_alive_timeout(2);  // an idle kept-alive connection holds a worker this long
  if (s->options_.listen.port == 0) {
    s->port_ = h.bind_to_any_port(s->options_.listen.host);
    if (s->port_ < 0) s->port_ = 0;
  } else if (h.bind_to_port(s->options_.listen.host, s->options_.listen.port)) {
    s->port_ = s->options_.listen.port;
  }
  if (s->port_ == 0) {
    return Error{fmt::format("cannot listen on {}:{}: {} (is another server using the port?)",
                             s->options_.listen.host, s->options_.listen.port,
                             std::strerror(errno))};
  }
  s->mapping_.refresh();
  return s;
}

std::string ServeServer::url() const {
  const std::string& host = options_.listen.host;
  const std::string shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host;
  return fmt::format("http://{}:{}/",
                     shown.find(':') != std::string::npos ? "[" + shown + "]" : shown, port_);
}

void ServeServer::run() {
  watcher_ = std::thread([this] { watch_engine(); });
  http_->listen_after_bind();
}

void ServeServer::stop() {
  if (stopping_.exchange(true)) return;
  http_->stop();
}

void ServeServer::watch_engine() {
  bool announced = false;
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (mapping_.refresh()) {
      fmt::print(stderr, "ose serve: mapped engine '{}'\n", mapping_.engine());
      announced = false;
    } else if (!mapping_.get() && !announced) {
      fmt::print(stderr, "ose serve: waiting for engine '{}' ({})\n", mapping_.engine(),
                 mapping_.why());
      announced = true;
    }
    for (int i = 0; i < 10 && !stopping_.load(std::memory_order_relaxed); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

void ServeServer::install_routes() {
  httplib::Server& h = *http_;

  // Every request: the method (reads only), then the token when one is set.
  h.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      error_body(res, 405, "ose serve is read-only: GET and HEAD only");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (options_.token.empty()) return httplib::Server::HandlerResponse::Unhandled;
    // A browser cannot put a header on an EventSource: the dashboard passes ?token= instead.
    const bool ok = bearer_matches(req.get_header_value("Authorization"), options_.token) ||
                    (req.has_param("token") &&
                     constant_time_equal(options_.token, req.get_param_value("token")));
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer realm=\"ose\"");
    error_body(res, 401, "missing or wrong bearer token");
    return httplib::Server::HandlerResponse::Handled;
  });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      error_body(res, res.status, fmt::format("HTTP {}", res.status));
    }
  });
  h.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        error_body(res, 500, what);
      });
  if (options_.log_requests) {
    h.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      fmt::print(stderr, "ose serve: {} {} {}\n", req.method, req.path, res.status);
    });
  }

  h.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto reader = mapping_.get();
    if (!reader) {
      res.set_content(render_metrics_down(mapping_.engine()), "text/plain; version=0.0.4");
      return;
    }
    auto text = render_metrics(*reader, kCopyAttempts);
    if (!text) return error_body(res, 503, text.error());
    res.set_content(std::move(*text), "text/plain; version=0.0.4; charset=utf-8");
  });

  h.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
    auto reader = mapping_.get();
    if (!reader) return error_body(res, 503, mapping_.why());
    json_body(res, status_text(*reader));
  });

  h.Get(R"(/api/(state|orders|positions|balances|market|strategies))",
        [this](const httplib::Request& req, httplib::Response& res) {
          auto reader = mapping_.get();
          if (!reader) return error_body(res, 503, mapping_.why());
          const ViewFilter f{req.get_param_value("account"), req.get_param_value("strategy"),
                             req.get_param_value("symbol"), flag_param(req, "open")};
          if (std::string wrong = unknown_filter_name(reader->names(), f); !wrong.empty()) {
            return error_body(res, 400, wrong);
          }
          auto snapshot = state_copy_.get(reader, kCopyAttempts);
          if (!snapshot) return error_body(res, 503, snapshot.error());
          auto j = tables_json((*snapshot)->copy, req.matches[1].str(), f, (*snapshot)->state_hash);
          if (!j) return error_body(res, 503, j.error());
          res.set_header("X-Ose-Consistent", j->consistent ? "true" : "false");
          json_body(res, std::move(j->text));
        });

  h.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) {
    auto reader = mapping_.get();
    if (!reader) return error_body(res, 503, mapping_.why());
    if (streams_.fetch_add(1) >= static_cast<int>(options_.max_streams)) {
      streams_.fetch_sub(1);
      return error_body(res, 503, "too many event streams open; try again later");
    }
    // Released with the last copy of the provider, however the stream ends.
    const std::shared_ptr<EventStream> stream(
        new EventStream(std::move(reader), req.get_param_value("from") == "oldest"
                                               ? shm::BroadcastReader::Start::kOldest
                                               : shm::BroadcastReader::Start::kNewest),
        [this](EventStream* s) {
          delete s;
          streams_.fetch_sub(1);
        });
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream", [this, stream](size_t, httplib::DataSink& sink) {
          // A comment line every 2 s: a client that went away is found out by the write.
          std::this_thread::sleep_until(stream->not_before);
          stream->not_before = Clock::now() + kEventChunkEvery;
          const auto keepalive = Clock::now() + std::chrono::seconds(2);
          std::string out;
          while (!stopping_.load(std::memory_order_relaxed)) {
            if (mapping_.get().get() != stream->reader()) {
              // The engine restarted: end this stream; EventSource reconnects to the new one.
              sink.done();
              return true;
            }
            if (stream->poll(out, kEventsPerChunk) > 0 || !out.empty()) break;
            if (Clock::now() >= keepalive) {
              out = ": keepalive\n\n";
              break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          if (out.empty()) return false;  // stopping
          return sink.write(out.data(), out.size());
        });
  });

  const auto asset = [&h](const char* path, std::string_view body, const char* type) {
    h.Get(path, [body, type](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                     "script-src 'self'; connect-src 'self'");
      res.set_content(body.data(), body.size(), type);
    });
  };
  asset("/", kDashboardHtml, "text/html; charset=utf-8");
  asset("/app.js", kDashboardJs, "text/javascript; charset=utf-8");
  asset("/style.css", kDashboardCss, "text/css; charset=utf-8");
}

}  // namespace ose::tools
