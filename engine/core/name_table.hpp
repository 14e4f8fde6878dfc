// Wire names of enums: one table per enum, indexed by the value, built by names<kCount>() so
// that a table with a name missing (or one too many) does not compile. Both to_string and the
// parsers go through it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace ose::detail {

template <size_t N>
using NameTable = std::array<std::string_view, N>;

// A table for an enum of `kCount` values, one name per value in value order. (A bare
// std::array initializer would accept too few names and leave the rest empty.)
template <int kCount, typename... Names>
consteval NameTable<static_cast<size_t>(kCount)> names(Names... n) {
  static_assert(sizeof...(Names) == static_cast<size_t>(kCount),
                "one name per enum value, in value order");
  return {std::string_view{n}...};
}

// The name of `v`, or "?" for a value outside the table (a raw value read from elsewhere).
template <typename E, size_t N>
constexpr std::string_view name_of(E v, const NameTable<N>& table) noexcept {
  const auto i = static_cast<size_t>(v);
  return i < N ? table[i] : std::string_view{"?"};
}

// The value whose name is `s`, if any.
template <typename E, size_t N>
constexpr std::optional<E> value_of(std::string_view s, const NameTable<N>& table) noexcept {
  for (size_t i = 0; i < N; ++i) {
    if (table[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace ose::detail
