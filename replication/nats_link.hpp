// Thin RAII over cnats (libnats-dev): one connection that reconnects forever, its JetStream
// context with a bounded number of asynchronous publishes in flight, and the few stream calls the
// replicator and the follower make. Every failure becomes an Error naming the call and cnats' own
// words; a JetStream API error keeps its code (status.h jsErrCode) so callers can tell a fence
// (10071, wrong last sequence) from a missing stream (10059).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"

namespace ose::replication {

struct MsgDeleter {
  void operator()(natsMsg* m) const noexcept { natsMsg_Destroy(m); }
};
using Msg = std::unique_ptr<natsMsg, MsgDeleter>;

// A header's value, or nullopt when absent.
std::optional<std::string_view> header(natsMsg* m, const char* key);
std::optional<uint64_t> header_u64(natsMsg* m, const char* key, int base = 10);
std::string_view data(const natsMsg* m);

std::string describe(const char* call, natsStatus s, jsErrCode code = static_cast<jsErrCode>(0));

struct LinkOptions {
  std::string url;
  std::string client_name;          // shown by the server's monitoring
  int64_t reconnect_wait_ms = 250;  // between attempts, forever (max reconnect -1)
  int64_t api_wait_ms = 2000;       // each JetStream API request, and each publish's ack
  int64_t max_in_flight = 256;      // asynchronous publishes without an ack (cnats: unbounded)
  jsPubAckHandler ack_handler = nullptr;  // every async publish's outcome, on cnats' thread
  void* ack_closure = nullptr;
};

struct StreamLimits {
  int64_t max_age_s = 0;       // 0: unlimited
  int64_t max_bytes = -1;      // -1: unlimited
  int64_t duplicates_s = 120;  // the server's Nats-Msg-Id dedup window
};

class Link {
 public:
  // Connects, retrying while the server is down (the connection object exists at once and
  // connects in the background: publishes are buffered meanwhile).
  static Result<Link> connect(const LinkOptions& options);

  // For the one-shot readers (`ose follow`, `ose fleet`): connected within `wait_ms`, or an
  // Error saying no server answers.
  static Result<Link> connect_within(const LinkOptions& options, int64_t wait_ms);

  Link(Link&&) noexcept = default;
  Link& operator=(Link&&) noexcept = default;
  ~Link();

  natsConnection* conn() const noexcept { return conn_.get(); }
  jsCtx* js() const noexcept { return js_.get(); }
  bool connected() const noexcept;

  // Creates the stream (subjects `subjects`) unless it exists; an existing one keeps its limits.
  Result<bool> ensure_stream(const std::string& stream, const std::string& subjects,
                             const StreamLimits& limits);
  // The stream's last sequence (0: empty) and first one.
  struct StreamEnds {
    uint64_t first = 0;
    uint64_t last = 0;
    uint64_t msgs = 0;
  };
  // An Error when it cannot be asked; `*missing` is set when the stream does not exist.
  Result<StreamEnds> stream_ends(const std::string& stream, bool* missing = nullptr);
  // The message at stream sequence `seq`; null Msg when there is none (deleted or never).
  Result<Msg> get(const std::string& stream, uint64_t seq);
  // The newest message on `subject`; null Msg when there is none.
  Result<Msg> last_on(const std::string& stream, const std::string& subject);
  // Every stream name that starts with `prefix`.
  Result<std::vector<std::string>> stream_names(const std::string& prefix);

 private:
  Link() = default;
  struct ConnDeleter {
    void operator()(natsConnection* c) const noexcept;
  };
  struct JsDeleter {
    void operator()(jsCtx* j) const noexcept { jsCtx_Destroy(j); }
  };
  std::unique_ptr<natsConnection, ConnDeleter> conn_;
  std::unique_ptr<jsCtx, JsDeleter> js_;  // declared after: destroyed before the connection
  int64_t api_wait_ms_ = 2000;
};

}  // namespace ose::replication
