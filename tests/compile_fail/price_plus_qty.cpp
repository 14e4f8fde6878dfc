// Must NOT compile: a Price (quote per base) and a Qty (base units) are different units, so
// fixed_point.hpp gives Fixed<Tag> operators only between values of the same type. The ctest
// compile_fail.price_plus_qty is WILL_FAIL: it passes only while this file is refused.
// Control: with -DOSE_CONTROL the offending line is left out and the file compiles cleanly.
#include "engine/core/fixed_point.hpp"

ose::Price price_plus_qty(ose::Price price, ose::Qty qty);

ose::Price price_plus_qty(ose::Price price, ose::Qty qty) {
#ifndef OSE_CONTROL
  return price + qty;  // error: no operator+ for (Price, Qty)
#else
  (void)qty;
  return price + price;
#endif
}
