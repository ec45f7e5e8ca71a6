#pragma once
/// A segment (GstSegment): the part of the stream being played and how its
/// timestamps map to running time, the time sinks synchronise against.
///
///   running_time = (timestamp - start) / |rate| + base      for rate > 0
///   running_time = (stop - timestamp) / |rate| + base       for rate < 0
///
/// `base` is the running time already spent in earlier segments; a flushing seek
/// resets it to zero, a non-flushing one accumulates it. A reverse segment plays from
/// `stop` down to `start`, so it needs a stop (the source fills it in when the seek
/// gave none), and a buffer [t, t + d) is due when the stream reaches its end t + d.

#include "core/graph/clock_time.hpp"

#include <algorithm>
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

  bool reverse() const noexcept { return rate < 0; }

  /// Running time of `t`, or time_none when `t` is outside the segment (or the
  /// segment is reverse and has no stop).
  clock_time to_running_time(clock_time t) const noexcept {
    if (!is_valid_time(t) || t < start) return time_none;
    if (is_valid_time(stop) && t > stop) return time_none;
    if (reverse() && !is_valid_time(stop)) return time_none;
    const double r = rate < 0 ? -rate : rate;
    const clock_time played = reverse() ? stop - t : t - start;
    return base + static_cast<clock_time>(static_cast<double>(played) / r);
  }

  /// Running time at which a sink shows the buffer [pts, pts + duration): its start
  /// going forward, its end going backward (where reverse playback reaches it first).
  clock_time buffer_running_time(clock_time pts, clock_time duration) const noexcept {
    if (reverse() && is_valid_time(pts) && is_valid_time(duration)) {
      const clock_time end = is_valid_time(stop) ? std::min(pts + duration, stop) : pts + duration;
      return to_running_time(end);
    }
    return to_running_time(pts);
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
