// What the simulated venue sends the engine for each of its actions: the venue-report commands
// (ack, venue_reject, fill, cancel_ack, expired) of DESIGN §4, with the venue's string ids. Shared
// by the `ose venue` process and the backtest's in-process venue, so both answer alike.
#pragma once

#include <cstdint>

#include "engine/core/command.hpp"
#include "engine/core/records.hpp"
#include "feeds/venue_model.hpp"

namespace ose {

// An order named by its engine id alone, client kNoIndex as a scenario line's "order_id" reads:
// then `ose journal dump` shows the venue's answers as readable lines, not raw bytes.
OrderRef venue_order_ref(uint64_t order_id) noexcept;

// The command reporting `action` on an order of `ins`. A fill takes `trade_id` (sim_trade_id of
// the venue's session and its trade counter) and the venue's fee in the settle asset.
Command venue_report(const VenueAction& action, const InstrumentRecord& ins,
                     const VenueId& trade_id) noexcept;

}  // namespace ose
