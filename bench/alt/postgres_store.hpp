// The PostgreSQL alternative of the performance study (issue 6): the order state of a typical
// trading bot kept in PostgreSQL tables, one transaction per order event, through libpq with
// prepared statements — what a bot's author would otherwise write instead of using ose.
//
// Schema (money and quantities NUMERIC(36,8); the workload's e8 integers are sent as exact
// decimal text and never pass through a double):
//   orders(order_id PK, account, instrument, side, status, qty, price, filled_qty, avg_price,
//          updated_at)                         CHECK filled_qty <= qty
//   trades(trade_id PK, order_id → orders, qty, price, fee, ts)
//   positions((account, instrument) PK, size, avg_entry, realized_pnl, fees)
//   balances((account, asset) PK, free, locked)  CHECK free >= 0 AND locked >= 0
// Instrument i is the symbol "A<i>USDT": base asset "A<i>", quote asset "USDT". connect() seeds
// every account with kSeedQuoteE8 USDT and kSeedBaseE8 of each base asset, all free.
//
// One transaction per event, one prepared statement per step; every derived amount is computed
// by the server in NUMERIC arithmetic from the rows and the event:
//   new:    BEGIN; insert order (status new); lock balance; COMMIT
//   ack:    BEGIN; order new → open; COMMIT
//   cancel: BEGIN; order → cancelled; release its unfilled reservation; COMMIT
//   fill:   BEGIN; order filled_qty, avg_price, status (partially_filled | filled); insert trade;
//           upsert position; settle balances; COMMIT
// A buy reserves qty × limit price of the quote asset, a sell qty of the base asset. A fill
// consumes its share of the reservation (a buy at a price under its limit gets the difference
// back), credits the other asset, and pays the fee in the quote asset.
// Position: size is signed (buy +). A fill that grows the position (or opens it) moves avg_entry
// to the quantity-weighted mean; one that reduces it books closed qty × (price − avg_entry) ×
// sign(size) into realized_pnl and keeps avg_entry; one that flips it books the whole old size
// and opens the rest at the fill price; flat gives avg_entry 0. Fees accumulate apart from
// realized_pnl. Quotients and products beyond 8 decimals are rounded half away from zero to 1e-8
// (NUMERIC(36,8) storage; the weighted mean is computed to ≥ 16 significant digits first).
//
// A step that finds no row to act on (ack of an unknown or no-longer-new order, fill of an order
// that is not working, a missing balance row) raises, so the transaction rolls back and apply()
// returns the reason; constraint violations (duplicate ids, overfill, negative balance) likewise.
//
// Pipelined (default): the whole transaction — BEGIN, the steps, COMMIT — goes out in one write
// with libpq's pipeline mode and one sync, so an event costs one round trip plus the commit's WAL
// flush. That is the best a libpq client can do for one transaction per event, so the comparison
// with ose does not hinge on a slow client. `pipeline = false` sends each statement and waits
// for its result (3 to 6 round trips per event): what most bots (and ORMs) actually do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/alt/order_workload.hpp"
#include "engine/core/result.hpp"

struct pg_conn;  // libpq's connection (PGconn), declared here to keep libpq-fe.h private

namespace ose::bench {

struct PostgresStoreOptions {
  bool pipeline = true;  // see above
};

class PostgresStore final : public OrderEventStore {
 public:
  static constexpr int64_t kSeedQuoteE8 = 1'000'000'000LL * 100'000'000;  // 1e9 USDT
  static constexpr int64_t kSeedBaseE8 = 1'000'000LL * 100'000'000;       // 1e6 of each base

  // Connects, and (re)creates the four tables — any existing ones of those names are dropped, so
  // point it at a throwaway database such as PostgresServer's — then seeds the balances of
  // `workload.accounts` accounts over `workload.instruments` instruments and prepares the
  // statements. Sets statement_timeout to 30 s so that no apply() can wait forever.
  static Result<std::unique_ptr<PostgresStore>> connect(const std::string& conninfo,
                                                        const WorkloadOptions& workload = {},
                                                        const PostgresStoreOptions& o = {});

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // "PostgreSQL (libpq, synchronous_commit=on, pipelined)": the server's setting, as it reported
  // it at connect().
  std::string name() const override;
  // One transaction: "" once COMMIT returned, or the libpq / server error text (the transaction
  // then rolled back).
  std::string apply(const OrderEvent& e) override;

  static std::string symbol(uint16_t instrument);      // "A<i>USDT"
  static std::string base_asset(uint16_t instrument);  // "A<i>"
  static constexpr const char* kQuoteAsset = "USDT";

 private:
  struct Step {
    const char* statement;  // prepared statement name
    int params;
    const char* const* values;
  };

  PostgresStore(pg_conn* conn, uint16_t instruments, bool pipeline, std::string sync_commit);
  std::string run_pipelined(const Step* steps, int count);
  std::string run_one_by_one(const Step* steps, int count);

  pg_conn* conn_;
  uint16_t instruments_;
  bool pipeline_;
  std::string synchronous_commit_;    // "on", "off", … as SHOW reported it
  std::vector<std::string> symbols_;  // by instrument
  std::vector<std::string> bases_;    // by instrument
};

// "-12.34500000": an e8 fixed-point integer as exact decimal text with 8 decimals.
std::string e8_to_decimal(int64_t v_e8);

}  // namespace ose::bench
