#include "persistence/store_check.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "shm/clock.hpp"

namespace ose {

namespace {

// LMDB's meta page (mdb.c, format version 1, 64-bit pgno_t): a 16-byte page header (mp_pgno,
// mp_pad, mp_flags, lower/upper), then MDB_meta: mm_magic u32, mm_version u32, mm_address,
// mm_mapsize, mm_dbs[2] (48 bytes each; the free DB's md_pad holds the page size), mm_last_pg,
// mm_txnid. Offsets from the page's start:
constexpr size_t kFlagsAt = 10;
constexpr size_t kMagicAt = 16;
constexpr size_t kVersionAt = 20;
constexpr size_t kMapSizeAt = 32;
constexpr size_t kPageSizeAt = 40;
constexpr size_t kLastPgnoAt = 136;
constexpr size_t kTxnidAt = 144;
constexpr size_t kMetaEnd = 152;
constexpr uint16_t kPageIsMeta = 0x08;  // P_META
constexpr uint32_t kLmdbMagic = 0xBEEFC0DEu;
constexpr uint32_t kLmdbDataVersion = 1;
static_assert(sizeof(size_t) == 8, "the meta offsets above are for 64-bit LMDB");

template <typename T>
T load(const unsigned char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct MetaPage {
  uint32_t page_size;
  uint64_t map_size;
  uint64_t last_pgno;
  uint64_t txnid;
};

// Meta page `n` (0 or 1) at byte `offset`, or why it is not one.
Result<MetaPage> read_meta_page(int fd, const std::string& path, int n, uint64_t offset,
                                uint64_t file_bytes) {
  unsigned char b[kMetaEnd];
  const ssize_t got = ::pread(fd, b, sizeof b, static_cast<off_t>(offset));
  if (got < 0) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
  if (static_cast<size_t>(got) < sizeof b) {
    return Error{
        fmt::format("{} is {} bytes: too short to hold LMDB's meta page {} (the file is "
                    "truncated, or not an LMDB environment)",
                    path, file_bytes, n)};
  }
  if ((load<uint16_t>(b + kFlagsAt) & kPageIsMeta) == 0 ||
      load<uint32_t>(b + kMagicAt) != kLmdbMagic) {
    return Error{fmt::format(
        "{}: page {} is not an LMDB meta page (no LMDB magic number): the file is damaged or "
        "not an LMDB environment",
        path, n)};
  }
  if (load<uint32_t>(b + kVersionAt) != kLmdbDataVersion) {
    return Error{fmt::format("{}: LMDB data format version {} (this build reads version {})", path,
                             load<uint32_t>(b + kVersionAt), kLmdbDataVersion)};
  }
  MetaPage m{load<uint32_t>(b + kPageSizeAt), load<uint64_t>(b + kMapSizeAt),
             load<uint64_t>(b + kLastPgnoAt), load<uint64_t>(b + kTxnidAt)};
  if (m.page_size < 512 || m.page_size > 65536 || (m.page_size & (m.page_size - 1)) != 0) {
    return Error{
        fmt::format("{}: meta page {} gives an impossible page size {}", path, n, m.page_size)};
  }
  return m;
}

}  // namespace

Result<LmdbMeta> read_lmdb_meta(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno))};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Error{fmt::format("cannot stat {}: {}", path, std::strerror(errno))};
  if (!S_ISREG(st.st_mode)) return Error{fmt::format("{} is not a regular file", path)};
  const auto bytes = static_cast<uint64_t>(st.st_size);
  if (bytes == 0) {
    return Error{
        fmt::format("{} is empty (0 bytes): it holds no LMDB environment (an interrupted "
                    "copy or restore?)",
                    path)};
  }
  auto m0 = read_meta_page(fd, path, 0, 0, bytes);
  if (!m0) return Error{m0.error()};
  auto m1 = read_meta_page(fd, path, 1, m0->page_size, bytes);
  if (!m1) return Error{m1.error()};
  if (m1->page_size != m0->page_size) {
    return Error{fmt::format("{}: the two meta pages disagree on the page size ({} and {})", path,
                             m0->page_size, m1->page_size)};
  }
  // LMDB uses the meta page with the higher transaction id (mdb_env_pick_meta).
  const MetaPage& m = m1->txnid > m0->txnid ? *m1 : *m0;
  LmdbMeta out{m.page_size, m.map_size, m.last_pgno, m.txnid, bytes};
  const uint64_t pages = m.last_pgno + 1;
  if (m.last_pgno < 1 || pages > UINT64_MAX / m.page_size) {
    return Error{
        fmt::format("{}: the meta page gives an impossible last page {}", path, m.last_pgno)};
  }
  const uint64_t need = pages * m.page_size;
  if (bytes < need) {
    return Error{fmt::format(
        "{} is {} bytes but its meta page says pages 0 .. {} are in use ({} bytes of {}-byte "
        "pages): the file is truncated ({} bytes missing: a partial copy, or a disk that filled "
        "during a restore?)",
        path, bytes, m.last_pgno, need, m.page_size, need - bytes)};
  }
  if (m.map_size < need) {
    return Error{fmt::format("{}: the meta page's map size {} is smaller than the {} bytes in use",
                             path, m.map_size, need)};
  }
  return out;
}

namespace {

// What the child hands back, in a shared anonymous mapping (no allocation crosses the fork).
struct SharedWalk {
  WalkProgress progress;
  int done;  // 1 once the child filled everything below
  char open_error[512];
  uint64_t records, first_seq, last_seq, snapshots, pruned_through;
  int structure_sound;
  uint32_t problem_count;
  struct Problem {
    uint64_t seq;
    int snapshot_only;
    char what[320];
  } problems[100];
};

void copy_text(char* dst, size_t cap, const std::string& s) noexcept {
  const size_t n = std::min(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

// Runs in the child: everything it learns goes into `w`; it never returns.
[[noreturn]] void walk_in_child(const std::string& dir, const CheckOptions& options,
                                SharedWalk* w) {
  // A damaged file is not worth a core dump per attempt.
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  {
    auto store = Store::open(dir, {options.map_size, true});
    if (!store) {
      copy_text(w->open_error, sizeof w->open_error, store.error());
    } else {
      auto rep = verify_store(*store, &w->progress);
      if (!rep) {
        copy_text(w->open_error, sizeof w->open_error, rep.error());
      } else {
        w->records = rep->records;
        w->first_seq = rep->first_seq;
        w->last_seq = rep->last_seq;
        w->snapshots = rep->snapshots;
        w->pruned_through = rep->pruned_through;
        w->structure_sound = rep->structure_sound ? 1 : 0;
        w->problem_count = static_cast<uint32_t>(std::min<size_t>(rep->problems.size(), 100));
        for (uint32_t i = 0; i < w->problem_count; ++i) {
          w->problems[i].seq = rep->problems[i].seq;
          w->problems[i].snapshot_only = rep->problems[i].snapshot_only ? 1 : 0;
          copy_text(w->problems[i].what, sizeof w->problems[i].what, rep->problems[i].what);
        }
      }
    }
  }  // the store closes here: its reader slot is released
  w->done = 1;
  ::_exit(0);  // not exit(): the parent's atexit handlers and static destructors are not ours
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGBUS:
      return "SIGBUS";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGKILL:
      return "SIGKILL";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    default:
      return fmt::format("signal {}", sig);
  }
}

// The line of the child's stderr that says what tripped (an LMDB assert, a sanitizer's report).
std::string telling_line(const std::string& err) {
  for (const char* mark : {"Assertion", "ERROR: AddressSanitizer", "runtime error"}) {
    const size_t at = err.find(mark);
    if (at == std::string::npos) continue;
    size_t begin = err.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    size_t end = err.find('\n', at);
    if (end == std::string::npos) end = err.size();
    return err.substr(begin, std::min<size_t>(end - begin, 200));
  }
  return {};
}

}  // namespace

StoreCheck check_store(const std::string& dir, const CheckOptions& options) {
  StoreCheck out;
  VerifyReport& rep = out.report;
  auto unreadable = [&](std::string what) {
    out.present = true;
    rep.structure_sound = false;
    rep.problems.push_back({0, std::move(what)});
    return out;
  };
  auto refused = [&](const std::string& path) {
    out.present = true;
    rep.structure_sound = false;
    out.denied = fmt::format(
        "cannot read the journal in {}: {}: permission denied (EACCES) to this process (uid "
        "{}); the journal is private to the engine's user: run this as that user "
        "(docs/SECURITY.md)",
        dir, path, ::geteuid());
    return out;
  };
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return out;
    if (errno == EACCES) return refused(dir);
    return unreadable(fmt::format("cannot stat {}: {}", dir, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return unreadable(
        fmt::format("{} is not a directory (data_dir must be one, holding "
                    "data.mdb and lock.mdb)",
                    dir));
  }
  const std::string data = dir + "/data.mdb";
  if (::stat(data.c_str(), &st) != 0) {
    if (errno == ENOENT) return out;
    if (errno == EACCES) return refused(data);
    return unreadable(fmt::format("cannot stat {}: {}", data, std::strerror(errno)));
  }
  if (::access(data.c_str(), R_OK) != 0 && errno == EACCES) return refused(data);
  if (auto meta = read_lmdb_meta(data); !meta) return unreadable(meta.error());

  void* mem = ::mmap(nullptr, sizeof(SharedWalk), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    return unreadable(fmt::format("cannot map memory for the check: {}", std::strerror(errno)));
  }
  auto* w = new (mem) SharedWalk{};
  struct Unmap {
    void* p;
    ~Unmap() { ::munmap(p, sizeof(SharedWalk)); }
  } unmap{mem};
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return unreadable(fmt::format("cannot create a pipe for the check: {}", std::strerror(errno)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    return unreadable(fmt::format("cannot fork to check {}: {}", dir, std::strerror(errno)));
  }
  if (pid == 0) {
    ::dup2(err_pipe[1], STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
    walk_in_child(dir, options, w);
  }
  ::close(err_pipe[1]);
  // Read the child's stderr until it closes (it exits), keeping the tail; stop it at the deadline.
  std::string err;
  bool timed_out = false;
  const int64_t deadline = shm::monotonic_ns() + int64_t{options.timeout_s} * 1'000'000'000;
  for (;;) {
    pollfd p{err_pipe[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);
    if (ready > 0) {
      char buf[4096];
      const ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
      if (n == 0) break;
      if (n > 0) {
        err.append(buf, static_cast<size_t>(n));
        if (err.size() > 16384) err.erase(0, err.size() - 16384);
      } else if (errno != EINTR && errno != EAGAIN) {
        break;
      }
    } else if (ready < 0 && errno != EINTR) {
      break;
    }
    if (shm::monotonic_ns() > deadline) {
      ::kill(pid, SIGKILL);
      timed_out = true;
      break;
    }
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  out.present = true;
  if (w->done == 1 && w->open_error[0] != '\0') {
    return unreadable(
        fmt::format("the environment in {} cannot be opened: {}", dir, w->open_error));
  }
  if (w->done == 1) {
    rep.records = w->records;
    rep.first_seq = w->first_seq;
    rep.last_seq = w->last_seq;
    rep.snapshots = w->snapshots;
    rep.pruned_through = w->pruned_through;
    rep.structure_sound = w->structure_sound != 0;
    for (uint32_t i = 0; i < w->problem_count; ++i) {
      rep.problems.push_back(
          {w->problems[i].seq, w->problems[i].what, w->problems[i].snapshot_only != 0});
    }
    return out;
  }
  std::string how;
  if (timed_out) {
    how = fmt::format("did not finish in {} s", options.timeout_s);
  } else if (WIFSIGNALED(status)) {
    how = fmt::format("died by {}", signal_name(WTERMSIG(status)));
  } else {
    how = fmt::format("died (exit status {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  const std::string line = telling_line(err);
  const WalkProgress& at = w->progress;
  const bool in_journal = std::strcmp(at.stage, "the journal") == 0;
  std::string where = at.stage;
  if (at.last_key != 0) {
    where += fmt::format(", after {} {}", in_journal ? "record" : "key", at.last_key);
  }
  const std::string what = fmt::format(
      "{}/data.mdb is damaged in {}: reading it {}{}. LMDB keeps no page checksums, so a page "
      "that is truncated, zeroed or out of place is only found by reading it",
      dir, where, how, line.empty() ? "" : fmt::format(" ({})", line));
  return unreadable(what);
}

std::string describe_problems(const VerifyReport& report, size_t max_lines) {
  std::string s;
  size_t n = 0;
  for (const ReplayProblem& p : report.problems) {
    if (n++ == max_lines) {
      s += fmt::format("\n  … and {} more", report.problems.size() - max_lines);
      break;
    }
    if (!s.empty()) s += "\n";
    s += p.seq == 0 ? fmt::format("  {}", p.what) : fmt::format("  seq {}: {}", p.seq, p.what);
  }
  return s;
}

}  // namespace ose
