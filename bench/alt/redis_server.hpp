// RedisServer: a throwaway redis-server the performance study (issue 6) starts for its Redis
// alternative, so that the comparison runs against the Debian binary a trading-bot user would
// install, configured as that user would run it, without touching any system instance.
//
// start() finds redis-server (PATH, then /usr/bin, /usr/sbin), makes a temp directory, picks a
// free TCP port on 127.0.0.1 and runs the server in the foreground (no daemonize) with its log
// and any AOF in that directory; it returns once PING answers PONG. The redis.conf it writes
// there is Debian's on everything that bears on latency or durability (io-threads 1, appendonly
// no, appendfsync everysec, tcp-backlog 511, no client timeout; the server itself sets
// TCP_NODELAY on every client socket). Only RDB snapshots are off (`save ""`): a throwaway
// server has nothing to keep, and a background fork mid-measurement would only add noise.
//
// Nothing here may hang: the start-up wait, every connection and the shutdown are bounded, and
// the server dies with the process that started it (PR_SET_PDEATHSIG), so a crashed test
// leaves no server behind. A missing binary is an Error the caller turns into a skip.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "engine/core/result.hpp"

namespace ose::bench {

struct RedisServerOptions {
  // Empty: search PATH, then /usr/bin, /usr/sbin. Otherwise the binary to run (tests use a
  // path that does not exist to see the not-found error).
  std::string binary;
  // false: Debian's default (no AOF). true: `appendonly yes` + `appendfsync everysec`, the
  // durability a bot that cares would turn on (at most one second of writes lost).
  bool appendonly = false;
  // How long start() waits for PING to answer before giving up with the log's tail.
  std::chrono::milliseconds start_timeout{10'000};
  // Where the temp directory is made; empty: $TMPDIR, else /tmp.
  std::string temp_base;
};

class RedisServer {
 public:
  static Result<RedisServer> start(const RedisServerOptions& options = {});

  RedisServer(RedisServer&& other) noexcept;
  RedisServer& operator=(RedisServer&& other) noexcept;
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  // SHUTDOWN NOSAVE; SIGTERM if the server is still there after a bounded wait, then SIGKILL;
  // reaps the child and removes the temp directory. Idempotent. Bounded: a few seconds at most.
  void stop() noexcept;

  bool running() const noexcept { return pid_ > 0; }
  const std::string& host() const noexcept { return host_; }  // "127.0.0.1"
  int port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }
  const std::string& dir() const noexcept { return dir_; }  // the temp directory
  std::string log_path() const { return dir_ + "/redis.log"; }
  const std::string& binary() const noexcept { return binary_; }

 private:
  RedisServer() = default;

  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;   // the server process, -1 once reaped (or never started)
  std::string dir_;  // empty once removed
  std::string binary_;
};

// The redis-server binary start() would run, or empty when there is none.
std::string find_redis_server();

}  // namespace ose::bench
