// Must NOT compile: a field added into an alignment hole (here, before a cache-line aligned
// atomic) changes neither sizeof nor any listed offset, so sizes alone cannot see it; the
// structured binding in OSE_LAYOUT_ASSERT still counts it. The ctest
// compile_fail.layout_list_misses_padding_field is WILL_FAIL: it passes only while this file is
// refused. Control: with -DOSE_CONTROL the list names the new field and declares the smaller hole.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "shm/layout.hpp"

struct Header {
  uint64_t capacity;
  uint32_t clients;  // the new field, in the 56-byte hole before head
  alignas(64) std::atomic<uint64_t> head;
};

#ifndef OSE_CONTROL
#define HEADER_FIELDS(X) X(Header, capacity) X(Header, head)  // error: clients is not listed
OSE_LAYOUT_ASSERT(Header, HEADER_FIELDS, 56 + 56);
#else
#define HEADER_FIELDS(X) X(Header, capacity) X(Header, clients) X(Header, head)
OSE_LAYOUT_ASSERT(Header, HEADER_FIELDS, 52 + 56);
#endif
