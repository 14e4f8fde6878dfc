// Commands back into the scenario / replay input format (DESIGN §8): the inverse of
// parse_scenario_line() (engine/scenario.hpp), for writing an Input as a readable line.
//
// (engine/scenario_writer.hpp's scenario_line_of() is the *byte-exact* writer used by the input
// log: it writes the raw form for any command that does not come back byte for byte, e.g. one
// naming index 42 of a table of 4. input_to_scenario_line() prefers a readable line and writes
// unknown names as "?", as described below.)
#pragma once

#include <string>

#include "engine/command.hpp"
#include "engine/state.hpp"

namespace ose {

// One scenario line (DESIGN §8) that parse_scenario_line() reads back into the same Command,
// source and ts. Names come from `state`'s tables; the line always carries "ts" and, unless
// the source is kEngineSource, "source" (the client name). Order references use "order_id"
// when the command names the order by engine id, else "client" + "cl_id".
//
// The line is one JSON object with sorted keys, no whitespace, the same bytes for the same
// state and input. Decimals are strings in their shortest exact form; ids and ts are JSON
// integers. Optional fields are written only when they differ from the parser's default:
// new_order's tif (gtc), price, stop_price, callback_rate, activation_price, stop_loss,
// take_profit and expire_ts (0), post_only / reduce_only (false); amend's qty / price (0 =
// unchanged; "qty":"0" when both are 0, since the parser wants one of them); cancel_all's
// filters (kNoIndex = any); ack's venue_order_id (0); fill's fee (0), fee_asset (kNoIndex) and
// liquidity (taker); tick's fields not in its TickFields mask; halt / resume's name (global).
//
// What the line cannot carry, and how it is normalised (parse_scenario_line() then returns the
// command with these changes; apply() treats both forms alike except where noted):
//  - a table index that is kNoIndex or out of range is written as the name "?", which the
//    parser resolves to kNoIndex (apply() rejects both with the same UNKNOWN_* reason, but a
//    rejected order stored in the table then holds kNoIndex, not the stray index: the same
//    state JSON, a different state_hash). This applies to every index written as a name:
//    deposit/withdraw account and asset, new_order client/account/strategy/symbol, an order
//    reference's client, tick symbol, set_strategy strategy, halt/resume name, set_leverage
//    account/symbol. A table entry actually named "?" makes this ambiguous; the verification
//    below then picks the raw form;
//  - an order reference with order_id != 0 is written with "order_id" only: its client and
//    cl_id come back as kNoIndex and 0 (apply() looks the order up by id alone, but a
//    rejection event echoes the reference's client and cl_id);
//  - a tick's values for fields not in its mask come back as 0 (apply() never reads them);
//  - a global halt / resume's target comes back as kNoIndex (apply() never reads it).
//
// Anything else that the vocabulary cannot say — an op outside it, an enum value out of range
// (side, type, tif, liquidity, strategy state, halt scope, a venue_reject reason that is not a
// RejectReason), unknown flag or tick-field bits, nonzero reserved bytes, a fee without
// fee_asset, a cancel_all filter or fee_asset naming an unknown index (the parser refuses
// those names), an empty tick, a negative expire_ts — is written as the parser's exact form
// {"op":"raw","command":"<224 hex digits>","ts":…,"source":…}, which reads back byte for byte.
// The writer checks every readable line by parsing it back, so the raw form is used whenever
// the readable one would not come back as the normalised command above.
//
// Not representable at all: a source that is neither kEngineSource nor a client index (written
// as "source":"?", which the parser refuses with "unknown source client") and a negative ts
// (the parser refuses it). The engine never stamps either.
//
// Cold path: builds a JSON object and parses the result once.
std::string input_to_scenario_line(const State& state, const Input& input);

}  // namespace ose
