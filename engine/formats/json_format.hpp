// The shared JSON formats of DESIGN §8: canonical state JSON and events as JSON objects.
// Decimals are strings, keys sorted (nlohmann::json keeps objects sorted), rows sorted.
// Cold path: used by `ose replay`, `ose inspect --json` and tests.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>

#include "engine/core/event.hpp"
#include "engine/core/state.hpp"

namespace ose {

nlohmann::json state_to_json(const State& state);

// Which of the canonical JSON's tables to build; seq, state_hash and counters always come. A
// reader that shows one table (`ose serve`'s /api/orders) need not render 65k orders to show
// the positions. `open_orders_only` leaves out the orders in a terminal status.
struct StateJsonParts {
  bool balances = true;
  bool orders = true;
  bool positions = true;  // with strategy_positions
  bool strategies = true;
  bool market = true;
  bool open_orders_only = false;
  // The state's hash when the caller has it already (a copy rendered several times): hashing a
  // large state costs more than rendering one small table of it.
  std::optional<uint64_t> state_hash;
};
nlohmann::json state_to_json(const State& state, const StateJsonParts& parts);
// An event of a State the caller owns (replay, a copy): its venue ids come from that State.
nlohmann::json event_to_json(const State& state, const Event& event);
// An event whose venue ids the caller looked up (a live reader: StateReader::read_event_ids);
// `names` is only used for names.
nlohmann::json event_to_json(const State& names, const Event& event, const EventVenueIds& ids);
// The same event's JSON text, exactly event_to_json(names, event, ids).dump(), appended to
// `out` without building the nlohmann::json (`ose serve`'s event stream writes thousands a
// second: the object's allocations were most of its cost).
void append_event_json(std::string& out, const State& names, const Event& event,
                       const EventVenueIds& ids);
// The venue ids of `event` as `state` holds them: the trade window, the order's venue id.
EventVenueIds event_venue_ids(const State& state, const Event& event);
nlohmann::json order_to_json(const State& state, const OrderRecord& order);

// Table names for display: null JSON / "?" for kNoIndex or out-of-range indices.
std::string asset_name(const State& s, uint16_t i);
std::string instrument_name(const State& s, uint16_t i);
std::string account_name(const State& s, uint16_t i);
std::string strategy_name(const State& s, uint16_t i);
std::string client_name(const State& s, uint16_t i);

}  // namespace ose
