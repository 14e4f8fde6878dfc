#include "tools/serve/bearer_auth.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ose::tools {

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{fmt::format("cannot read token file '{}': {}", path, std::strerror(errno))};
  std::string line;
  std::getline(in, line);
  const char* space = " \t\r\n";
  const size_t first = line.find_first_not_of(space);
  const size_t last = line.find_last_not_of(space);
  const std::string token = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (token.size() < 16) {
    return Error{
        fmt::format("token file '{}': the token (its first line) must be at least 16 "
                    "characters, e.g. `openssl rand -hex 32 > {}`",
                    path, path)};
  }
  return token;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Every byte of `a` is looked at whatever `b` holds; a length difference counts as a mismatch.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    const unsigned char other = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ other));
  }
  // Through a volatile so the compiler cannot turn the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

bool bearer_matches(std::string_view authorization, std::string_view token) noexcept {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size() || authorization.substr(0, kScheme.size()) != kScheme) {
    return false;
  }
  return constant_time_equal(token, authorization.substr(kScheme.size()));
}

}  // namespace ose::tools
