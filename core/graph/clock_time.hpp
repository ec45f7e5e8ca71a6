#pragma once
/// Time in tessera is a signed count of nanoseconds (GstClockTime), with -1 meaning
/// "none". Timestamps, durations, segment positions and clock readings all use it.

#include <chrono>
#include <cstdint>

namespace tessera::core {

using clock_time = std::int64_t;  // nanoseconds
inline constexpr clock_time time_none = -1;
inline constexpr clock_time ns_per_second = 1'000'000'000;

constexpr bool is_valid_time(clock_time t) noexcept { return t >= 0; }

/// Nanoseconds on the monotonic clock: the time base of every pipeline clock.
inline clock_time monotonic_now() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

__extension__ using int128 = __int128;  // GCC's 128-bit integer, for exact scaling

/// a * num / den without overflowing for the magnitudes media uses (frames at a rate).
constexpr std::int64_t scale_int(std::int64_t a, std::int64_t num, std::int64_t den) noexcept {
  return static_cast<std::int64_t>((static_cast<int128>(a) * num) / den);
}

}  // namespace tessera::core
