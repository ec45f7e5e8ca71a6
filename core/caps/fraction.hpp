#pragma once
/// An exact rational number, GStreamer's GstFraction (framerates, aspect ratios).

#include "core/support/result.hpp"

#include <compare>
#include <cstdint>
#include <string>

namespace tessera::core {

/// An exact fraction num/den with 32-bit terms, always normalised: reduced by the
/// greatest common divisor, denominator > 0, zero is 0/1. Normalisation makes
/// memberwise equality exact equality (60/2 == 30/1); ordering cross-multiplies in
/// 64 bits, so comparisons are exact (no floating point).
///
/// A plain value: copy freely; const access from any thread.
class fraction {
 public:
  /// 0/1.
  constexpr fraction() noexcept = default;
  /// whole/1. The domain is symmetric, so INT32_MIN becomes -INT32_MAX.
  constexpr explicit fraction(std::int32_t whole) noexcept
      : num_(whole == INT32_MIN ? -INT32_MAX : whole) {}

  /// num/den, normalised. Fails for den == 0 and for terms that do not fit in
  /// [-2147483647, 2147483647] after reduction.
  static result<fraction> make(std::int64_t num, std::int64_t den);

  constexpr std::int32_t num() const noexcept { return num_; }
  constexpr std::int32_t den() const noexcept { return den_; }  ///< always > 0

  double to_double() const noexcept { return static_cast<double>(num_) / den_; }
  /// "30/1", "-1/2", "0/1": the caps syntax, always with a denominator.
  std::string to_string() const;

  friend constexpr bool operator==(fraction a, fraction b) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(fraction a, fraction b) noexcept {
    // Both denominators are positive, so cross-multiplication keeps the order;
    // each product is below 2^62 in magnitude.
    return static_cast<std::int64_t>(a.num_) * b.den_ <=>
           static_cast<std::int64_t>(b.num_) * a.den_;
  }

 private:
  std::int32_t num_ = 0;
  std::int32_t den_ = 1;
};

}  // namespace tessera::core
