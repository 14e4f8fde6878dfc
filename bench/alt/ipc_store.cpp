#include "bench/alt/ipc_store.hpp"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "bench/e2e/cpu_affinity.hpp"
#include "bench/e2e/floors.hpp"
#include "bench/e2e/reaped_child.hpp"
#include "engine/core/apply.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "shm/clock.hpp"

namespace ose::bench {

namespace bi = boost::interprocess;

namespace {

std::string errno_text(int e) {
  return std::string(std::strerror(e));
}

// ---- the engine's configuration --------------------------------------------------------------

// Spot instruments Bi/USDT on BTCUSDT's grid (tests/support/btcusdt_spot.hpp): tick 0.01, step
// 0.00001, fees 0.1 %, a 5 % band around the mark. The workload's prices (30000 ± 100) and
// quantities (0.001 – 0.1) pass every check; the balances cover far more than the workload can
// lock (≈ 20,000 events lock a few million USDT at most) and stay far from int64 e8 limits.
std::string engine_config(const IpcStoreOptions& o, uint32_t max_orders) {
  const uint64_t positions = 2ull * o.accounts * o.instruments;  // (accounts + strategies) × ins.
  std::string t = fmt::format(
      "[engine]\nname = \"ipcbench\"\nmax_orders = {}\nmax_positions = {}\n\n"
      "[[assets]]\ncode = \"USDT\"\n",
      max_orders, std::max<uint64_t>(positions, 1));
  for (uint32_t i = 0; i < o.instruments; ++i) t += fmt::format("[[assets]]\ncode = \"B{}\"\n", i);
  for (uint32_t i = 0; i < o.instruments; ++i) {
    t += fmt::format(
        "\n[[instruments]]\nsymbol = \"B{0}USDT\"\nkind = \"spot\"\nbase = \"B{0}\"\n"
        "quote = \"USDT\"\ntick_size = \"0.01\"\nstep_size = \"0.00001\"\n"
        "min_qty = \"0.00001\"\nmax_qty = \"9000\"\nmin_notional = \"5\"\n"
        "maker_fee = \"0.001\"\ntaker_fee = \"0.001\"\nprice_band = \"0.05\"\n",
        i);
  }
  std::string balances = "USDT = \"1000000000\"";
  for (uint32_t i = 0; i < o.instruments; ++i) balances += fmt::format(", B{} = \"1000000\"", i);
  std::string account_list;
  for (uint32_t a = 0; a < o.accounts; ++a) {
    t += fmt::format("\n[[accounts]]\nname = \"acct{}\"\ntype = \"spot\"\nbalances = {{ {} }}\n", a,
                     balances);
    account_list += fmt::format("{}\"acct{}\"", a == 0 ? "" : ", ", a);
  }
  for (uint32_t a = 0; a < o.accounts; ++a) {
    t += fmt::format(
        "\n[[strategies]]\nname = \"strat{0}\"\naccount = \"acct{0}\"\n"
        "max_open_orders = 1000000\n",
        a);
  }
  t += fmt::format("\n[[clients]]\nname = \"bot\"\naccounts = [{}]\n", account_list);
  t += fmt::format("\n[[clients]]\nname = \"venue\"\nrole = \"venue\"\naccounts = [{}]\n",
                   account_list);
  return t;
}

// The table indices the client needs to build commands.
struct Indices {
  uint16_t bot = kNoIndex;
  uint16_t venue = kNoIndex;
  uint16_t usdt = kNoIndex;
  std::vector<uint16_t> accounts;     // by workload account
  std::vector<uint16_t> strategies;   // by workload account
  std::vector<uint16_t> instruments;  // by workload instrument
};

// Resolved by name from a State laid out for the engine's config (with a tiny order table), so
// that the client never assumes the State's table order.
Result<Indices> resolve_indices(const IpcStoreOptions& o) {
  if (o.instruments == 0 || o.instruments > 1000 || o.accounts == 0 || o.accounts > 1000) {
    return Error{fmt::format("ipc store: {} instruments and {} accounts; each must be 1 – 1000",
                             o.instruments, o.accounts)};
  }
  auto config = load_config_string(engine_config(o, 64), "<ipc engine config>");
  if (!config) return Error{"ipc store: " + config.error()};
  auto state = State::create(*config);
  if (!state) return Error{"ipc store: " + state.error()};
  const State& s = *state;
  Indices ix;
  ix.bot = s.find_client("bot");
  ix.venue = s.find_client("venue");
  ix.usdt = s.find_asset("USDT");
  bool ok = ix.bot != kNoIndex && ix.venue != kNoIndex && ix.usdt != kNoIndex;
  for (uint32_t a = 0; a < o.accounts; ++a) {
    ix.accounts.push_back(s.find_account(fmt::format("acct{}", a)));
    ix.strategies.push_back(s.find_strategy(fmt::format("strat{}", a)));
    ok = ok && ix.accounts.back() != kNoIndex && ix.strategies.back() != kNoIndex;
  }
  for (uint32_t i = 0; i < o.instruments; ++i) {
    ix.instruments.push_back(s.find_instrument(fmt::format("B{}USDT", i)));
    ok = ok && ix.instruments.back() != kNoIndex;
  }
  if (!ok) return Error{"ipc store: a configured name is missing from the State"};
  return ix;
}

// ---- event → request -------------------------------------------------------------------------

// Empty, or why the event cannot be sent (it names something the engine was not configured with).
std::string build_request(const Indices& ix, const OrderEvent& e, uint64_t request_no,
                          IpcRequest& r) {
  if (e.instrument >= ix.instruments.size() || e.account >= ix.accounts.size() || e.side > 1) {
    return fmt::format("{} of order {}: instrument {}, account {}, side {}: outside the store's {}",
                       to_string(e.kind), e.order_id, e.instrument, e.account, e.side,
                       "configuration");
  }
  r = IpcRequest{};
  r.request_no = request_no;
  r.kind = IpcRequestKind::kApply;
  r.count = 1;
  OrderRef ref{};
  ref.cl_id = e.order_id;
  ref.client = ix.bot;
  IpcCommand& first = r.cmds[0];
  switch (e.kind) {
    case OrderEventKind::kNew: {
      first.source = ix.bot;
      first.cmd = make_command(Op::kNewOrder);
      NewOrderCmd& n = first.cmd.new_order;
      n.cl_id = e.order_id;
      n.client = ix.bot;
      n.account = ix.accounts[e.account];
      n.strategy = ix.strategies[e.account];
      n.instrument = ix.instruments[e.instrument];
      n.side = e.side;
      n.type = static_cast<uint8_t>(OrderType::kLimit);
      n.tif = static_cast<uint8_t>(Tif::kGtc);
      n.qty = Qty::from_e8(e.qty_e8);
      n.price = Price::from_e8(e.price_e8);
      return {};
    }
    case OrderEventKind::kAck:
      first.source = ix.venue;
      first.cmd = make_command(Op::kAck);
      first.cmd.ack.ref = ref;
      first.cmd.ack.venue_order_id = VenueId::digits(e.order_id);
      return {};
    case OrderEventKind::kPartialFill:
    case OrderEventKind::kFill: {
      first.source = ix.venue;
      first.cmd = make_command(Op::kFill);
      FillCmd& f = first.cmd.fill;
      f.ref = ref;
      f.trade_id = VenueId::digits(e.trade_id);
      f.qty = Qty::from_e8(e.qty_e8);
      f.price = Price::from_e8(e.price_e8);
      f.fee = Amount::from_e8(e.fee_e8);
      f.fee_asset = ix.usdt;
      f.liquidity = static_cast<uint8_t>(Liquidity::kMaker);
      return {};
    }
    case OrderEventKind::kCancel:
      first.source = ix.bot;
      first.cmd = make_command(Op::kCancel);
      first.cmd.cancel = ref;
      r.cmds[1].source = ix.venue;
      r.cmds[1].cmd = make_command(Op::kCancelAck);
      r.cmds[1].cmd.cancel_ack = ref;
      r.count = 2;
      return {};
  }
  return fmt::format("order {}: unknown event kind {}", e.order_id, static_cast<int>(e.kind));
}

// ---- processes -------------------------------------------------------------------------------

// The engine's last word, in an anonymous MAP_SHARED mapping made before the fork (zero-filled,
// inherited by the child, gone with both). One writer: the engine, once, just before it exits.
struct EngineReport {
  std::atomic<uint32_t> written;  // 1 once `text` is complete
  char text[252];
};
static_assert(std::atomic<uint32_t>::is_always_lock_free);

class ReportMapping {
 public:
  ReportMapping() = default;
  ReportMapping(const ReportMapping&) = delete;
  ReportMapping& operator=(const ReportMapping&) = delete;
  ~ReportMapping() {
    if (report_ != nullptr) munmap(report_, sizeof(EngineReport));
  }
  // Empty, or why it could not be mapped.
  std::string map() {
    void* p = mmap(nullptr, sizeof(EngineReport), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return "cannot map the engine's report page: " + errno_text(errno);
    report_ = new (p) EngineReport{};
    return {};
  }
  EngineReport& report() noexcept { return *report_; }
  // What the engine wrote; empty if it wrote nothing (killed, or not yet exited).
  std::string text() const {
    if (report_ == nullptr) return {};
    // Acquire: pairs with engine_exit()'s release; the text is complete.
    if (report_->written.load(std::memory_order_acquire) == 0) return {};
    return std::string(report_->text, strnlen(report_->text, sizeof report_->text));
  }

 private:
  EngineReport* report_ = nullptr;
};

// Exit codes of the engine process.
constexpr int kExitClean = 0;    // shut down after applying every request cleanly
constexpr int kExitFailed = 1;   // could not start, lost its client, or a transport failed
constexpr int kExitRefused = 2;  // shut down, but some request was rejected, alerted or malformed

[[noreturn]] void engine_exit(EngineReport& report, int code, const std::string& why) noexcept {
  const size_t n = std::min(why.size(), sizeof report.text - 1);
  std::memcpy(report.text, why.data(), n);
  report.text[n] = '\0';
  // Release: the text is visible to a parent that sees written == 1 (acquire in text()).
  report.written.store(1, std::memory_order_release);
  _exit(code);
}

// ---- transports ------------------------------------------------------------------------------

// What one bounded send or receive did. kTimedOut: nothing within kIpcSliceMs; try again after
// checking the other process.
enum class Io : uint8_t { kDone, kTimedOut, kClosed, kFailed };

boost::posix_time::ptime slice_deadline() {
  return boost::posix_time::microsec_clock::universal_time() +
         boost::posix_time::milliseconds(kIpcSliceMs);
}

// Blocks in the kernel (a futex under the queue's process-shared condition) for at most a slice.
template <typename T>
Io queue_send(bi::message_queue& q, const T& m, std::string& why) {
  try {
    return q.timed_send(&m, sizeof m, 0, slice_deadline()) ? Io::kDone : Io::kTimedOut;
  } catch (const bi::interprocess_exception& e) {
    why = e.what();
    return Io::kFailed;
  }
}

template <typename T>
Io queue_receive(bi::message_queue& q, T& m, std::string& why) {
  try {
    size_t got = 0;
    unsigned int priority = 0;
    if (!q.timed_receive(&m, sizeof m, got, priority, slice_deadline())) return Io::kTimedOut;
    if (got == sizeof m) return Io::kDone;
    why = fmt::format("a message of {} bytes, not {}", got, sizeof m);
    return Io::kFailed;
  } catch (const bi::interprocess_exception& e) {
    why = e.what();
    return Io::kFailed;
  }
}

// A SOCK_SEQPACKET end whose SO_SNDTIMEO and SO_RCVTIMEO are one slice: send() and recv() block
// in the kernel for at most that long. A message is one record; its boundaries are kept.
template <typename T>
Io socket_send(int fd, const T& m, std::string& why) {
  for (;;) {
    const ssize_t n = ::send(fd, &m, sizeof m, MSG_NOSIGNAL);  // a closed peer: EPIPE, no signal
    if (n == static_cast<ssize_t>(sizeof m)) return Io::kDone;
    if (n >= 0) {
      why = fmt::format("sent {} bytes of {}", n, sizeof m);
      return Io::kFailed;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kTimedOut;
    if (errno == EPIPE || errno == ECONNRESET) return Io::kClosed;
    why = errno_text(errno);
    return Io::kFailed;
  }
}

template <typename T>
Io socket_receive(int fd, T& m, std::string& why) {
  for (;;) {
    // MSG_TRUNC: a longer record reports its real length (and is cut) instead of passing as ours.
    const ssize_t n = ::recv(fd, &m, sizeof m, MSG_TRUNC);
    if (n == static_cast<ssize_t>(sizeof m)) return Io::kDone;
    if (n == 0) return Io::kClosed;  // the peer's end is closed (we never send empty records)
    if (n > 0) {
      why = fmt::format("a message of {} bytes, not {}", n, sizeof m);
      return Io::kFailed;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kTimedOut;
    if (errno == ECONNRESET) return Io::kClosed;
    why = errno_text(errno);
    return Io::kFailed;
  }
}

// Empty, or why not.
std::string set_slice_timeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kIpcSliceMs / 1000;
  tv.tv_usec = (kIpcSliceMs % 1000) * 1000;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
    return "cannot set the socket's timeouts: " + errno_text(errno);
  }
  return {};
}

// True once waits that timed out have lasted kStallNs. `since` starts at 0; the first timed-out
// slice has already taken kIpcSliceMs. Only timed-out waits read the clock.
bool stalled(int64_t& since) noexcept {
  const int64_t now = shm::monotonic_ns();
  if (since == 0) since = now - kIpcSliceMs * 1'000'000;
  return now - since >= kStallNs;
}

// The engine process's view of its transport.
struct EngineQueueEnd {
  bi::message_queue& in;
  bi::message_queue& out;
  Io receive(IpcRequest& m, std::string& why) { return queue_receive(in, m, why); }
  Io send(const IpcResponse& m, std::string& why) { return queue_send(out, m, why); }
};

struct EngineSocketEnd {
  int fd;
  Io receive(IpcRequest& m, std::string& why) { return socket_receive(fd, m, why); }
  Io send(const IpcResponse& m, std::string& why) { return socket_send(fd, m, why); }
};

// ---- the engine process ----------------------------------------------------------------------

// Remembers what one request's commands produced.
class ReplySink final : public EventSink {
 public:
  void begin() noexcept {
    events_ = 0;
    last_type_ = EventType::kAccepted;
    last_status_ = OrderStatus::kPendingNew;
    reason_ = RejectReason::kNone;
    alert_ = AlertReason::kNone;
    refused_ = false;
  }
  void on_event(const Event& e) noexcept override {
    if (events_ < 255) ++events_;
    last_type_ = e.type;
    last_status_ = e.status;
    if (e.type == EventType::kRejected && !refused_) {
      refused_ = true;
      reason_ = e.reason;
    } else if (e.type == EventType::kAlert && !refused_) {
      refused_ = true;
      alert_ = e.alert;
    }
  }
  bool refused() const noexcept { return refused_; }
  void fill(IpcResponse& r) const noexcept {
    r.kind = !refused_                        ? IpcReplyKind::kApplied
             : reason_ != RejectReason::kNone ? IpcReplyKind::kRejected
                                              : IpcReplyKind::kAlert;
    r.last_event = last_type_;
    r.status = last_status_;
    r.events = events_;
    r.reason = reason_;
    r.alert = alert_;
  }
  std::string describe() const {
    if (reason_ != RejectReason::kNone) return "rejected " + std::string(to_string(reason_));
    return "alert " + std::string(to_string(alert_));
  }

 private:
  uint8_t events_ = 0;
  EventType last_type_ = EventType::kAccepted;
  OrderStatus last_status_ = OrderStatus::kPendingNew;
  RejectReason reason_ = RejectReason::kNone;
  AlertReason alert_ = AlertReason::kNone;
  bool refused_ = false;
};

// Stamps and applies one command, as the Runner does: the next seq, the wall clock never going
// back.
void apply_one(State& state, uint16_t source, const Command& cmd, ReplySink& sink) noexcept {
  Input in{};
  in.seq = state.header().seq + 1;
  in.ts = std::max(shm::wall_clock_ns(), state.header().last_ts);
  in.source = source;
  in.cmd = cmd;
  apply(state, in, sink);
}

// Waits for the next request as long as the client lives; exits the process otherwise.
template <typename End>
void engine_receive(End& end, IpcRequest& req, pid_t parent, EngineReport& report) {
  for (;;) {
    std::string why;
    switch (end.receive(req, why)) {
      case Io::kDone:
        return;
      case Io::kClosed:
        engine_exit(report, kExitFailed, "the client closed its end before the shutdown request");
      case Io::kFailed:
        engine_exit(report, kExitFailed, "cannot receive a request: " + why);
      case Io::kTimedOut:
        if (getppid() != parent) engine_exit(report, kExitFailed, "the client process is gone");
        break;
    }
  }
}

template <typename End>
void engine_send(End& end, const IpcResponse& rsp, pid_t parent, EngineReport& report) {
  int64_t since = 0;
  for (;;) {
    std::string why;
    switch (end.send(rsp, why)) {
      case Io::kDone:
        return;
      case Io::kClosed:
        engine_exit(report, kExitFailed, "the client closed its end before the shutdown request");
      case Io::kFailed:
        engine_exit(report, kExitFailed, "cannot send a reply: " + why);
      case Io::kTimedOut:
        if (getppid() != parent) engine_exit(report, kExitFailed, "the client process is gone");
        if (stalled(since)) engine_exit(report, kExitFailed, "the client took no reply for 5 s");
        break;
    }
  }
}

// The engine: builds its State, ticks every instrument, says it is ready, then applies requests
// until the shutdown request. Never returns.
template <typename End>
[[noreturn]] void run_engine(End& end, const IpcStoreOptions& o, pid_t parent,
                             EngineReport& report) {
  try {
    auto config = load_config_string(engine_config(o, o.max_orders), "<ipc engine config>");
    if (!config) engine_exit(report, kExitFailed, config.error());
    auto created = State::create(*config);
    if (!created) engine_exit(report, kExitFailed, created.error());
    State state = std::move(created).value();
    const uint16_t venue = state.find_client("venue");
    ReplySink sink;
    for (uint16_t i = 0; i < state.instrument_count(); ++i) {
      Command tick = make_command(Op::kTick);
      TickCmd& t = tick.tick;
      t.instrument = i;
      t.fields = kTickBid | kTickAsk | kTickLast;
      t.bid = Price::from_e8(2'999'999'000'000);  // 29999.99
      t.ask = Price::from_e8(3'000'001'000'000);  // 30000.01
      t.last = Price::from_e8(3'000'000'000'000);
      sink.begin();
      apply_one(state, venue, tick, sink);
      if (sink.refused()) {
        engine_exit(report, kExitFailed,
                    fmt::format("the tick of instrument {} was refused: {}", i, sink.describe()));
      }
    }

    IpcResponse rsp{};
    rsp.kind = IpcReplyKind::kReady;
    engine_send(end, rsp, parent, report);

    IpcRequest req{};
    uint64_t requests = 0, commands = 0, refused = 0;
    std::string first_refusal;  // formatted once, for the first refused request only
    for (;;) {
      engine_receive(end, req, parent, report);
      if (req.kind == IpcRequestKind::kShutdown) {
        if (refused == 0) {
          engine_exit(report, kExitClean,
                      fmt::format("applied {} requests ({} commands) without a reject or an alert",
                                  requests, commands));
        }
        engine_exit(report, kExitRefused,
                    fmt::format("{} of {} requests refused; the first: {}", refused, requests,
                                first_refusal));
      }
      ++requests;
      rsp = IpcResponse{};
      rsp.request_no = req.request_no;
      if (req.kind != IpcRequestKind::kApply || req.count < 1 || req.count > 2) {
        rsp.kind = IpcReplyKind::kBadRequest;
        if (refused++ == 0) {
          first_refusal = fmt::format("request {}: malformed (kind {}, count {})", req.request_no,
                                      static_cast<int>(req.kind), req.count);
        }
      } else {
        sink.begin();
        for (uint8_t k = 0; k < req.count; ++k) {
          apply_one(state, req.cmds[k].source, req.cmds[k].cmd, sink);
        }
        commands += req.count;
        sink.fill(rsp);
        if (sink.refused() && refused++ == 0) {
          first_refusal = fmt::format("request {} ({}): {}", req.request_no,
                                      to_string(req.cmds[0].cmd.op), sink.describe());
        }
      }
      engine_send(end, rsp, parent, report);
    }
  } catch (const std::exception& e) {
    engine_exit(report, kExitFailed, std::string("the engine failed: ") + e.what());
  }
}

}  // namespace

// ---- the client side, common to both transports ----------------------------------------------

namespace detail {

class IpcLink {
 public:
  IpcLink() = default;
  IpcLink(const IpcLink&) = delete;
  IpcLink& operator=(const IpcLink&) = delete;
  virtual ~IpcLink() = default;  // a subclass's destructor calls stop(): it needs the transport

  pid_t engine_pid() const noexcept { return child_.pid(); }

  // Forks the engine and waits until it is ready. Empty, or why not (the engine is then reaped
  // and the transport closed).
  std::string launch(const IpcStoreOptions& o) {
    auto ix = resolve_indices(o);
    if (!ix) return ix.error();
    ix_ = std::move(ix).value();
    if (std::string e = report_.map(); !e.empty()) return e;
    if (o.client_cpu >= 0) affinity_.emplace();
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) return "cannot fork the engine process: " + errno_text(errno);
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(kExitFailed);
      if (const int e = pin_to_cpu(o.engine_cpu); e != 0) {
        engine_exit(report_.report(), kExitFailed,
                    fmt::format("cannot pin to cpu {}: {}", o.engine_cpu, errno_text(e)));
      }
      engine_main(o, parent, report_.report());
    }
    child_.adopt(pid);
    after_fork();
    launched_ = true;
    std::string error;
    if (const int e = pin_to_cpu(o.client_cpu); e != 0) {
      error = fmt::format("cannot pin the client to cpu {}: {}", o.client_cpu, errno_text(e));
    }
    if (error.empty()) {
      error = receive_bounded(0);
      if (error.empty() && rsp_.kind != IpcReplyKind::kReady) {
        error = fmt::format("the engine's first reply is of kind {}, not ready",
                            static_cast<int>(rsp_.kind));
      }
    }
    if (!error.empty()) {
      broken_ = error;
      const std::string verdict = stop();
      return "the engine did not start: " + (verdict.empty() ? error : verdict);
    }
    return {};
  }

  std::string apply(const OrderEvent& e) {
    if (stopped_) return "the store is stopped";
    if (!broken_.empty()) return broken_;
    if (std::string bad = build_request(ix_, e, next_request_ + 1, req_); !bad.empty()) {
      return bad;
    }
    ++next_request_;
    std::string error = send_bounded(req_);
    if (error.empty()) error = receive_bounded(req_.request_no);
    if (!error.empty()) {
      broken_ = fmt::format("{} of order {}: {}", to_string(e.kind), e.order_id, error);
      return broken_;
    }
    switch (rsp_.kind) {
      case IpcReplyKind::kApplied:
        return {};
      case IpcReplyKind::kRejected:
        return "the engine rejected it: " + std::string(to_string(rsp_.reason));
      case IpcReplyKind::kAlert:
        return "the engine raised an alert: " + std::string(to_string(rsp_.alert));
      case IpcReplyKind::kBadRequest:
        return "the engine found the request malformed";
      case IpcReplyKind::kReady:
        break;
    }
    broken_ = fmt::format("{} of order {}: a reply of kind {}", to_string(e.kind), e.order_id,
                          static_cast<int>(rsp_.kind));
    return broken_;
  }

  std::string stop() {
    if (stopped_) return verdict_;
    stopped_ = true;
    std::string killed_by_stop;  // why stop() had to SIGKILL the engine, if it did
    if (launched_ && !child_.exited()) {
      IpcRequest bye{};
      bye.request_no = ++next_request_;
      bye.kind = IpcRequestKind::kShutdown;
      if (!broken_.empty()) {
        child_.reap(true);
        killed_by_stop = " (by stop(): the client had lost it)";
      } else if (std::string e = send_bounded(bye); !e.empty()) {
        child_.reap(true);
        killed_by_stop = " (by stop(), which could not send the shutdown request: " + e + ")";
      } else if (!child_.reap_within(kStallNs)) {
        killed_by_stop = " (by stop(): it did not exit within 5 s of the shutdown request)";
      }
    }
    close_transport();
    affinity_.reset();  // restores the client thread's affinity
    if (!launched_) {
      verdict_ = broken_;
    } else if (!child_.exited_cleanly()) {
      verdict_ = "the engine process " + child_.how() + killed_by_stop;
      if (const std::string last = report_.text(); !last.empty()) verdict_ += ": " + last;
    } else {
      verdict_ = broken_;  // it shut down cleanly, but the client had lost it before
    }
    return verdict_;
  }

 protected:
  // The client's end of the transport; called in the client only.
  virtual Io send_request(const IpcRequest& m, std::string& why) = 0;
  virtual Io receive_response(IpcResponse& m, std::string& why) = 0;
  // In the client, just after the fork (the socket closes the engine's end here).
  virtual void after_fork() noexcept {}
  // Closes and removes the transport; the engine has been reaped. Idempotent.
  virtual void close_transport() noexcept = 0;
  // In the engine process: opens its end and calls run_engine().
  [[noreturn]] virtual void engine_main(const IpcStoreOptions& o, pid_t parent,
                                        EngineReport& report) = 0;

 private:
  std::string engine_gone() {
    child_.reap_within(kStallNs);  // its end is closed or it has exited: this is short
    std::string s =
        fmt::format("the engine process (pid {}) is gone: it {}", child_.pid(), child_.how());
    if (const std::string last = report_.text(); !last.empty()) s += ": " + last;
    return s;
  }

  std::string send_bounded(const IpcRequest& m) {
    int64_t since = 0;
    for (;;) {
      std::string why;
      switch (send_request(m, why)) {
        case Io::kDone:
          return {};
        case Io::kClosed:
          return engine_gone();
        case Io::kFailed:
          return "cannot send the request: " + why;
        case Io::kTimedOut:
          break;
      }
      if (child_.exited()) return engine_gone();
      if (stalled(since)) return "the engine took no request for 5 s";
    }
  }

  // Blocks (in slices) for the reply to `request_no` (0: the ready message).
  std::string receive_bounded(uint64_t request_no) {
    int64_t since = 0;
    for (;;) {
      std::string why;
      switch (receive_response(rsp_, why)) {
        case Io::kDone:
          if (rsp_.request_no == request_no) return {};
          return fmt::format("the engine answered request {} instead of {}", rsp_.request_no,
                             request_no);
        case Io::kClosed:
          return engine_gone();
        case Io::kFailed:
          return "cannot receive the reply: " + why;
        case Io::kTimedOut:
          break;
      }
      if (child_.exited()) return engine_gone();
      if (stalled(since)) return "no reply from the engine for 5 s";
    }
  }

  Indices ix_;
  ReapedChild child_;  // the engine: always reaped, killed if it would not end
  ReportMapping report_;
  std::optional<AffinityGuard> affinity_;
  IpcRequest req_{};
  IpcResponse rsp_{};
  uint64_t next_request_ = 0;
  bool launched_ = false;
  bool stopped_ = false;
  std::string broken_;  // the first transport failure; every later apply() returns it
  std::string verdict_;
};

// ---- Boost message_queue ---------------------------------------------------------------------

class MessageQueueLink final : public IpcLink {
 public:
  MessageQueueLink() {
    // Relaxed: only uniqueness matters.
    const uint32_t n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    const std::string stem = fmt::format("ose.bench.alt.mq.{}.{}", getpid(), n);
    request_name_ = stem + ".req";
    response_name_ = stem + ".rsp";
  }
  ~MessageQueueLink() override {
    stop();
    close_transport();  // a failed create_queues() leaves queues that stop() did not see
  }

  // Empty, or why the queues could not be created.
  std::string create_queues() {
    try {
      // A leftover of a dead process that had our pid: ours now.
      bi::message_queue::remove(request_name_.c_str());
      bi::message_queue::remove(response_name_.c_str());
      created_ = true;
      // One message is ever in flight each way; a few slots cost nothing.
      request_ = std::make_unique<bi::message_queue>(bi::create_only, request_name_.c_str(), 4,
                                                     sizeof(IpcRequest));
      response_ = std::make_unique<bi::message_queue>(bi::create_only, response_name_.c_str(), 4,
                                                      sizeof(IpcResponse));
      return {};
    } catch (const bi::interprocess_exception& e) {
      return fmt::format("cannot create the message queues /dev/shm/{}: {}", request_name_,
                         e.what());
    }
  }

  const std::string& request_name() const noexcept { return request_name_; }
  const std::string& response_name() const noexcept { return response_name_; }

 private:
  Io send_request(const IpcRequest& m, std::string& why) override {
    return queue_send(*request_, m, why);
  }
  Io receive_response(IpcResponse& m, std::string& why) override {
    return queue_receive(*response_, m, why);
  }
  void close_transport() noexcept override {
    request_.reset();
    response_.reset();
    if (created_) {
      bi::message_queue::remove(request_name_.c_str());
      bi::message_queue::remove(response_name_.c_str());
      created_ = false;
    }
  }
  [[noreturn]] void engine_main(const IpcStoreOptions& o, pid_t parent,
                                EngineReport& report) override {
    try {
      // The engine opens its own handles, as a separate program would.
      bi::message_queue in(bi::open_only, request_name_.c_str());
      bi::message_queue out(bi::open_only, response_name_.c_str());
      EngineQueueEnd end{in, out};
      run_engine(end, o, parent, report);
    } catch (const std::exception& e) {
      engine_exit(report, kExitFailed, std::string("cannot open the message queues: ") + e.what());
    }
  }

  static inline std::atomic<uint32_t> counter_{0};
  std::string request_name_;
  std::string response_name_;
  std::unique_ptr<bi::message_queue> request_;
  std::unique_ptr<bi::message_queue> response_;
  bool created_ = false;
};

// ---- UNIX domain socket ----------------------------------------------------------------------

class SocketLink final : public IpcLink {
 public:
  SocketLink() = default;
  ~SocketLink() override {
    stop();
    close_transport();
  }

  // Empty, or why the socket pair could not be made.
  std::string create_socket() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
      return "cannot create a SOCK_SEQPACKET socketpair: " + errno_text(errno);
    }
    client_fd_ = fds[0];
    engine_fd_ = fds[1];
    if (std::string e = set_slice_timeouts(client_fd_); !e.empty()) return e;
    return set_slice_timeouts(engine_fd_);
  }

 private:
  Io send_request(const IpcRequest& m, std::string& why) override {
    return socket_send(client_fd_, m, why);
  }
  Io receive_response(IpcResponse& m, std::string& why) override {
    return socket_receive(client_fd_, m, why);
  }
  // The client keeps only its own end, so that the engine's death closes the connection.
  void after_fork() noexcept override { close_fd(engine_fd_); }
  void close_transport() noexcept override {
    close_fd(client_fd_);
    close_fd(engine_fd_);
  }
  [[noreturn]] void engine_main(const IpcStoreOptions& o, pid_t parent,
                                EngineReport& report) override {
    close_fd(client_fd_);  // the client's death closes the connection
    EngineSocketEnd end{engine_fd_};
    run_engine(end, o, parent, report);
  }
  static void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  int client_fd_ = -1;
  int engine_fd_ = -1;
};

}  // namespace detail

// ---- the stores ------------------------------------------------------------------------------

Result<std::unique_ptr<MessageQueueStore>> MessageQueueStore::start(const IpcStoreOptions& o) {
  auto link = std::make_unique<detail::MessageQueueLink>();
  if (std::string e = link->create_queues(); !e.empty()) return Error{std::move(e)};
  if (std::string e = link->launch(o); !e.empty()) return Error{std::move(e)};
  return std::unique_ptr<MessageQueueStore>(new MessageQueueStore(std::move(link)));
}

MessageQueueStore::MessageQueueStore(std::unique_ptr<detail::MessageQueueLink> link) noexcept
    : link_(std::move(link)) {}
MessageQueueStore::~MessageQueueStore() {
  link_->stop();
}
std::string MessageQueueStore::apply(const OrderEvent& e) {
  return link_->apply(e);
}
std::string MessageQueueStore::stop() {
  return link_->stop();
}
pid_t MessageQueueStore::engine_pid() const noexcept {
  return link_->engine_pid();
}
const std::string& MessageQueueStore::request_queue_name() const noexcept {
  return link_->request_name();
}
const std::string& MessageQueueStore::response_queue_name() const noexcept {
  return link_->response_name();
}

Result<std::unique_ptr<UnixSocketStore>> UnixSocketStore::start(const IpcStoreOptions& o) {
  auto link = std::make_unique<detail::SocketLink>();
  if (std::string e = link->create_socket(); !e.empty()) return Error{std::move(e)};
  if (std::string e = link->launch(o); !e.empty()) return Error{std::move(e)};
  return std::unique_ptr<UnixSocketStore>(new UnixSocketStore(std::move(link)));
}

UnixSocketStore::UnixSocketStore(std::unique_ptr<detail::SocketLink> link) noexcept
    : link_(std::move(link)) {}
UnixSocketStore::~UnixSocketStore() {
  link_->stop();
}
std::string UnixSocketStore::apply(const OrderEvent& e) {
  return link_->apply(e);
}
std::string UnixSocketStore::stop() {
  return link_->stop();
}
pid_t UnixSocketStore::engine_pid() const noexcept {
  return link_->engine_pid();
}

}  // namespace ose::bench
