#pragma once
/// The answer to a latency query (GST_QUERY_LATENCY): whether a live source is
/// upstream, and the least and most time the data may be held on its way here.
///
/// A live source answers how long after its clock time a buffer is complete (one
/// frame or buffer period at least); every element on the way adds what it holds
/// (a queue up to its max-size-time). The pipeline takes the largest `min` over its
/// sinks as the latency and every sink renders at running time + latency, so a
/// buffer that took up to `min` to get there is still on time.

#include "core/graph/clock_time.hpp"

#include <algorithm>

namespace tessera::core {

struct latency_info {
  bool live = false;
  clock_time min = 0;          ///< the least latency a sink must allow for
  clock_time max = time_none;  ///< the most the elements can buffer (none: unlimited)

  /// Two upstream branches meeting (an element with several sink pads): live when
  /// either is; the larger minimum and the smaller maximum.
  latency_info combined_with(const latency_info& o) const noexcept {
    if (!o.live) return live ? *this : latency_info{false, std::max(min, o.min), min_max(max, o.max)};
    if (!live) return o;
    return {true, std::max(min, o.min), min_max(max, o.max)};
  }

  /// This element adds [add_min, add_max] (add_max none: it can hold any amount).
  latency_info plus(clock_time add_min, clock_time add_max) const noexcept {
    latency_info r = *this;
    r.min += add_min;
    r.max = is_valid_time(r.max) && is_valid_time(add_max) ? r.max + add_max : time_none;
    return r;
  }

 private:
  static clock_time min_max(clock_time a, clock_time b) noexcept {
    if (!is_valid_time(a)) return b;
    if (!is_valid_time(b)) return a;
    return std::min(a, b);
  }
};

}  // namespace tessera::core
