// The fuzz target for what a client controls: the bytes of its command ring. One fuzz input is
// a run of 128-byte ring records plus the ring's shared position words; they go through the
// engine's real decode path — SpscConsumer::poll (sequence check, copy-out), the source binding
// and apply() — against a fresh State. Whatever the bytes, nothing may crash (ASan/UBSan judge
// that) and the State's structural invariants must hold afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ose::fuzz {

// Loads the config the target runs against (config/example.toml with a small order table).
// Call once before run_one(); false with a message on failure.
bool init(const std::string& source_dir, std::string& error);

// Runs one input. Returns the number of records applied; aborts on a broken invariant.
int run_one(const uint8_t* data, size_t size);

}  // namespace ose::fuzz
