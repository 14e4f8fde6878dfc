// The kernel-IPC alternatives of the performance study (issue 6): a forked "engine" process that
// applies the workload's events with the ose core (ose::apply(), DESIGN §5), reached through two
// Boost.Interprocess message queues or a UNIX domain socket instead of ose's shared-memory rings.
// The core, the State and the commands are ose's own: only the transport differs.
//
// One apply(event), in order:
//   1. the client (the calling process) turns the event into ose Commands and sends them as one
//      IpcRequest;
//   2. it blocks in the kernel for the reply (a blocking receive: the kernel wake-up is the point);
//   3. the engine process, blocked likewise, wakes, stamps seq and ts on each Command (ts = the
//      wall clock, never going back, as the Runner does), applies it with ose::apply() to its
//      State and sends one IpcResponse;
//   4. apply() returns "" or why not.
//
// Event → Commands. The engine's config (ipc_store.cpp) has spot instruments B0USDT … (base Bi,
// quote USDT), accounts acct0 … with ample USDT and base balances, strategy stratK trading
// acctK, one strategy-role client "bot" allowed on every account and one venue client "venue".
// Orders are named (bot, cl_id = the event's order_id).
//   new            NewOrderCmd: limit, GTC, the event's side, qty and price      (source: bot)
//   ack            AckCmd, venue_order_id = order_id                             (source: venue)
//   partial, fill  FillCmd: the event's trade id, qty, price, fee in USDT, maker (source: venue)
//   cancel         CancelCmd (source: bot), then CancelAckCmd (source: venue), both in the SAME
//                  request: one event is one request/response, as OrderEventStore asks.
// Before the first request the engine applies one tick per instrument (bid 29999.99, ask
// 30000.01, last 30000), so the price-band and market checks have a mark.
//
// Processes. start() forks the engine process. It dies with its parent (PR_SET_PDEATHSIG, which
// strictly follows the thread that called start(); it also leaves when getppid() changes), and
// it leaves with _exit (no atexit handlers, no flushing of the parent's stdio buffers). Fork
// from a single-threaded process (a test, the bench command): the child allocates. stop() (also
// run by the destructor) sends a shutdown request, waits up to kStallNs for the engine to exit,
// kills it with SIGKILL otherwise, and always reaps it. The engine exits with 0 only if it
// applied every request without a reject or an alert; stop() returns "" then, and otherwise why
// (the engine writes its verdict into a small anonymous shared mapping before it exits).
//
// Nothing hangs: every wait of the client gives up after kStallNs without an answer, and notices
// a dead engine within kIpcSliceMs (the socket also at once: its peer end closes). The engine waits
// for requests as long as its parent lives. Once a transport error occurred the store is broken:
// every later apply() returns that error without touching the transport.
//
// Residual risk, message queues only: Boost 1.74's queue mutex is not robust. An engine killed
// while inside a queue operation (holding the queue's mutex for the copy of one message, well
// under a microsecond) would leave it locked, and the client's next queue call would block. The
// engine holds that mutex only while it copies a message: a kill while it waits for one (what
// the test does) is safe.
//
// Message queues are named ose.bench.alt.mq.<pid>.<n>.{req,rsp}: the client's pid and the
// number of the store in that process (1, 2, …), so that two stores of one process never share
// a queue. They are removed by stop(), and by a failed start().
//
// Pinning: engine_cpu >= 0 pins the engine process, client_cpu >= 0 the thread calling start();
// stop() restores that thread's affinity (call it from the same thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "bench/alt/order_workload.hpp"
#include "engine/core/command.hpp"
#include "engine/core/enums.hpp"
#include "engine/core/event.hpp"
#include "engine/core/result.hpp"

namespace ose::bench {

// The wait after which the client gives up is floors.hpp's kStallNs (5 s); within it, a blocked
// receive or send wakes every kIpcSliceMs to see whether the other process is still there.
inline constexpr int64_t kIpcSliceMs = 500;

struct IpcStoreOptions {
  uint16_t instruments = 4;  // as WorkloadOptions: events name instruments 0 .. instruments − 1
  uint32_t accounts = 1;     // and accounts 0 .. accounts − 1
  uint32_t max_orders = 1u << 16;  // the engine's order table; terminal orders' slots are reused
  int engine_cpu = -1;
  int client_cpu = -1;
};

// ---- wire formats (both transports carry the same fixed-size messages) ------------------------

enum class IpcRequestKind : uint8_t { kApply = 1, kShutdown = 2 };

struct IpcCommand {
  uint16_t source;  // the client index the engine stamps on the Input
  uint16_t reserved[3];
  Command cmd;
};

struct IpcRequest {
  uint64_t request_no;  // 1, 2, … in the order sent; the response echoes it
  IpcRequestKind kind;
  uint8_t count;  // commands used: 1, or 2 for a cancel (cancel + cancel ack)
  uint8_t reserved[6];
  IpcCommand cmds[2];
};
static_assert(std::is_trivially_copyable_v<IpcRequest>);
static_assert(sizeof(IpcCommand) == 120);
static_assert(sizeof(IpcRequest) == 256);

enum class IpcReplyKind : uint8_t {
  kReady = 1,       // request_no 0: the engine built its State and waits for requests
  kApplied = 2,     // every command applied, no reject, no alert
  kRejected = 3,    // `reason` is the first reject's
  kAlert = 4,       // `alert` is the first alert's (e.g. ILLEGAL_TRANSITION)
  kBadRequest = 5,  // the request itself was malformed (count, kind); nothing applied
};

struct IpcResponse {
  uint64_t request_no;
  IpcReplyKind kind;
  EventType last_event;  // the type of the last event the request produced
  OrderStatus status;    // that event's order status
  uint8_t events;        // events the request produced (saturates at 255)
  RejectReason reason;
  AlertReason alert;
};
static_assert(std::is_trivially_copyable_v<IpcResponse>);
static_assert(sizeof(IpcResponse) == 16);

// ---- the stores -----------------------------------------------------------------------------

namespace detail {
class MessageQueueLink;
class SocketLink;
}  // namespace detail

class MessageQueueStore final : public OrderEventStore {
 public:
  // Creates the queues, forks the engine and waits (at most kStallNs) until it is ready.
  static Result<std::unique_ptr<MessageQueueStore>> start(const IpcStoreOptions& options);
  ~MessageQueueStore() override;
  MessageQueueStore(const MessageQueueStore&) = delete;
  MessageQueueStore& operator=(const MessageQueueStore&) = delete;

  std::string name() const override { return "Boost message_queue + ose core"; }
  std::string apply(const OrderEvent& e) override;
  // Shuts the engine down and reaps it; "" when it applied every request cleanly, else why.
  // Later calls return the same answer.
  std::string stop();

  pid_t engine_pid() const noexcept;
  const std::string& request_queue_name() const noexcept;
  const std::string& response_queue_name() const noexcept;

 private:
  explicit MessageQueueStore(std::unique_ptr<detail::MessageQueueLink> link) noexcept;
  std::unique_ptr<detail::MessageQueueLink> link_;
};

class UnixSocketStore final : public OrderEventStore {
 public:
  // Creates a socketpair(AF_UNIX, SOCK_SEQPACKET), forks the engine and waits (at most
  // kStallNs) until it is ready.
  static Result<std::unique_ptr<UnixSocketStore>> start(const IpcStoreOptions& options);
  ~UnixSocketStore() override;
  UnixSocketStore(const UnixSocketStore&) = delete;
  UnixSocketStore& operator=(const UnixSocketStore&) = delete;

  std::string name() const override { return "UNIX socket + ose core"; }
  std::string apply(const OrderEvent& e) override;
  std::string stop();  // as MessageQueueStore::stop()

  pid_t engine_pid() const noexcept;

 private:
  explicit UnixSocketStore(std::unique_ptr<detail::SocketLink> link) noexcept;
  std::unique_ptr<detail::SocketLink> link_;
};

}  // namespace ose::bench
