#include "net/send_queue.hpp"

#include <algorithm>
#include <utility>

namespace tessera::net {

send_queue::send_queue(std::size_t capacity, std::shared_ptr<server_counters> counters)
    : capacity_(std::max<std::size_t>(capacity, 1)), counters_(std::move(counters)) {}

std::function<void()> send_queue::disarm_locked() {
  if (!waiting_) return {};
  waiting_ = false;
  return notify_;
}

send_result send_queue::try_push(outbound_message message) {
  std::function<void()> wake;
  outbound_message evicted;  // released outside the lock: it may free a large frame
  bool dropped = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return send_result::closed;
    if (items_.size() >= capacity_) {
      evicted = std::move(items_.front());
      items_.pop_front();
      ++dropped_;
      dropped = true;
    }
    items_.push_back(std::move(message));
    ++queued_;
    wake = disarm_locked();
  }
  if (counters_) {
    server_counters::bump(counters_->messages_queued);
    if (dropped) server_counters::bump(counters_->messages_dropped);
  }
  if (wake) wake();
  return dropped ? send_result::queued_dropped_oldest : send_result::queued;
}

void send_queue::close(bool discard_pending) {
  std::function<void()> wake;
  std::deque<outbound_message> discarded;
  {
    std::lock_guard lock(mutex_);
    if (discard_pending) {
      discarded.swap(items_);
      dropped_ += discarded.size();
    }
    closed_ = true;
    wake = disarm_locked();
  }
  if (counters_ && !discarded.empty()) {
    server_counters::bump(counters_->messages_dropped, discarded.size());
  }
  if (wake) wake();
}

send_queue::take_result send_queue::take() {
  std::lock_guard lock(mutex_);
  if (!items_.empty()) {
    take_result r{take_status::message, std::move(items_.front())};
    items_.pop_front();
    return r;
  }
  if (closed_) return {take_status::finished, {}};
  waiting_ = true;
  return {take_status::empty, {}};
}

void send_queue::set_notifier(std::function<void()> notify) {
  std::lock_guard lock(mutex_);
  notify_ = std::move(notify);
  if (!notify_) waiting_ = false;
}

void send_queue::note_sent(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    ++sent_;
  }
  if (counters_) {
    server_counters::bump(counters_->messages_sent);
    server_counters::bump(counters_->bytes_sent, bytes);
  }
}

bool send_queue::is_closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t send_queue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

std::uint64_t send_queue::queued_total() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

std::uint64_t send_queue::dropped_total() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::uint64_t send_queue::sent_total() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

}  // namespace tessera::net
