#include "bench/study/study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "bench/alt/ipc_store.hpp"
#include "bench/alt/ose_store.hpp"
#include "bench/e2e/floors.hpp"
#include "shm/clock.hpp"
#if defined(OSE_HAVE_LIBPQ)
#include "bench/alt/postgres_store.hpp"
#include "support/pg_cluster/postgres_server.hpp"
#endif
#if defined(OSE_HAVE_HIREDIS)
#include "bench/alt/redis_server.hpp"
#include "bench/alt/redis_store.hpp"
#endif

namespace ose::bench {

using support::PostgresServer;
using support::PostgresServerOptions;

namespace {

// How much of each study to run: the full study, or seconds for CI.
struct Sizes {
  uint64_t floor_round_trips, mq_round_trips;
  uint64_t round_trips, sync_round_trips;
  uint64_t inputs;
  uint64_t store_orders, slow_store_orders;  // slow: one disk flush per event
  std::vector<double> open_loop_rates;
  double open_loop_seconds;
  uint64_t reader_inputs, reader_round_trips;
  std::vector<uint64_t> working_orders;
  uint64_t scaling_round_trips, scaling_inputs;
};

Sizes sizes(bool quick) {
  if (quick) {
    return {20'000,  2'000, 20'000,          100,   200'000, 100, 20, {10'000, 100'000}, 0.2,
            100'000, 5'000, {1'000, 10'000}, 5'000, 100'000};
  }
  return {1'000'000, 20'000,
          1'000'000, 2'000,
          5'000'000, 5'000,
          500,       {10'000, 30'000, 100'000, 300'000, 1'000'000, 2'000'000, 4'000'000},
          1.0,       2'000'000,
          200'000,   {1'000, 10'000, 100'000, 1'000'000},
          100'000,   2'000'000};
}

bool wanted(const StudyOptions& o, const char* study) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), study) != o.only.end();
}

// The workload through one store: every event applied in order; the first tenth untimed (warm
// caches, connections, JIT-less but cold servers), the rest timed one by one.
StoreResult run_store(OrderEventStore& store, const std::vector<OrderEvent>& events) {
  StoreResult r;
  r.name = store.name();
  const size_t warmup = events.size() / 10;
  std::vector<int64_t> samples;
  samples.reserve(events.size() - warmup);
  int64_t timed_from = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (i == warmup) timed_from = shm::monotonic_ns();
    const int64_t t0 = shm::monotonic_ns();
    const std::string why = store.apply(events[i]);
    const int64_t t1 = shm::monotonic_ns();
    if (!why.empty()) {
      r.error = fmt::format("event {} ({} of order {}): {}", i, to_string(events[i].kind),
                            events[i].order_id, why);
      break;
    }
    if (i >= warmup) samples.push_back(t1 - t0);
  }
  r.events = samples.size();
  if (r.events > 0) {
    r.events_per_s = static_cast<double>(r.events) * 1e9 /
                     static_cast<double>(std::max<int64_t>(shm::monotonic_ns() - timed_from, 1));
  }
  r.stats = LatencyStats::of(std::move(samples));
  return r;
}

StoreResult skipped(const std::string& name, const std::string& why) {
  StoreResult r;
  r.name = name;
  r.skipped = why;
  return r;
}

void run_stores(const StudyOptions& o, const Sizes& z, StudyResults& out,
                const std::function<void(const std::string&)>& progress) {
  WorkloadOptions w;
  w.orders = z.store_orders;
  const std::vector<OrderEvent> events = make_order_workload(w);
  WorkloadOptions slow_w = w;
  slow_w.orders = z.slow_store_orders;
  const std::vector<OrderEvent> slow_events = make_order_workload(slow_w);
  const int engine_cpu = o.pin ? 0 : -1, client_cpu = o.pin ? 1 : -1;
  auto record = [&](StoreResult r) {
    progress(r.skipped.empty()
                 ? (r.error.empty() ? fmt::format("  {}: p50 {} ns, {:.0f} events/s", r.name,
                                                  r.stats.p50_ns, r.events_per_s)
                                    : fmt::format("  {}: FAILED: {}", r.name, r.error))
                 : fmt::format("  {}: skipped: {}", r.name, r.skipped));
    if (!r.skipped.empty()) out.notes.push_back(fmt::format("{} skipped: {}", r.name, r.skipped));
    if (!r.error.empty()) out.notes.push_back(fmt::format("{}: **FAILED**: {}", r.name, r.error));
    out.stores.push_back(std::move(r));
  };

  for (const char* journal : {"none", "async", "sync"}) {
    OseStoreOptions so;
    so.journal = journal;
    so.data_dir_base = o.data_dir_base;
    so.instruments = w.instruments;
    so.accounts = w.accounts;
    so.engine_cpu = engine_cpu;
    so.client_cpu = client_cpu;
    auto s = OseStore::start(so);
    if (!s) {
      record(skipped(fmt::format("ose (journal {})", journal), s.error()));
      continue;
    }
    StoreResult r = run_store(**s, std::string(journal) == "sync" ? slow_events : events);
    if (std::string why = (*s)->stop(); !why.empty() && r.error.empty()) r.error = why;
    record(std::move(r));
  }
  IpcStoreOptions io;
  io.instruments = w.instruments;
  io.accounts = w.accounts;
  io.engine_cpu = engine_cpu;
  io.client_cpu = client_cpu;
  if (auto s = MessageQueueStore::start(io); s) {
    StoreResult r = run_store(**s, events);
    if (std::string why = (*s)->stop(); !why.empty() && r.error.empty()) r.error = why;
    record(std::move(r));
  } else {
    record(skipped("Boost message_queue + ose core", s.error()));
  }
  if (auto s = UnixSocketStore::start(io); s) {
    StoreResult r = run_store(**s, events);
    if (std::string why = (*s)->stop(); !why.empty() && r.error.empty()) r.error = why;
    record(std::move(r));
  } else {
    record(skipped("UNIX socket + ose core", s.error()));
  }
#if defined(OSE_HAVE_LIBPQ)
  {
    PostgresServerOptions po;
    po.parent_dir = o.data_dir_base;
    auto server = PostgresServer::start(po);
    if (!server) {
      record(skipped("PostgreSQL", server.error()));
    } else if (auto s = PostgresStore::connect(server->conninfo(), slow_w); !s) {
      record(skipped("PostgreSQL", s.error()));
    } else {
      record(run_store(**s, slow_events));
    }
  }
#else
  record(skipped("PostgreSQL", "built without libpq (Debian: apt-get install libpq-dev)"));
#endif
#if defined(OSE_HAVE_HIREDIS)
  {
    auto server = RedisServer::start(RedisServerOptions{});
    RedisStoreOptions ro;
    ro.accounts = w.accounts;
    ro.instruments = w.instruments;
    if (!server) {
      record(skipped("Redis", server.error()));
    } else if (auto s = RedisStore::connect(server->host(), server->port(), ro); !s) {
      record(skipped("Redis", s.error()));
    } else {
      record(run_store(**s, events));
    }
  }
#else
  record(skipped("Redis", "built without hiredis (Debian: apt-get install libhiredis-dev)"));
#endif
}

}  // namespace

StudyResults run_study(const StudyOptions& o,
                       const std::function<void(const std::string&)>& progress) {
  StudyResults out;
  out.machine = describe_machine();
  out.quick = o.quick;
  const Sizes z = sizes(o.quick);
  const bool pin = o.pin && out.machine.cores >= 2;
  const int a = pin ? 0 : -1, b = pin ? 1 : -1;
  EngineRunOptions base;
  base.data_dir_base = o.data_dir_base;
  base.pin = pin;
  auto note = [&](const std::string& what, const std::string& error) {
    if (error.empty()) return;
    out.notes.push_back(fmt::format("{}: **FAILED**: {}", what, error));
    progress(fmt::format("  {}: FAILED: {}", what, error));
  };

  if (wanted(o, "floors")) {
    progress("floors: cross-process ping-pong");
    out.floors.push_back(
        {"one-line flag ping-pong", same_line_pingpong(z.floor_round_trips, a, b)});
    out.floors.push_back({"two-line flag ping-pong", flag_pingpong(z.floor_round_trips, a, b)});
    out.floors.push_back({"SpscRing ping-pong", spsc_ring_pingpong(z.floor_round_trips, a, b)});
    out.floors.push_back(
        {"Boost message_queue ping-pong", message_queue_pingpong(z.mq_round_trips, a, b)});
    for (const NamedLatency& f : out.floors) note(f.name, f.stats.error);
  }
  if (wanted(o, "round trip")) {
    for (const char* journal : {"none", "async", "sync"}) {
      progress(fmt::format("round trip: ose, journal {}", journal));
      EngineRunOptions e = base;
      e.journal = journal;
      const RoundTripRun r =
          ose_round_trips(e, std::string(journal) == "sync" ? z.sync_round_trips : z.round_trips);
      note(fmt::format("round trip, journal {}", journal), r.error);
      out.round_trips.push_back({journal, r.stats});
    }
  }
  if (wanted(o, "throughput")) {
    const std::vector<std::pair<int, const char*>> runs = {
        {1, "none"}, {2, "none"}, {4, "none"}, {1, "async"}, {1, "sync"}};
    for (const auto& [clients, journal] : runs) {
      progress(fmt::format("throughput: {} client(s), journal {}", clients, journal));
      EngineRunOptions e = base;
      e.clients = clients;
      e.journal = journal;
      ThroughputPoint p{clients, journal, 0, 0, ose_throughput(e, z.inputs)};
      note(fmt::format("throughput, {} clients, journal {}", clients, journal), p.run.error);
      out.throughput.push_back(std::move(p));
    }
  }
  if (wanted(o, "stores")) {
    progress("stores: the order-event workload through ose and the alternatives");
    run_stores(o, z, out, progress);
  }
  if (wanted(o, "open loop")) {
    progress("open loop: ose at fixed arrival rates");
    // Rates rise until the engine saturates (it answers less than 80% of what was asked).
    for (const double rate : z.open_loop_rates) {
      auto points = ose_open_loop(base, {rate}, z.open_loop_seconds);
      for (OpenLoopPoint& p : points) {
        note(fmt::format("open loop at {:.0f}/s", rate), p.error);
        out.open_loop.push_back(std::move(p));
      }
      if (points.empty() || !points.back().error.empty() ||
          points.back().achieved_per_s < 0.8 * rate) {
        break;
      }
    }
  }
  if (wanted(o, "readers")) {
    for (const uint32_t readers : {0u, 1u, 4u}) {
      progress(fmt::format("readers: {} reader process(es)", readers));
      EngineRunOptions e = base;
      e.readers = readers;
      ReaderPoint p{readers, ose_throughput(e, z.reader_inputs),
                    ose_round_trips(e, z.reader_round_trips)};
      note(fmt::format("readers {}: throughput", readers), p.throughput.error);
      note(fmt::format("readers {}: round trip", readers), p.round_trip.error);
      out.readers.push_back(std::move(p));
    }
  }
  if (wanted(o, "scaling")) {
    for (const uint64_t working : z.working_orders) {
      progress(fmt::format("scaling: {} working orders", working));
      EngineRunOptions e = base;
      e.working_orders = working;
      ScalingPoint p;
      p.working_orders = working;
      p.round_trip = ose_round_trips(e, z.scaling_round_trips);
      p.throughput = ose_throughput(e, z.scaling_inputs);
      if (p.round_trip.order_capacity > 0) {
        p.bytes_per_order = static_cast<double>(p.round_trip.segment_bytes) /
                            static_cast<double>(p.round_trip.order_capacity);
      }
      note(fmt::format("scaling {}: round trip", working), p.round_trip.error);
      note(fmt::format("scaling {}: throughput", working), p.throughput.error);
      out.scaling.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace ose::bench
