#include "core/graph/bus.hpp"

#include <algorithm>

namespace tessera::core {

std::string_view to_string(message_type t) noexcept {
  switch (t) {
    case message_type::error: return "error";
    case message_type::warning: return "warning";
    case message_type::eos: return "eos";
    case message_type::state_changed: return "state-changed";
    case message_type::qos: return "qos";
    case message_type::element: return "element";
    case message_type::latency: return "latency";
    case message_type::async_done: return "async-done";
    case message_type::stream_start: return "stream-start";
    case message_type::segment_done: return "segment-done";
  }
  return "unknown";
}

message state_changed_message(std::string source, state old, state now, state target) {
  message m(message_type::state_changed, std::move(source));
  m.set("old", std::string(to_string(old)))
      .set("new", std::string(to_string(now)))
      .set("pending", now == target ? std::string("void-pending") : std::string(to_string(target)));
  return m;
}

void bus::post(message m) {
  std::vector<std::shared_ptr<subscriber>> subs;
  {
    std::lock_guard lock(mutex_);
    subs.reserve(subscribers_.size());
    for (auto& [id, fn] : subscribers_) subs.push_back(fn);
  }
  // Outside the lock: a subscriber may take its own locks.
  for (auto& fn : subs) (*fn)(m);
  {
    std::lock_guard lock(mutex_);
    if (backlog_.size() >= max_backlog_) {
      backlog_.pop_front();
      ++dropped_;
    }
    backlog_.push_back(std::move(m));
  }
  cv_.notify_all();
}

std::uint64_t bus::subscribe(subscriber fn) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  subscribers_.emplace_back(id, std::make_shared<subscriber>(std::move(fn)));
  return id;
}

void bus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [id](auto& s) { return s.first == id; });
}

std::optional<message> bus::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !backlog_.empty(); })) return std::nullopt;
  message m = std::move(backlog_.front());
  backlog_.pop_front();
  return m;
}

std::optional<message> bus::pop_filtered(std::chrono::milliseconds timeout,
                                         std::initializer_list<message_type> types) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!backlog_.empty()) {
      message m = std::move(backlog_.front());
      backlog_.pop_front();
      if (std::find(types.begin(), types.end(), m.type) != types.end()) return m;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && backlog_.empty())
      return std::nullopt;
  }
}

void bus::clear() {
  std::lock_guard lock(mutex_);
  backlog_.clear();
}

std::uint64_t bus::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace tessera::core
