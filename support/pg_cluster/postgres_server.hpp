// A throwaway PostgreSQL server for the performance study (issue 6) and the tests of `ose export`
// (issue 17), which share it from here: the suite starts the
// distribution's own binaries (Debian's postgresql package) on a fresh cluster in a temporary
// directory, listening on TCP loopback, so that the PostgreSQL alternative is measured as a
// bot would run it on the same machine — and nothing of the machine's own PostgreSQL setup
// (clusters, config, ports) is touched or needed.
//
// Life cycle: start() finds the binaries (PATH, then /usr/lib/postgresql/<newest>/bin), runs
// initdb (-A trust, UTF8, no locale, --no-sync: the cluster is thrown away), starts `postgres`
// as a child process on 127.0.0.1 and a free port with its unix socket inside the temporary
// directory, and returns once the server accepts connections. stop() (or the destructor) runs
// `pg_ctl stop -m fast` and removes the directory. Every wait is bounded; a server that does not
// come up is killed and its log tail is in the error.
//
// Running as root: initdb and postgres refuse to, so the children run as the `postgres` system
// user and the temporary directory is handed to it (`parent_dir` must then be traversable by that
// user; /tmp is).
//
// The server child gets the parent-death signal SIGQUIT (immediate shutdown): if the process
// that started it dies, the server goes too instead of lingering. Linux ties that signal to the
// *thread* that forked, so call start() from a thread that outlives the server (e.g. main).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "engine/core/result.hpp"

namespace ose::support {

struct PostgresServerOptions {
  std::string parent_dir = "/tmp";  // the cluster goes into a fresh ose-pg-XXXXXX under it
  // On is PostgreSQL's default and what bots run with: COMMIT returns once its WAL is flushed.
  bool synchronous_commit = true;
  // On is the default. Off only for a labelled experiment: a crash may then corrupt the cluster.
  bool fsync = true;
  std::string bin_dir;                 // empty: search PATH, then /usr/lib/postgresql/*/bin
  uint32_t start_timeout_ms = 30'000;  // initdb, and again the server's readiness, each
};

class PostgresServer {
 public:
  // The running server, or why not. A missing binary gives an error whose text starts with
  // "PostgreSQL server not found (Debian: apt-get install postgresql)": callers skip on it.
  static Result<PostgresServer> start(const PostgresServerOptions& o = {});

  PostgresServer(PostgresServer&& other) noexcept;
  PostgresServer& operator=(PostgresServer&& other) noexcept;
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

  // libpq connection string: TCP to 127.0.0.1:port(), database and superuser `postgres`, trust
  // authentication, connect_timeout 5 s.
  const std::string& conninfo() const noexcept { return conninfo_; }
  uint16_t port() const noexcept { return port_; }
  const std::string& directory() const noexcept { return dir_; }  // removed by stop()
  const std::string& bin_dir() const noexcept { return bin_dir_; }
  bool running() const noexcept { return pid_ > 0; }

  // Fast shutdown (pg_ctl stop -m fast; SIGQUIT then SIGKILL if the server is still there after
  // bounded waits), then removes the directory. Idempotent. Returns "" or what went wrong; the
  // directory is removed and the process reaped in either case.
  std::string stop();

  // Where the binaries are (initdb, pg_ctl and postgres in one directory), or the
  // "PostgreSQL server not found …" error. `bin_dir` non-empty: only there.
  static Result<std::string> find_bin_dir(const std::string& bin_dir = {});

 private:
  PostgresServer() = default;

  std::string dir_;       // the temporary directory; empty once removed
  std::string data_dir_;  // dir_/data
  std::string bin_dir_;
  std::string conninfo_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;     // the postmaster, our child and leader of its own process group; −1: none
  uid_t run_uid_ = 0;  // the children's user and group (ours unless we are root)
  gid_t run_gid_ = 0;
  bool switch_user_ = false;
};

}  // namespace ose::support
