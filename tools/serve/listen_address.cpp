#include "tools/serve/listen_address.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace ose::tools {

namespace {

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;  // any other name may resolve to anything
}

}  // namespace

Result<ListenAddress> parse_listen_address(const std::string& text) {
  const auto bad = [&](const char* why) {
    return Error{
        fmt::format("--listen '{}': {} (expected HOST:PORT, e.g. 127.0.0.1:9464 or "
                    "[::1]:9464)",
                    text, why)};
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("no host or no port");
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.front() == '[') {
    if (a.host.size() < 3 || a.host.back() != ']') return bad("unbalanced brackets");
    a.host = a.host.substr(1, a.host.size() - 2);
  } else if (a.host.find(':') != std::string::npos) {
    return bad("an IPv6 address goes in brackets");
  }
  const std::string port = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || a.port < 0 ||
      a.port > 65535) {
    return bad("the port is not a number from 0 to 65535");
  }
  a.loopback = is_loopback(a.host);
  return a;
}

}  // namespace ose::tools
