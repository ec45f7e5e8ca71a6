#pragma once
/// The quality-of-service bookkeeping of a synchronising sink (GstBaseSink's QoS).
///
/// For every buffer the sink renders or drops it knows the buffer's running time
/// [start, stop) and its jitter: the clock time it arrived at minus the time it was
/// due (running time + latency); negative when it came early and waited. From these
/// the sink keeps running averages of the spacing between buffers and of the time
/// upstream took to deliver each one, and their ratio is the proportion it reports
/// upstream (1.0: exactly real time; 2.0: upstream needs twice the time it has).
/// Transforms turn the report's timestamp + jitter into the earliest running time
/// worth processing.
///
/// A buffer is too late to render when it comes later than its end plus
/// max-lateness; yet when nothing was rendered for a second the next late buffer is
/// rendered anyway (GStreamer's emergency rule), so a viewer always sees something.
///
/// Thread safety: none; the sink's streaming task owns it (reset runs while no task
/// does).

#include "core/graph/clock_time.hpp"
#include "core/graph/event.hpp"

#include <optional>

namespace tessera::core {

class sink_qos {
 public:
  /// Running-time window of one buffer and its jitter (ns, < 0 when early).
  struct observation {
    clock_time start = time_none;
    clock_time stop = time_none;
    clock_time jitter = 0;
  };

  void reset() noexcept { *this = sink_qos{}; }

  /// A buffer starting at running time `start` is about to be synchronised: the
  /// spacing to the previous one feeds the average frame duration.
  void observe_arrival(clock_time start) noexcept;

  /// Whether `o` came too late for `max_lateness` (-1: never drop). Sets
  /// `emergency()` when a late buffer is rendered anyway because nothing was for a
  /// second. Call once per buffer, before rendering it.
  bool too_late(const observation& o, clock_time max_lateness) noexcept;
  bool emergency() const noexcept { return emergency_; }

  /// After the buffer was rendered (`dropped` false) or dropped: the QoS report to
  /// send upstream, from the second buffer on.
  std::optional<qos_report> perform(const observation& o, bool dropped) noexcept;

  /// The last proportion reported (1.0 before any).
  double proportion() const noexcept { return avg_rate_ < 0 ? 1.0 : avg_rate_; }

 private:
  clock_time prev_start_ = time_none;
  clock_time avg_in_diff_ = time_none;  ///< average spacing of buffers in running time
  clock_time last_left_ = time_none;    ///< when the previous buffer left the sink
  clock_time avg_pt_ = time_none;       ///< average time upstream took per buffer
  double avg_rate_ = -1.0;              ///< avg_pt / avg_in_diff, < 0 until known
  clock_time last_render_ = time_none;  ///< running time of the last rendered buffer
  bool emergency_ = false;
};

}  // namespace tessera::core
