#pragma once
/// Bit operations for flag enums (memory_flags, perm, buffer_flags, ...).
///
/// An enum opts in by specialising `is_bitmask`; the operators then work on it
/// and on nothing else, so a typo like `perm::read | buffer_flags::gap` does not
/// compile.

#include <type_traits>

namespace tessera::core {

template <class E>
struct is_bitmask : std::false_type {};

template <class E>
concept bitmask_enum = std::is_enum_v<E> && is_bitmask<E>::value;

template <bitmask_enum E>
constexpr E operator|(E a, E b) noexcept {
  using u = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<u>(a) | static_cast<u>(b));
}
template <bitmask_enum E>
constexpr E operator&(E a, E b) noexcept {
  using u = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<u>(a) & static_cast<u>(b));
}
template <bitmask_enum E>
constexpr E operator^(E a, E b) noexcept {
  using u = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<u>(a) ^ static_cast<u>(b));
}
template <bitmask_enum E>
constexpr E operator~(E a) noexcept {
  using u = std::underlying_type_t<E>;
  return static_cast<E>(static_cast<u>(~static_cast<u>(a)));
}
template <bitmask_enum E>
constexpr E& operator|=(E& a, E b) noexcept { return a = a | b; }
template <bitmask_enum E>
constexpr E& operator&=(E& a, E b) noexcept { return a = a & b; }
template <bitmask_enum E>
constexpr E& operator^=(E& a, E b) noexcept { return a = a ^ b; }

/// True when any bit of `bits` is set in `set`.
template <bitmask_enum E>
constexpr bool has_any(E set, E bits) noexcept {
  return static_cast<std::underlying_type_t<E>>(set & bits) != 0;
}
/// True when every bit of `bits` is set in `set` (true for an empty `bits`).
template <bitmask_enum E>
constexpr bool has_all(E set, E bits) noexcept {
  return (set & bits) == bits;
}

}  // namespace tessera::core
