#include "core/caps/fraction.hpp"

#include <numeric>

namespace tessera::core {

result<fraction> fraction::make(std::int64_t num, std::int64_t den) {
  if (den == 0) {
    return fail(errc::invalid_argument,
                "fraction " + std::to_string(num) + "/0 has a zero denominator");
  }
  // 128-bit so that negating INT64_MIN and reducing cannot overflow.
  __extension__ typedef __int128 i128;
  __extension__ typedef unsigned __int128 u128;
  i128 n = num;
  i128 d = den;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  auto un = static_cast<u128>(n < 0 ? -n : n);
  auto ud = static_cast<u128>(d);
  // std::gcd has no 128-bit overload; Euclid on unsigned 128 is enough here.
  auto a = un, b = ud;
  while (b != 0) {
    auto t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) {
    n /= static_cast<i128>(a);
    d /= static_cast<i128>(a);
  }
  if (n == 0) d = 1;
  if (n > INT32_MAX || n < -INT32_MAX || d > INT32_MAX) {
    return fail(errc::out_of_range, "fraction " + std::to_string(num) + "/" + std::to_string(den) +
                                        " does not fit 32-bit numerator and denominator");
  }
  fraction f;
  f.num_ = static_cast<std::int32_t>(n);
  f.den_ = static_cast<std::int32_t>(d);
  return f;
}

std::string fraction::to_string() const {
  return std::to_string(num_) + "/" + std::to_string(den_);
}

}  // namespace tessera::core
