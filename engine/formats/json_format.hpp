// The shared JSON formats of DESIGN §8: canonical state JSON and events as JSON objects.
// Decimals are strings, keys sorted (nlohmann::json keeps objects sorted), rows sorted.
// Cold path: used by `ose replay`, `ose inspect --json` and tests.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/core/event.hpp"
#include "engine/core/state.hpp"

namespace ose {

nlohmann::json state_to_json(const State& state);
nlohmann::json event_to_json(const State& state, const Event& event);
nlohmann::json order_to_json(const State& state, const OrderRecord& order);

// Table names for display: null JSON / "?" for kNoIndex or out-of-range indices.
std::string asset_name(const State& s, uint16_t i);
std::string instrument_name(const State& s, uint16_t i);
std::string account_name(const State& s, uint16_t i);
std::string strategy_name(const State& s, uint16_t i);
std::string client_name(const State& s, uint16_t i);

}  // namespace ose
