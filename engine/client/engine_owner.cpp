#include "engine/client/engine_owner.hpp"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

namespace ose {

Result<std::vector<uint32_t>> trusted_engine_owners() {
  const char* env = std::getenv("OSE_ENGINE_USER");
  if (env == nullptr || *env == '\0') {
    return std::vector<uint32_t>{static_cast<uint32_t>(::geteuid()), 0u};
  }
  const std::string_view text(env);
  uint32_t uid = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), uid);
  if (ec == std::errc{} && end == text.data() + text.size()) return std::vector<uint32_t>{uid};
  // Cold path, once per attach: getpwnam's static buffer is fine here.
  const passwd* pw = ::getpwnam(env);
  if (pw == nullptr) {
    return Error{"OSE_ENGINE_USER='" + std::string(text) + "' names no user on this host"};
  }
  return std::vector<uint32_t>{static_cast<uint32_t>(pw->pw_uid)};
}

}  // namespace ose
