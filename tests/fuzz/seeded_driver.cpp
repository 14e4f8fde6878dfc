// A seeded random harness over the record fuzz target, for compilers without libFuzzer (CI
// runs it under gcc, plainly and with ASan+UBSan). Seeds are the bundled scenarios' commands,
// laid into well-formed ring records; each iteration mutates them — flipped bytes, random
// words, swapped ops, broken sequence numbers, scribbled ring positions — or sends pure noise.
//
//   ose_fuzz_records SOURCE_DIR [ITERATIONS] [SEED]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/layout/shared_layout.hpp"
#include "engine/formats/config.hpp"
#include "engine/formats/scenario.hpp"
#include "engine/core/state.hpp"
#include "shm/spsc_ring.hpp"
#include "tests/fuzz/record_fuzz_target.hpp"

namespace {

std::vector<ose::Command> seed_commands(const std::string& source_dir) {
  std::vector<ose::Command> seeds;
  auto config = ose::load_config_file(source_dir + "/config/example.toml");
  if (!config) return seeds;
  auto state = ose::State::create(*config);
  if (!state) return seeds;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir + "/config/scenarios")) {
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      auto parsed = ose::parse_scenario_line(*state, line, 0);
      if (parsed) seeds.push_back(parsed->cmd);
    }
  }
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SOURCE_DIR [ITERATIONS] [SEED]\n", argv[0]);
    return 2;
  }
  const std::string source_dir = argv[1];
  const long iterations = argc > 2 ? std::atol(argv[2]) : 20000;
  const unsigned seed = argc > 3 ? static_cast<unsigned>(std::atol(argv[3])) : 20261121u;
  std::string error;
  if (!ose::fuzz::init(source_dir, error)) {
    std::fprintf(stderr, "fuzz: %s\n", error.c_str());
    return 2;
  }
  const std::vector<ose::Command> seeds = seed_commands(source_dir);
  if (seeds.empty()) {
    std::fprintf(stderr, "fuzz: no seed commands found under %s/config/scenarios\n",
                 source_dir.c_str());
    return 2;
  }
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> input;
  long applied = 0;
  for (long it = 0; it < iterations; ++it) {
    const size_t records = 1 + rng() % 16;
    input.assign(17 + records * sizeof(ose::shm::RingRecord), 0);
    input[0] = static_cast<uint8_t>(rng());
    const bool noise = rng() % 10 == 0;
    if (rng() % 8 == 0) {  // scribbled ring positions (the engine must ignore them)
      for (size_t i = 1; i < 17; ++i) input[i] = static_cast<uint8_t>(rng());
    }
    for (size_t r = 0; r < records; ++r) {
      uint8_t* rec = input.data() + 17 + r * sizeof(ose::shm::RingRecord);
      if (noise) {
        for (size_t i = 0; i < sizeof(ose::shm::RingRecord); ++i)
          rec[i] = static_cast<uint8_t>(rng());
        continue;
      }
      uint64_t seq = r + 1;
      if (rng() % 50 == 0) seq = rng();  // a broken sequence word stops the run there
      std::memcpy(rec, &seq, 8);
      ose::CommandRecord payload{};
      payload.cmd = seeds[rng() % seeds.size()];
      auto* bytes = reinterpret_cast<uint8_t*>(&payload.cmd);
      const int mutations = static_cast<int>(rng() % 4);
      for (int m = 0; m < mutations; ++m) {
        switch (rng() % 4) {
          case 0:  // flip a byte
            bytes[rng() % sizeof(ose::Command)] ^= static_cast<uint8_t>(1u << (rng() % 8));
            break;
          case 1: {  // a random 8-byte word
            const uint64_t v = rng();
            std::memcpy(bytes + 8 * (rng() % (sizeof(ose::Command) / 8)), &v, 8);
            break;
          }
          case 2:  // another op over this payload
            bytes[0] = static_cast<uint8_t>(rng() % (ose::kOpCount + 2));
            break;
          default:  // an extreme value in a random word
            const uint64_t extremes[] = {
                0, 1, ~uint64_t{0}, uint64_t{1} << 63, (uint64_t{1} << 63) - 1, 0xFFFE};
            std::memcpy(bytes + 8 * (rng() % (sizeof(ose::Command) / 8)), &extremes[rng() % 6], 8);
            break;
        }
      }
      std::memcpy(rec + 8, &payload, sizeof payload);
    }
    applied += ose::fuzz::run_one(input.data(), input.size());
  }
  std::printf("fuzz: %ld inputs, %ld records applied, no crash, invariants held\n", iterations,
              applied);
  return 0;
}
