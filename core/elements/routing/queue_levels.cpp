// queue: the stored items and their level (buffers, bytes, running time), and the
// wake-ups of the two sides. Everything here runs under the queue's mutex, except
// the two readers at the top that take it. The model is described in queue.cpp.

#include "core/elements/routing/queue.hpp"

#include <algorithm>

namespace tessera::core {

queue::level queue::current_level() const {
  std::lock_guard lock(mutex_);
  return level{level_buffers_, level_bytes_, time_level_locked()};
}

std::uint64_t queue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

clock_time queue::time_level_locked() const {
  if (timed_buffers_ == 0) return 0;
  return std::max<clock_time>(0, newest_end_rt_ - oldest_start_rt_);
}

void queue::publish_level_locked() {
  auto& p = mutable_props();
  p.set(prop_cur_buffers_, property_value{static_cast<std::int64_t>(level_buffers_)});
  p.set(prop_cur_bytes_, property_value{static_cast<std::int64_t>(level_bytes_)});
  p.set(prop_cur_time_, property_value{time_level_locked()});
  p.set(prop_dropped_, property_value{static_cast<std::int64_t>(dropped_)});
}

queue::item queue::make_item_locked(buffer&& b) const {
  item it;
  if (is_valid_time(b.pts)) {
    it.start_rt = sink_segment_.to_running_time(b.pts);
    if (is_valid_time(it.start_rt)) {
      const double rate = sink_segment_.rate < 0 ? -sink_segment_.rate : sink_segment_.rate;
      it.end_rt = it.start_rt + (is_valid_time(b.duration) ? static_cast<clock_time>(static_cast<double>(b.duration) / rate) : 0);
    }
  }
  it.bytes = b.size();
  it.data = std::move(b);
  return it;
}

bool queue::fits_locked(const item& it) const {
  if (!it.is_buffer() || level_buffers_ == 0) return true;
  const std::int64_t max_buffers = props().get_int(prop_max_buffers_);
  if (max_buffers > 0 && level_buffers_ + 1 > static_cast<std::uint64_t>(max_buffers)) return false;
  const std::int64_t max_bytes = props().get_int(prop_max_bytes_);
  if (max_bytes > 0 && level_bytes_ + it.bytes > static_cast<std::uint64_t>(max_bytes)) return false;
  const std::int64_t max_time = props().get_int(prop_max_time_);
  if (max_time > 0 && is_valid_time(it.start_rt)) {
    const clock_time start = timed_buffers_ ? oldest_start_rt_ : it.start_rt;
    const clock_time end = timed_buffers_ ? std::max(newest_end_rt_, it.end_rt) : it.end_rt;
    if (end - start > max_time) return false;
  }
  return true;
}

void queue::push_locked(item&& it) {
  if (it.is_buffer()) {
    ++level_buffers_;
    level_bytes_ += it.bytes;
    if (is_valid_time(it.start_rt)) {
      if (timed_buffers_++ == 0) {
        oldest_start_rt_ = it.start_rt;
        newest_end_rt_ = it.end_rt;
      } else {
        newest_end_rt_ = std::max(newest_end_rt_, it.end_rt);
      }
    }
  }
  items_.push_back(std::move(it));
  publish_level_locked();
  wake_output_locked();
}

void queue::forget_buffer_locked(const item& it) {
  --level_buffers_;
  level_bytes_ -= it.bytes;
  if (is_valid_time(it.start_rt) && --timed_buffers_ == 0) {
    oldest_start_rt_ = time_none;
    newest_end_rt_ = time_none;
  }
}

void queue::recompute_oldest_locked() {
  if (timed_buffers_ == 0) return;
  for (auto& it : items_)
    if (it.is_buffer() && is_valid_time(it.start_rt)) {
      oldest_start_rt_ = it.start_rt;
      return;
    }
}

queue::item queue::pop_front_locked() {
  item it = std::move(items_.front());
  items_.pop_front();
  if (it.is_buffer()) {
    forget_buffer_locked(it);
    recompute_oldest_locked();
  }
  publish_level_locked();
  wake_upstream_locked();
  return it;
}

void queue::drop_oldest_buffer_locked() {
  auto victim = std::find_if(items_.begin(), items_.end(), [](const item& it) { return it.is_buffer(); });
  if (victim == items_.end()) return;
  forget_buffer_locked(*victim);
  items_.erase(victim);
  recompute_oldest_locked();
  ++dropped_;
}

void queue::clear_locked() {
  items_.clear();
  pending_.clear();
  level_buffers_ = 0;
  level_bytes_ = 0;
  timed_buffers_ = 0;
  oldest_start_rt_ = time_none;
  newest_end_rt_ = time_none;
  publish_level_locked();
}

void queue::wake_output_locked() {
  if (output_waiting_) {
    output_waiting_ = false;
    output_wake_.notify();
  }
}

void queue::wake_upstream_locked() {
  if (upstream_waiting_) {
    upstream_waiting_ = false;
    space_wake_.notify();
  }
  if (blocked_callers_ > 0) space_cv_.notify_all();
}

}  // namespace tessera::core
