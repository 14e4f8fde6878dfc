// The layout of the engine's shared-memory segments (DESIGN §6). Everything here is read by
// processes built separately from the engine, so every struct is fixed-size POD (plus lock-free
// atomics), every field says who writes it, and the layout fingerprint below changes whenever
// any size or offset does: attaching across layouts fails at attach.
//
// State segment  /dev/shm/ose.<engine>.state       engine writes, everyone maps it PROT_READ
//   SegmentHeader | StateSegmentHeader | ClientStatus[clients] | versions | broadcast | State
// Client segment /dev/shm/ose.<engine>.client.<name> engine and that one client map it RW
//   SegmentHeader | ClientSegmentHeader | command ring (client → engine) | response ring
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/records.hpp"
#include "engine/core/state.hpp"
#include "engine/layout/command_latency.hpp"
#include "shm/layout.hpp"
#include "shm/segment.hpp"
#include "shm/spsc_ring.hpp"

namespace ose {

inline constexpr uint64_t kStateSegmentMagic = 0x3145'5441'5453'454Full;   // "OESTATE1"
inline constexpr uint64_t kClientSegmentMagic = 0x3154'4e45'494c'434Full;  // "OCLIENT1"
// 2: string venue ids (VenueId). 3: the command-latency histogram and the commands' send stamp.
inline constexpr uint32_t kSharedLayoutVersion = 3;
inline constexpr uint32_t kStateSegmentKind = 1;
inline constexpr uint32_t kClientSegmentKind = 2;

std::string state_segment_name(const std::string& engine);
std::string client_segment_name(const std::string& engine, const std::string& client);
std::string engine_lock_path(const std::string& engine);

// What the engine thinks of a client's connection.
enum class ClientLink : uint32_t {
  kDetached = 0,      // no process attached yet (or it detached cleanly)
  kAttached = 1,      // a live process holds the client segment
  kDisconnected = 2,  // its process died or its heartbeat went stale; policy applied
  kQuarantined = 3,   // broke the protocol too often: its rings are ignored until restart
};
std::string_view to_string(ClientLink link) noexcept;

// Engine writes, all relaxed: monitoring figures, each read on its own.
struct alignas(64) ClientStatus {
  std::atomic<uint32_t> link;               // ClientLink
  std::atomic<int32_t> pid;                 // the attached process, as the engine last saw it
  std::atomic<uint64_t> commands;           // inputs applied from this client
  std::atomic<uint64_t> malformed;          // of which rejected MALFORMED
  std::atomic<uint64_t> violations;         // ring protocol violations seen
  std::atomic<uint64_t> responses_dropped;  // response ring full: the client is lagging
  std::atomic<uint64_t> command_depth;      // unread commands at the last look
  std::atomic<uint64_t> disconnects;        // times its policy was applied
  uint64_t reserved;
};
// clang-format off
#define OSE_CLIENT_STATUS_FIELDS(X)                                                               \
  X(ClientStatus, link) X(ClientStatus, pid) X(ClientStatus, commands)                            \
  X(ClientStatus, malformed) X(ClientStatus, violations) X(ClientStatus, responses_dropped)       \
  X(ClientStatus, command_depth) X(ClientStatus, disconnects) X(ClientStatus, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(ClientStatus, OSE_CLIENT_STATUS_FIELDS, 0);
static_assert(sizeof(ClientStatus) == 64);

// What the journal thread publishes, on its own cache line: written only by that thread, so the
// Runner's line never bounces when the journal commits. Every word is read on its own.
enum class JournalState : uint32_t {
  kNone = 0,     // no journal (persistence disabled, or not started yet)
  kWriting = 1,  // commits succeed
  kFailing = 2,  // the last commit failed; retrying. The Runner rejects new orders meanwhile
  kHalting = 3,  // failed, and configured to stop the engine (on_journal_failure = "stop")
};

struct alignas(64) JournalStatus {
  std::atomic<uint64_t> durable_seq;      // last input committed (release: see the journal)
  std::atomic<uint32_t> state;            // JournalState
  std::atomic<int32_t> error;             // the last failure's LMDB code or errno; 0 if none
  std::atomic<uint64_t> commits;          // write transactions committed
  std::atomic<uint64_t> max_lag_ns;       // worst input ts → its commit (the async loss window)
  std::atomic<uint64_t> last_lag_ns;      //   … and that of the last commit
  std::atomic<uint64_t> snapshot_seq;     // the newest snapshot's seq; 0 if none
  std::atomic<uint64_t> snapshots_taken;  // since the engine started
};
// clang-format off
#define OSE_JOURNAL_STATUS_FIELDS(X)                                                              \
  X(JournalStatus, durable_seq) X(JournalStatus, state) X(JournalStatus, error)                   \
  X(JournalStatus, commits) X(JournalStatus, max_lag_ns) X(JournalStatus, last_lag_ns)            \
  X(JournalStatus, snapshot_seq) X(JournalStatus, snapshots_taken)
// clang-format on
OSE_LAYOUT_ASSERT(JournalStatus, OSE_JOURNAL_STATUS_FIELDS, 8);  // the tail of its line
static_assert(sizeof(JournalStatus) == 64);

struct StateSegmentHeader {
  // ---- immutable once the segment is published (engine writes before publish) ----
  char engine_name[32];
  uint64_t region_offset;  // the State region (64-byte aligned)
  uint64_t region_size;
  uint64_t versions_offset;  // std::atomic<uint32_t>[version_count]
  uint64_t version_count;
  uint64_t broadcast_offset;  // BroadcastRingData
  uint64_t broadcast_capacity;
  uint64_t clients_offset;  // ClientStatus[client_count]
  uint64_t client_count;
  uint64_t command_ring;   // capacity of each client's command ring
  uint64_t response_ring;  // capacity of each client's response ring
  uint64_t reserved0[4];

  // ---- engine thread writes ----
  alignas(64) std::atomic<uint64_t> applied_seq;  // last applied input (release: after close)
  std::atomic<uint64_t> inputs_per_sec;           // over the last status interval
  std::atomic<int64_t> last_input_wall_ns;
  std::atomic<uint32_t> clients_attached;
  std::atomic<uint32_t> clients_lagging;
  std::atomic<uint32_t> clients_quarantined;
  std::atomic<uint32_t> accepting;  // 1 while the engine takes commands; 0 while draining
  std::atomic<uint64_t> ticks_applied;
  std::atomic<uint64_t> broadcast_published;

  // ---- persistence thread writes ----
  JournalStatus journal;

  // ---- engine thread writes, under the histogram's own seqlock (command_latency.hpp) ----
  alignas(64) LatencyHistogram command_latency;
};
// clang-format off
#define OSE_STATE_SEGMENT_HEADER_FIELDS(X)                                                        \
  X(StateSegmentHeader, engine_name) X(StateSegmentHeader, region_offset)                         \
  X(StateSegmentHeader, region_size) X(StateSegmentHeader, versions_offset)                       \
  X(StateSegmentHeader, version_count) X(StateSegmentHeader, broadcast_offset)                    \
  X(StateSegmentHeader, broadcast_capacity) X(StateSegmentHeader, clients_offset)                 \
  X(StateSegmentHeader, client_count) X(StateSegmentHeader, command_ring)                         \
  X(StateSegmentHeader, response_ring) X(StateSegmentHeader, reserved0)                           \
  X(StateSegmentHeader, applied_seq) X(StateSegmentHeader, inputs_per_sec)                        \
  X(StateSegmentHeader, last_input_wall_ns) X(StateSegmentHeader, clients_attached)               \
  X(StateSegmentHeader, clients_lagging) X(StateSegmentHeader, clients_quarantined)               \
  X(StateSegmentHeader, accepting) X(StateSegmentHeader, ticks_applied)                           \
  X(StateSegmentHeader, broadcast_published) X(StateSegmentHeader, journal)                       \
  X(StateSegmentHeader, command_latency)
// clang-format on
// 48 bytes before applied_seq's cache line, 8 before journal's, 56 after command_latency.
OSE_LAYOUT_ASSERT(StateSegmentHeader, OSE_STATE_SEGMENT_HEADER_FIELDS, 112);
static_assert(offsetof(StateSegmentHeader, command_latency) % 64 == 0);
static_assert(offsetof(StateSegmentHeader, journal) % 64 == 0);
static_assert(offsetof(StateSegmentHeader, journal) - offsetof(StateSegmentHeader, applied_seq) >=
              64);

// A response record: the events of an input, one per record, to the clients concerned.
enum ResponseFlags : uint8_t {
  kResponseLast = 1u << 0,  // the last record answering `request`
  kResponseDone = 1u << 1,  // carries no event: the input produced none for this client
};

struct Response {
  uint64_t request;  // the answered command's ring position + 1; 0 when unsolicited
  uint8_t flags;     // ResponseFlags
  uint8_t reserved[7];
  Event event;  // valid unless kResponseDone
};
// clang-format off
#define OSE_RESPONSE_FIELDS(X)                                                                    \
  X(Response, request) X(Response, flags) X(Response, reserved) X(Response, event)
// clang-format on
OSE_LAYOUT_ASSERT(Response, OSE_RESPONSE_FIELDS, 0);
static_assert(sizeof(Response) <= shm::kRecordPayload);
static_assert(std::is_trivially_copyable_v<Response>);

struct ClientSegmentHeader {
  // ---- immutable once published (engine writes before publish) ----
  char engine_name[32];
  char client_name[16];
  uint16_t client_index;
  uint16_t reserved0[3];
  uint64_t command_offset;  // SpscRingData, client produces
  uint64_t command_capacity;
  uint64_t response_offset;  // SpscRingData, engine produces
  uint64_t response_capacity;

  // ---- client writes ----
  alignas(64) std::atomic<int32_t> client_pid;  // 0 when free; taken with compare-exchange
  uint32_t reserved1;
  std::atomic<int64_t> client_heartbeat_ns;  // monotonic ns, on every library call that waits

  // ---- engine writes ----
  alignas(64) std::atomic<uint32_t> link;  // ClientLink, as in ClientStatus
  std::atomic<uint32_t> lagging;           // 1 after a response was dropped
  std::atomic<uint64_t> responses_dropped;
  uint64_t reserved2[6];
};
// clang-format off
#define OSE_CLIENT_SEGMENT_HEADER_FIELDS(X)                                                       \
  X(ClientSegmentHeader, engine_name) X(ClientSegmentHeader, client_name)                         \
  X(ClientSegmentHeader, client_index) X(ClientSegmentHeader, reserved0)                          \
  X(ClientSegmentHeader, command_offset) X(ClientSegmentHeader, command_capacity)                 \
  X(ClientSegmentHeader, response_offset) X(ClientSegmentHeader, response_capacity)               \
  X(ClientSegmentHeader, client_pid) X(ClientSegmentHeader, reserved1)                            \
  X(ClientSegmentHeader, client_heartbeat_ns) X(ClientSegmentHeader, link)                        \
  X(ClientSegmentHeader, lagging) X(ClientSegmentHeader, responses_dropped)                       \
  X(ClientSegmentHeader, reserved2)
// clang-format on
// 40 bytes before client_pid's cache line, 48 before link's.
OSE_LAYOUT_ASSERT(ClientSegmentHeader, OSE_CLIENT_SEGMENT_HEADER_FIELDS, 88);
static_assert(offsetof(ClientSegmentHeader, link) - offsetof(ClientSegmentHeader, client_pid) >=
              64);

struct CommandRecord {  // the payload of a command ring record
  Command cmd;
  // The client's CLOCK_MONOTONIC ns when it pushed the record (the client library stamps it);
  // 0: not stamped. Only the command-latency histogram reads it: a stamp of 0 or in the future
  // is counted nowhere, and it is never journaled (the Input carries the engine's own ts).
  int64_t sent_mono_ns;
};
#define OSE_COMMAND_RECORD_FIELDS(X) X(CommandRecord, cmd) X(CommandRecord, sent_mono_ns)
OSE_LAYOUT_ASSERT(CommandRecord, OSE_COMMAND_RECORD_FIELDS, 0);
static_assert(sizeof(CommandRecord) <= shm::kRecordPayload);

// Where each part of a state segment lies. The engine lays the segment out with it and every
// reader recomputes it from the header's counts and checks the header's offsets against it.
struct StateSegmentPlacement {
  size_t header, clients, versions, broadcast, region, total;
};
StateSegmentPlacement place_state_segment(uint64_t clients, uint64_t versions,
                                          uint64_t broadcast_capacity,
                                          uint64_t region_size) noexcept;

// The same for a client segment: header, command ring, response ring.
struct ClientSegmentPlacement {
  size_t header, command, response, total;
};
ClientSegmentPlacement place_client_segment(uint64_t command_capacity,
                                            uint64_t response_capacity) noexcept;

inline constexpr size_t kPageSize = 4096;
inline constexpr size_t align_page(size_t n) noexcept {
  return (n + kPageSize - 1) & ~(kPageSize - 1);
}

// Every struct that crosses a process boundary, with its field list (written after the struct):
// the segment headers, the rings, the responses and commands in them, and the State region the
// readers copy. shared_layout_fingerprint() hashes each in this order; the layout tests walk the
// same table. A new shared struct gets a field list and a line here.
// clang-format off
#define OSE_SHARED_STRUCTS(S)                                                                     \
  S(shm::SegmentHeader, OSE_SEGMENT_HEADER_FIELDS)                                                \
  S(shm::RingRecord, OSE_RING_RECORD_FIELDS)                                                      \
  S(shm::SpscRingData, OSE_SPSC_RING_DATA_FIELDS)                                                 \
  S(shm::BroadcastRingData, OSE_BROADCAST_RING_DATA_FIELDS)                                       \
  S(StateSegmentHeader, OSE_STATE_SEGMENT_HEADER_FIELDS)                                          \
  S(JournalStatus, OSE_JOURNAL_STATUS_FIELDS)                                                     \
  S(LatencyHistogram, OSE_LATENCY_HISTOGRAM_FIELDS)                                               \
  S(LatencyCounts, OSE_LATENCY_COUNTS_FIELDS)                                                     \
  S(ClientStatus, OSE_CLIENT_STATUS_FIELDS)                                                       \
  S(ClientSegmentHeader, OSE_CLIENT_SEGMENT_HEADER_FIELDS)                                        \
  S(Response, OSE_RESPONSE_FIELDS)                                                                \
  S(Event, OSE_EVENT_FIELDS)                                                                      \
  S(CommandRecord, OSE_COMMAND_RECORD_FIELDS)                                                     \
  S(Command, OSE_COMMAND_FIELDS)                                                                  \
  S(OrderRef, OSE_ORDER_REF_FIELDS)                                                               \
  S(VenueId, OSE_VENUE_ID_FIELDS)                                                                 \
  S(BalanceCmd, OSE_BALANCE_CMD_FIELDS)                                                           \
  S(NewOrderCmd, OSE_NEW_ORDER_CMD_FIELDS)                                                        \
  S(AmendCmd, OSE_AMEND_CMD_FIELDS)                                                               \
  S(CancelAllCmd, OSE_CANCEL_ALL_CMD_FIELDS)                                                      \
  S(AckCmd, OSE_ACK_CMD_FIELDS)                                                                   \
  S(VenueRejectCmd, OSE_VENUE_REJECT_CMD_FIELDS)                                                  \
  S(FillCmd, OSE_FILL_CMD_FIELDS)                                                                 \
  S(TickCmd, OSE_TICK_CMD_FIELDS)                                                                 \
  S(SetStrategyCmd, OSE_SET_STRATEGY_CMD_FIELDS)                                                  \
  S(HaltCmd, OSE_HALT_CMD_FIELDS)                                                                 \
  S(PersistenceCmd, OSE_PERSISTENCE_CMD_FIELDS)                                                   \
  S(SetLeverageCmd, OSE_SET_LEVERAGE_CMD_FIELDS)                                                  \
  S(StateHeader, OSE_STATE_HEADER_FIELDS)                                                         \
  S(StateCapacities, OSE_STATE_CAPACITIES_FIELDS)                                                 \
  S(StateOffsets, OSE_STATE_OFFSETS_FIELDS)                                                       \
  S(AssetRecord, OSE_ASSET_RECORD_FIELDS)                                                         \
  S(InstrumentRecord, OSE_INSTRUMENT_RECORD_FIELDS)                                               \
  S(AccountRecord, OSE_ACCOUNT_RECORD_FIELDS)                                                     \
  S(BalanceRecord, OSE_BALANCE_RECORD_FIELDS)                                                     \
  S(StrategyRecord, OSE_STRATEGY_RECORD_FIELDS)                                                   \
  S(ClientRecord, OSE_CLIENT_RECORD_FIELDS)                                                       \
  S(PositionRecord, OSE_POSITION_RECORD_FIELDS)                                                   \
  S(MarketRecord, OSE_MARKET_RECORD_FIELDS)                                                       \
  S(TriggerBookRecord, OSE_TRIGGER_BOOK_RECORD_FIELDS)                                            \
  S(OrderRecord, OSE_ORDER_RECORD_FIELDS)                                                         \
  S(TradeRecord, OSE_TRADE_RECORD_FIELDS)                                                         \
  S(LedgerEntry, OSE_LEDGER_ENTRY_FIELDS)                                                         \
  S(ClientOrderIndexEntry, OSE_CLIENT_ORDER_INDEX_ENTRY_FIELDS)                                   \
  S(TradeIndexEntry, OSE_TRADE_INDEX_ENTRY_FIELDS)
// clang-format on

// The hash of every field of every struct in OSE_SHARED_STRUCTS (and of Command's union
// alternatives), so two builds whose shared structs differ in any offset or size, even by a swap
// of two equal-sized fields, refuse to attach to each other.
uint64_t shared_layout_fingerprint() noexcept;

inline shm::SegmentIdentity state_segment_identity() noexcept {
  return {kStateSegmentMagic, kSharedLayoutVersion, kStateSegmentKind, shared_layout_fingerprint()};
}
inline shm::SegmentIdentity client_segment_identity() noexcept {
  return {kClientSegmentMagic, kSharedLayoutVersion, kClientSegmentKind,
          shared_layout_fingerprint()};
}

// Does the venue need to hear of this event (a new order to place, a cancel or amend to send)?
inline bool venue_needs(const Event& e) noexcept {
  switch (e.type) {
    case EventType::kAccepted:
    case EventType::kTriggered:
      return e.status == OrderStatus::kPendingNew;
    case EventType::kCancelRequested:
      return e.status == OrderStatus::kPendingCancel;
    case EventType::kAmended:
      return e.status == OrderStatus::kPendingNew || e.status == OrderStatus::kOpen ||
             e.status == OrderStatus::kPartiallyFilled;
    default:
      return false;
  }
}

}  // namespace ose
