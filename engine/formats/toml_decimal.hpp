// The one rule by which every TOML value ose reads becomes a decimal (the engine config and the
// sample strategy's [bot] table alike):
//   - a string is the decimal as written ("0.01", "-2.5");
//   - an integer is that many units;
//   - a float is accepted only when it has at most 15 significant digits (DBL_DIG: the double
//     then reads back as exactly the text that was written, so 0.02 is "0.02", never
//     0.0200000000000000004163…) and is read as that text; a longer one is refused with a
//     hint to write it as a string.
// Whatever the form, at most 8 fraction digits (1e-8 units, DESIGN §3). Internal to formats:
// it speaks toml++, which only formats links.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <string>

#include "engine/core/result.hpp"

namespace ose::formats {

// The value's decimal text, or why it is not a decimal (no location: callers add theirs).
Result<std::string> toml_decimal_text(const toml::node& node);

// The same in 1e-8 units.
Result<int64_t> toml_decimal_e8(const toml::node& node);

}  // namespace ose::formats
