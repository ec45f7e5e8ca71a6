#pragma once
/// The bus (GstBus): the one channel from a pipeline's threads to its application.
///
/// Elements post from any thread. Two ways to listen:
///  - subscribers: callbacks run on the posting thread, right away; they must be
///    quick and thread-safe (the server forwards into its own executor);
///  - a backlog popped with a timeout (tessera launch waits on it).
/// The backlog is bounded: past `max_backlog` the oldest message is dropped and
/// counted, so a pipeline nobody reads cannot grow memory.
///
/// Thread safety: every member is safe to call from any thread. A subscriber must not
/// call unsubscribe or post on the same bus from inside its callback.

#include "core/graph/message.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace tessera::core {

class bus {
 public:
  using subscriber = std::function<void(const message&)>;

  explicit bus(std::size_t max_backlog = 4096) : max_backlog_(max_backlog) {}
  bus(const bus&) = delete;
  bus& operator=(const bus&) = delete;

  void post(message m);

  std::uint64_t subscribe(subscriber fn);
  void unsubscribe(std::uint64_t id);

  /// The oldest message, waiting up to `timeout` for one.
  std::optional<message> pop(std::chrono::milliseconds timeout);
  /// The oldest message of one of `types`, dropping the others on the way.
  std::optional<message> pop_filtered(std::chrono::milliseconds timeout,
                                      std::initializer_list<message_type> types);
  void clear();

  std::uint64_t dropped() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<message> backlog_;
  std::size_t max_backlog_;
  std::uint64_t dropped_ = 0;
  std::uint64_t next_id_ = 1;
  std::vector<std::pair<std::uint64_t, std::shared_ptr<subscriber>>> subscribers_;
};

}  // namespace tessera::core
