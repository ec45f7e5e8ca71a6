#pragma once
/// A segment (GstSegment): the part of the stream being played and how its
/// timestamps map to running time, the time sinks synchronise against.
///
///   running_time = (timestamp - start) / |rate| + base      for rate > 0
///
/// `base` is the running time already spent in earlier segments; a flushing seek
/// resets it to zero, a non-flushing one accumulates it.

#include "core/graph/clock_time.hpp"

#include <cstdint>

namespace tessera::core {

enum class seek_format { time, bytes };

struct segment {
  seek_format format = seek_format::time;
  double rate = 1.0;
  clock_time start = 0;          ///< first timestamp (or byte) in the segment
  clock_time stop = time_none;   ///< last, or none for "to the end"
  clock_time time = 0;           ///< stream time at start
  clock_time base = 0;           ///< running time at start
  clock_time position = 0;       ///< last position reached, in the segment's format

  /// Running time of `t`, or time_none when `t` is outside the segment.
  clock_time to_running_time(clock_time t) const noexcept {
    if (!is_valid_time(t) || t < start) return time_none;
    if (is_valid_time(stop) && t > stop) return time_none;
    const double r = rate < 0 ? -rate : rate;
    const auto offset = static_cast<clock_time>(static_cast<double>(t - start) / r);
    return base + offset;
  }

  /// Stream time of `t` (what a position query reports).
  clock_time to_stream_time(clock_time t) const noexcept {
    if (!is_valid_time(t) || t < start) return time_none;
    return time + (t - start);
  }

  /// Whether [t, t + duration) overlaps the segment at all (clipping).
  bool overlaps(clock_time t, clock_time duration) const noexcept {
    if (!is_valid_time(t)) return true;
    const clock_time end = is_valid_time(duration) ? t + duration : t;
    if (is_valid_time(stop) && t >= stop && !(t == stop && duration <= 0)) return false;
    return end >= start;
  }
};

}  // namespace tessera::core
