// libFuzzer entry point (clang only: -fsanitize=fuzzer). Build with
//   CXX=clang++ cmake -S . -B build-fuzz -DOSE_BUILD_LIBFUZZER=ON && ninja -C build-fuzz
//   ose_libfuzz_records build-fuzz/tests/ose_libfuzz_records -max_total_time=60
#include <cstdint>
#include <cstdlib>

#include "tests/fuzz/record_fuzz_target.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string error;
  if (!ose::fuzz::init(OSE_SOURCE_DIR, error)) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ose::fuzz::run_one(data, size);
  return 0;
}
