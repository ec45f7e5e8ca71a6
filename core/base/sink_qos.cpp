#include "core/base/sink_qos.hpp"

namespace tessera::core {

namespace {

// Running averages over a window of `size` observations, as GStreamer's basesink
// keeps them: the window sizes are GStreamer's experimentally chosen ones (a rate that
// gets worse is followed faster than one that gets better).
clock_time running_avg(clock_time avg, clock_time v, int size) noexcept { return (v + (size - 1) * avg) / size; }
double running_avg(double avg, double v, int size) noexcept { return (v + (size - 1) * avg) / size; }

}  // namespace

void sink_qos::observe_arrival(clock_time start) noexcept {
  if (!is_valid_time(start)) return;
  if (is_valid_time(prev_start_) && prev_start_ < start) {
    const clock_time diff = start - prev_start_;
    avg_in_diff_ = is_valid_time(avg_in_diff_) ? running_avg(avg_in_diff_, diff, 8) : diff;
  }
  prev_start_ = start;
}

bool sink_qos::too_late(const observation& o, clock_time max_lateness) noexcept {
  emergency_ = false;
  bool late = false;
  if (o.jitter > 0 && max_lateness >= 0 && is_valid_time(o.start)) {
    // Late only past the buffer's own end plus max-lateness: a frame that still
    // covers the present is worth showing.
    clock_time limit = max_lateness;
    if (is_valid_time(o.stop) && o.stop > o.start)
      limit += o.stop;
    else
      limit += o.start + (is_valid_time(avg_in_diff_) ? avg_in_diff_ : 0);
    late = o.start + o.jitter > limit;
    if (late && is_valid_time(last_render_) && o.start - last_render_ > ns_per_second) {
      late = false;
      emergency_ = true;
    }
  }
  if (!late || !is_valid_time(last_render_)) last_render_ = o.start;
  return late;
}

std::optional<qos_report> sink_qos::perform(const observation& o, bool dropped) noexcept {
  if (!is_valid_time(o.start)) return std::nullopt;
  // When the buffer reached the sink and when it left it (after waiting, if early).
  const clock_time entered = o.jitter < 0 ? (o.start < -o.jitter ? 0 : o.start + o.jitter) : o.start + o.jitter;
  const clock_time left = o.jitter < 0 ? o.start : o.start + o.jitter;
  clock_time pt = avg_pt_;
  if (is_valid_time(last_left_)) pt = entered > last_left_ ? entered - last_left_ : 0;
  if (is_valid_time(pt)) avg_pt_ = is_valid_time(avg_pt_) ? running_avg(avg_pt_, pt, 8) : pt;

  const double rate = is_valid_time(avg_pt_) && is_valid_time(avg_in_diff_) && avg_in_diff_ > 0
                          ? static_cast<double>(avg_pt_) / static_cast<double>(avg_in_diff_)
                          : 1.0;
  if (is_valid_time(last_left_)) {
    if (dropped || avg_rate_ < 0.0)
      avg_rate_ = rate;
    else
      avg_rate_ = running_avg(avg_rate_, rate, rate > 1.0 ? 4 : 16);
  }
  last_left_ = left;
  if (avg_rate_ < 0.0) return std::nullopt;
  // Never report a time before 0 for an early buffer at the start of the stream.
  const clock_time diff = o.jitter < 0 && o.start < -o.jitter ? -o.start : o.jitter;
  return qos_report{avg_rate_, diff, o.start};
}

}  // namespace tessera::core
