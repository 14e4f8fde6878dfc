#include "bench/alt/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

namespace ose::bench {

namespace {

constexpr const char* kNotFound = "redis-server not found (Debian: apt-get install redis-server)";
constexpr int kPortAttempts = 3;  // a port picked free can be taken before the server binds it

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string errno_text(int err) {
  return std::string(std::strerror(err));
}

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

struct ContextFree {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

// A connection whose connect and every command are bounded by `timeout`; null when the server
// does not accept one.
ContextPtr connect_bounded(const std::string& host, int port, std::chrono::milliseconds timeout) {
  ContextPtr c(redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout)));
  if (!c || c->err != 0) return nullptr;
  if (redisSetTimeout(c.get(), to_timeval(timeout)) != REDIS_OK) return nullptr;
  return c;
}

bool answers_ping(const std::string& host, int port) {
  ContextPtr c = connect_bounded(host, port, std::chrono::milliseconds(250));
  if (!c) return false;
  ReplyPtr r(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
  // While loading a data set the server answers -LOADING: not ready yet.
  return r && r->type == REDIS_REPLY_STATUS && std::strcmp(r->str, "PONG") == 0;
}

// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's pick for port 0).
Result<int> pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"socket(): " + errno_text(errno)};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  const int err = errno;
  ::close(fd);
  if (port <= 0) return Error{"cannot pick a free port on 127.0.0.1: " + errno_text(err)};
  return port;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last `lines` lines of the server's log, for error messages a person can act on.
std::string log_tail(const std::string& path, int lines = 12) {
  const std::string text = read_file(path);
  if (text.empty()) return "(log " + path + " is empty)";
  size_t pos = text.size();
  if (text.back() == '\n') --pos;
  for (int n = 0; n < lines && pos > 0; ++n) {
    const size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

// A redis.conf value in double quotes (the temp path could hold spaces).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// Debian's redis.conf on every setting that bears on latency or durability, with the paths of
// a throwaway server; see the header for why RDB snapshots are off.
std::string config_text(const std::string& dir, int port, bool appendonly) {
  std::ostringstream c;
  c << "# Written by ose's RedisServer (bench/alt/redis_server.cpp): Debian's defaults,\n"
       "# throwaway paths, RDB snapshots off.\n"
    << "bind 127.0.0.1\n"
    << "port " << port << "\n"
    << "protected-mode yes\n"
    << "daemonize no\n"
    << "tcp-backlog 511\n"
    << "timeout 0\n"
    << "tcp-keepalive 300\n"
    << "loglevel notice\n"
    << "logfile " << quoted(dir + "/redis.log") << "\n"
    << "dir " << quoted(dir) << "\n"
    << "databases 16\n"
    << "save \"\"\n"
    << "appendonly " << (appendonly ? "yes" : "no") << "\n"
    << "appendfsync everysec\n"
    << "disable-thp yes\n";
  return c.str();
}

bool exited(pid_t pid, int* status) {
  const pid_t r = ::waitpid(pid, status, WNOHANG);
  // ECHILD: someone else reaped it (SIGCHLD ignored): it is gone all the same.
  return r == pid || (r < 0 && errno == ECHILD);
}

// Polls for the child's exit for up to `wait`; true once it is reaped.
bool wait_exit(pid_t pid, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  int status = 0;
  while (true) {
    if (exited(pid, &status)) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  // SIGKILL cannot be caught: the blocking wait returns as soon as the kernel tears it down.
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// fork + exec of `binary conf`, its stdout/stderr appended to the log (errors before the
// server opens its logfile land there too). Returns the pid, or why exec failed.
Result<pid_t> spawn(const std::string& binary, const std::string& conf, const std::string& log) {
  // Everything the child touches is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = {binary, conf};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Error{"cannot open " + log + ": " + errno_text(errno)};
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err_pipe[2];  // the child writes exec's errno here; EOF means exec succeeded
  if (null_fd < 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Error{"cannot set up redis-server's stdio: " + errno_text(err)};
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {log_fd, null_fd, err_pipe[0], err_pipe[1]}) ::close(fd);
    return Error{"fork(): " + errno_text(err)};
  }
  if (pid == 0) {
    // The server dies with the process that started it, so no test crash leaves one behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // No other descriptor of ours (client sockets of another server, the journal...) may
    // survive into the server. The error pipe is already close-on-exec.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {  // kernels before 5.11
      for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::execv(argv[0], argv.data());
    const int err = errno;
    ssize_t ignored = ::write(err_pipe[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  ::close(err_pipe[1]);
  ::close(log_fd);
  ::close(null_fd);
  int exec_errno = 0;
  ssize_t n;
  // Returns at exec (close-on-exec closes the write end) or at the child's exit: never hangs.
  while ((n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  ::close(err_pipe[0]);
  if (n > 0) {
    kill_and_reap(pid);
    return Error{"cannot run " + binary + ": " + errno_text(exec_errno)};
  }
  return pid;
}

}  // namespace

std::string find_redis_server() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (true) {
      const size_t colon = rest.find(':');
      const std::string_view d = rest.substr(0, colon);
      dirs.emplace_back(d.empty() ? "." : std::string(d));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.emplace_back("/usr/bin");
  dirs.emplace_back("/usr/sbin");
  for (const auto& d : dirs) {
    const std::string candidate = d + "/redis-server";
    if (is_executable_file(candidate)) return candidate;
  }
  return {};
}

Result<RedisServer> RedisServer::start(const RedisServerOptions& options) {
  RedisServer s;
  s.binary_ = options.binary.empty() ? find_redis_server() : options.binary;
  if (s.binary_.empty()) return Error{kNotFound};
  if (!is_executable_file(s.binary_)) return Error{std::string(kNotFound) + ": " + s.binary_};

  std::string base = options.temp_base;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  std::string tmpl = base + "/ose-redis-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Error{"cannot make a temp directory under " + base + ": " + errno_text(errno)};
  }
  s.dir_ = tmpl;  // from here on, s's destructor removes the directory on every error path

  std::string last_error;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    auto port = pick_free_port();
    if (!port) return Error{port.error()};
    s.port_ = *port;
    const std::string conf = s.dir_ + "/redis.conf";
    {
      std::ofstream out(conf, std::ios::trunc);
      out << config_text(s.dir_, s.port_, options.appendonly);
      if (!out.flush()) return Error{"cannot write " + conf};
    }
    auto pid = spawn(s.binary_, conf, s.log_path());
    if (!pid) return Error{pid.error()};
    s.pid_ = *pid;

    const auto until = std::chrono::steady_clock::now() + options.start_timeout;
    int status = 0;
    bool died = false;
    while (true) {
      if (exited(s.pid_, &status)) {
        died = true;
        break;
      }
      if (answers_ping(s.host_, s.port_)) return s;
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!died) {
      kill_and_reap(s.pid_);
      s.pid_ = -1;
      return Error{"redis-server did not answer PING on " + s.host_ + ":" +
                   std::to_string(s.port_) + " within " +
                   std::to_string(options.start_timeout.count()) + " ms; log tail:\n" +
                   log_tail(s.log_path())};
    }
    s.pid_ = -1;
    const std::string tail = log_tail(s.log_path());
    last_error =
        "redis-server exited during start-up (" + describe_status(status) + "); log tail:\n" + tail;
    // Someone took the port between our pick and the server's bind: pick another one.
    if (tail.find("Address already in use") == std::string::npos) break;
  }
  return Error{last_error};
}

RedisServer::RedisServer(RedisServer&& other) noexcept
    : host_(std::move(other.host_)),
      port_(std::exchange(other.port_, 0)),
      pid_(std::exchange(other.pid_, -1)),
      dir_(std::move(other.dir_)),
      binary_(std::move(other.binary_)) {
  other.dir_.clear();
}

RedisServer& RedisServer::operator=(RedisServer&& other) noexcept {
  if (this != &other) {
    stop();
    host_ = std::move(other.host_);
    port_ = std::exchange(other.port_, 0);
    pid_ = std::exchange(other.pid_, -1);
    dir_ = std::move(other.dir_);
    other.dir_.clear();
    binary_ = std::move(other.binary_);
  }
  return *this;
}

RedisServer::~RedisServer() {
  stop();
}

void RedisServer::stop() noexcept {
  if (pid_ > 0) {
    // SHUTDOWN NOSAVE closes the connection instead of answering: no reply is expected.
    if (ContextPtr c = connect_bounded(host_, port_, std::chrono::milliseconds(500))) {
      ReplyPtr ignored(static_cast<redisReply*>(redisCommand(c.get(), "SHUTDOWN NOSAVE")));
    }
    if (!wait_exit(pid_, std::chrono::milliseconds(3000))) {
      ::kill(pid_, SIGTERM);
      if (!wait_exit(pid_, std::chrono::milliseconds(2000))) kill_and_reap(pid_);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace ose::bench
