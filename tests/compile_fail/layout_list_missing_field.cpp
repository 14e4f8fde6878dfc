// Must NOT compile: a shared struct gained a field that its field list (the one the layout
// fingerprint hashes) does not name. OSE_LAYOUT_ASSERT decomposes the struct with one name per
// listed field, so the counts differ and the build stops. The ctest
// compile_fail.layout_list_missing_field is WILL_FAIL: it passes only while this file is refused.
// Control: with -DOSE_CONTROL the list names every field and the file compiles cleanly.
#include <cstddef>
#include <cstdint>

#include "shm/layout.hpp"

struct Quote {
  uint64_t bid_e8;
  uint64_t ask_e8;
  uint64_t last_e8;  // the new field
};

#ifndef OSE_CONTROL
#define QUOTE_FIELDS(X) X(Quote, bid_e8) X(Quote, ask_e8)  // error: last_e8 is not listed
#else
#define QUOTE_FIELDS(X) X(Quote, bid_e8) X(Quote, ask_e8) X(Quote, last_e8)
#endif
OSE_LAYOUT_ASSERT(Quote, QUOTE_FIELDS, 0);
