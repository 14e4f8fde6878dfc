#include "support/pg_cluster/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

namespace ose::support {

namespace fs = std::filesystem;

namespace {

constexpr const char* kNotFound =
    "PostgreSQL server not found (Debian: apt-get install postgresql)";
constexpr uint32_t kStopTimeoutMs = 30'000;  // pg_ctl's own wait (-t), then ours on top
constexpr uint32_t kReapTimeoutMs = 5'000;   // for a signalled process to go, per signal
constexpr int kPortAttempts = 3;             // a free port can be taken before postgres binds it
constexpr size_t kUnixSocketPathMax = 107;   // sizeof(sockaddr_un::sun_path) − 1 on Linux

std::string errno_text(int e) {
  return std::strerror(e);
}

// Who the children run as: ourselves, or the `postgres` user when we are root.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The environment of every child: fixed, so that the caller's PGHOST, PGPORT, LANG … cannot steer
// initdb, postgres or pg_ctl. TZ makes initdb skip probing the system time zone.
char* const* child_env() {
  static const char* const kEnv[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "TZ=UTC", nullptr};
  return const_cast<char* const*>(kEnv);  // execve's signature; the strings are not written
}

// Forks and execs argv[0] (an absolute path) with stdout and stderr appended to `log_path`, in
// `cwd`, as `as`, leader of a new process group (so that a timeout can kill initdb with the
// bootstrap backend it started; the postmaster's own children make their own sessions, but they
// follow its SIGQUIT and die with it), receiving `death_signal` if the forking thread dies. Returns
// the pid, or −1 with the reason in `error`. Everything the child needs is built before fork():
// between fork and exec the child makes only async-signal-safe calls (the caller may have threads).
pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd,
            const std::string& log_path, const RunAs& as, int death_signal, std::string& error) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    error = "cannot open " + log_path + ": " + errno_text(errno);
    return -1;
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    error = "cannot open /dev/null: " + errno_text(errno);
    close(log_fd);
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    auto fail = [&](const char* what) {
      const char* e = strerror(errno);  // not async-signal-safe in theory; glibc's is a lookup
      (void)!write(log_fd, what, strlen(what));
      (void)!write(log_fd, ": ", 2);
      (void)!write(log_fd, e, strlen(e));
      (void)!write(log_fd, "\n", 1);
      _exit(127);
    };
    if (setpgid(0, 0) != 0) fail("setpgid");
    if (as.switch_user) {
      // Order matters: supplementary groups and the group while still privileged, the user last.
      if (setgroups(0, nullptr) != 0) fail("setgroups");
      if (setgid(as.gid) != 0) fail("setgid");
      if (setuid(as.uid) != 0) fail("setuid");
    }
    // After setuid: a credential change clears the parent-death signal.
    if (prctl(PR_SET_PDEATHSIG, death_signal) != 0) fail("prctl(PR_SET_PDEATHSIG)");
    if (getppid() != parent) _exit(126);  // the parent died before the prctl
    if (chdir(cwd.c_str()) != 0) fail("chdir");
    if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) fail("dup2");
    execve(args[0], args.data(), child_env());
    fail(args[0]);
  }
  const int fork_errno = errno;
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    error = "fork: " + errno_text(fork_errno);
    return -1;
  }
  setpgid(pid, pid);  // also here, so that kill(−pid) works before the child ran (EACCES later)
  return pid;
}

// The wait status of `pid` once it exits, or nullopt after `timeout_ms` (it is still running).
std::optional<int> wait_for(pid_t pid, uint32_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto pause = std::chrono::microseconds(500);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // ECHILD: not ours (any more), nothing to wait for
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20'000));
  }
}

// Signals the process group of `pid`, escalating to SIGKILL, until `pid` is reaped (bounded).
void kill_and_reap(pid_t pid, int first_signal) {
  kill(-pid, first_signal);
  if (wait_for(pid, kReapTimeoutMs)) return;
  kill(-pid, SIGKILL);
  (void)wait_for(pid, kReapTimeoutMs);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last `lines` lines of a log, indented, for an error message a person can act on.
std::string log_tail(const std::string& path, size_t lines = 12) {
  const std::string text = read_file(path);
  size_t begin = text.size();
  size_t seen = 0;
  while (begin > 0 && seen <= lines) {
    --begin;
    if (text[begin] == '\n' && begin + 1 < text.size()) ++seen;
  }
  if (seen > lines) ++begin;  // stopped on the newline before the first kept line
  std::string out = "\n--- " + path + " (tail) ---\n" + text.substr(begin);
  if (out.back() != '\n') out += '\n';
  return out;
}

// Runs a short-lived tool to completion: "" when it exits 0, else why not (with its log tail).
std::string run_bounded(const std::vector<std::string>& argv, const std::string& cwd,
                        const std::string& log_path, const RunAs& as, uint32_t timeout_ms) {
  std::string error;
  const pid_t pid = spawn(argv, cwd, log_path, as, SIGKILL, error);
  if (pid < 0) return argv[0] + ": " + error;
  const std::optional<int> status = wait_for(pid, timeout_ms);
  if (!status) {
    kill_and_reap(pid, SIGKILL);
    return argv[0] + " did not finish within " + std::to_string(timeout_ms) + " ms" +
           log_tail(log_path);
  }
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return {};
  return argv[0] + " " + describe_status(*status) + log_tail(log_path);
}

// A TCP port on 127.0.0.1 that nobody listens on at the time of the call, or 0 and `error`.
uint16_t free_loopback_port(std::string& error) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = "socket: " + errno_text(errno);
    return 0;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;  // the kernel picks an unused ephemeral port
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    error = "cannot find a free port on 127.0.0.1: " + errno_text(errno);
  } else {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

bool is_executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// `dir` (symlinks resolved through initdb) if initdb, pg_ctl and postgres are all there.
std::optional<std::string> complete_bin_dir(const fs::path& dir) {
  std::error_code ec;
  const fs::path initdb = fs::canonical(dir / "initdb", ec);
  if (ec) return std::nullopt;
  const fs::path real = initdb.parent_path();
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (!is_executable(real / tool)) return std::nullopt;
  }
  return real.string();
}

// "15" → 15, "9.6" → 9.6: the newest of /usr/lib/postgresql/<version> sorts last.
double version_of(const std::string& name) {
  return std::strtod(name.c_str(), nullptr);
}

}  // namespace

Result<std::string> PostgresServer::find_bin_dir(const std::string& bin_dir) {
  if (!bin_dir.empty()) {
    if (auto d = complete_bin_dir(bin_dir)) return *d;
    return Error{std::string(kNotFound) + ": no initdb, pg_ctl and postgres in " + bin_dir};
  }
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    std::string d;
    while (std::getline(dirs, d, ':')) {
      if (d.empty()) continue;
      if (auto found = complete_bin_dir(d)) return *found;
    }
  }
  std::vector<fs::path> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    versions.push_back(entry.path());
  }
  std::sort(versions.begin(), versions.end(), [](const fs::path& a, const fs::path& b) {
    return version_of(a.filename().string()) > version_of(b.filename().string());
  });
  for (const fs::path& v : versions) {
    if (auto found = complete_bin_dir(v / "bin")) return *found;
  }
  return Error{std::string(kNotFound) +
               ": no initdb, pg_ctl and postgres on PATH or in /usr/lib/postgresql/*/bin"};
}

Result<PostgresServer> PostgresServer::start(const PostgresServerOptions& o) {
  Result<std::string> bins = find_bin_dir(o.bin_dir);
  if (!bins) return Error{bins.error()};

  RunAs as;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return Error{
          "running as root, and there is no `postgres` user to run the server as (initdb and "
          "postgres refuse root; Debian's postgresql package creates the user)"};
    }
    as = RunAs{true, pw->pw_uid, pw->pw_gid};
  }

  PostgresServer s;  // from here on, an early return removes what was made (destructor)
  s.bin_dir_ = std::move(bins).value();
  s.switch_user_ = as.switch_user;
  s.run_uid_ = as.uid;
  s.run_gid_ = as.gid;

  std::string tmpl = o.parent_dir + "/ose-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Error{"cannot create a temporary directory in " + o.parent_dir + ": " +
                 errno_text(errno)};
  }
  s.dir_ = tmpl;
  s.data_dir_ = s.dir_ + "/data";
  if (s.dir_.size() + std::strlen("/.s.PGSQL.65535") > kUnixSocketPathMax) {
    return Error{"temporary directory " + s.dir_ +
                 " is too long a path for the server's unix socket: choose a shorter parent_dir"};
  }
  if (as.switch_user && chown(s.dir_.c_str(), as.uid, as.gid) != 0) {
    return Error{"cannot hand " + s.dir_ + " to the postgres user: " + errno_text(errno)};
  }

  const std::string initdb_log = s.dir_ + "/initdb.log";
  const std::string initdb_error =
      run_bounded({s.bin_dir_ + "/initdb", "-D", s.data_dir_, "-U", "postgres", "-A", "trust", "-E",
                   "UTF8", "--no-locale", "--no-sync"},
                  s.dir_, initdb_log, as, o.start_timeout_ms);
  if (!initdb_error.empty()) return Error{"initdb failed: " + initdb_error};

  const std::string server_log = s.dir_ + "/server.log";
  for (int attempt = 1;; ++attempt) {
    std::string error;
    const uint16_t port = free_loopback_port(error);
    if (port == 0) return Error{error};
    std::vector<std::string> argv = {
        s.bin_dir_ + "/postgres",
        "-D",
        s.data_dir_,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "port=" + std::to_string(port),
        "-c",
        "unix_socket_directories=" + s.dir_,
        "-c",
        std::string("synchronous_commit=") + (o.synchronous_commit ? "on" : "off")};
    if (!o.fsync) {
      argv.emplace_back("-c");
      argv.emplace_back("fsync=off");
    }
    // SIGQUIT is the postmaster's immediate shutdown: it takes its backends down with it.
    const pid_t pid = spawn(argv, s.dir_, server_log, as, SIGQUIT, error);
    if (pid < 0) return Error{"cannot start postgres: " + error};
    const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port) +
                                 " dbname=postgres user=postgres connect_timeout=5";

    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(o.start_timeout_ms);
    bool ready = false;
    std::optional<int> exited;
    while (!ready && !exited && std::chrono::steady_clock::now() < deadline) {
      if (PQping(conninfo.c_str()) == PQPING_OK) {
        ready = true;
      } else {
        exited = wait_for(pid, 20);  // doubles as the pause between pings
      }
    }
    if (ready) {
      s.pid_ = pid;
      s.port_ = port;
      s.conninfo_ = conninfo;
      return s;
    }
    if (exited) {
      const std::string log = read_file(server_log);
      const bool port_taken = log.find("could not bind") != std::string::npos ||
                              log.find("Address already in use") != std::string::npos;
      if (port_taken && attempt < kPortAttempts) continue;  // someone took the port: another
      return Error{"postgres " + describe_status(*exited) + " while starting" +
                   log_tail(server_log)};
    }
    kill_and_reap(pid, SIGQUIT);
    return Error{"postgres did not accept connections on 127.0.0.1:" + std::to_string(port) +
                 " within " + std::to_string(o.start_timeout_ms) + " ms" + log_tail(server_log)};
  }
}

PostgresServer::PostgresServer(PostgresServer&& other) noexcept
    : dir_(std::move(other.dir_)),
      data_dir_(std::move(other.data_dir_)),
      bin_dir_(std::move(other.bin_dir_)),
      conninfo_(std::move(other.conninfo_)),
      port_(other.port_),
      pid_(std::exchange(other.pid_, -1)),
      run_uid_(other.run_uid_),
      run_gid_(other.run_gid_),
      switch_user_(other.switch_user_) {
  other.dir_.clear();  // a moved-from string is valid but unspecified: make it empty
}

PostgresServer& PostgresServer::operator=(PostgresServer&& other) noexcept {
  if (this != &other) {
    stop();
    dir_ = std::move(other.dir_);
    other.dir_.clear();
    data_dir_ = std::move(other.data_dir_);
    bin_dir_ = std::move(other.bin_dir_);
    conninfo_ = std::move(other.conninfo_);
    port_ = other.port_;
    pid_ = std::exchange(other.pid_, -1);
    run_uid_ = other.run_uid_;
    run_gid_ = other.run_gid_;
    switch_user_ = other.switch_user_;
  }
  return *this;
}

PostgresServer::~PostgresServer() {
  stop();
}

std::string PostgresServer::stop() {
  std::string error;
  if (pid_ > 0) {
    const RunAs as{switch_user_, run_uid_, run_gid_};
    const std::string pg_ctl_error =
        run_bounded({bin_dir_ + "/pg_ctl", "stop", "-D", data_dir_, "-m", "fast", "-w", "-t",
                     std::to_string(kStopTimeoutMs / 1000)},
                    dir_, dir_ + "/pg_ctl.log", as, kStopTimeoutMs + kReapTimeoutMs);
    if (!pg_ctl_error.empty()) {
      error = "pg_ctl stop failed, killing the server: " + pg_ctl_error;
      kill_and_reap(pid_, SIGQUIT);
    } else if (!wait_for(pid_, kReapTimeoutMs)) {
      error = "postgres still running after pg_ctl stop; killed it";
      kill_and_reap(pid_, SIGQUIT);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) error += (error.empty() ? "" : "; ") + ("cannot remove " + dir_ + ": " + ec.message());
    dir_.clear();
  }
  return error;
}

}  // namespace ose::support
