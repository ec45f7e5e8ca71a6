#pragma once
/// The bounded send queue between producers and one client's writer coroutine.
///
/// Model: a producer (a pipeline thread, the RPC layer, a broadcast to many clients)
/// must never wait for a client. `try_push` takes a lock for a few instructions, and
/// when the queue is full it drops the OLDEST message and counts it: a slow client
/// loses old frames and sees the newest, and neither the producer nor the other
/// clients slow down. One writer coroutine per socket drains the queue: `take()` hands
/// it the oldest message, or, when there is none, arms a notifier that the next push
/// (or close) calls exactly once; the writer then sleeps until that notification.
/// The queue knows nothing of sockets or executors, so it may outlive the connection
/// and the io_context (a producer may still hold it); it then answers `closed`.

#include "net/metrics.hpp"
#include "net/shared_payload.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace tessera::net {

/// One queued message: shared bytes and their WebSocket framing.
struct outbound_message {
  shared_payload payload;
  message_kind kind = message_kind::binary;
};

/// What try_push did with the message.
enum class send_result {
  queued,                 ///< queued; nothing dropped
  queued_dropped_oldest,  ///< queued; the oldest queued message was dropped to make room
  closed,                 ///< not queued: the client is closed or closing
};

/// Bounded multi-producer, single-consumer FIFO with drop-oldest overflow.
/// Thread safety: every member may be called from any thread; `take` and
/// `set_notifier` by the single writer only.
class send_queue {
 public:
  /// `capacity` messages (at least 1); `counters` (optional) also counts queued and
  /// dropped messages server-wide.
  explicit send_queue(std::size_t capacity, std::shared_ptr<server_counters> counters = nullptr);
  send_queue(const send_queue&) = delete;
  send_queue& operator=(const send_queue&) = delete;

  /// Never blocks beyond a short lock.
  send_result try_push(outbound_message message);

  /// No further pushes are accepted. With `discard_pending`, queued messages are dropped
  /// (counted as dropped) so the writer can close at once; otherwise it drains them first.
  void close(bool discard_pending);

  enum class take_status {
    message,   ///< `message` holds the oldest queued message
    empty,     ///< nothing queued; the notifier will be called once when that changes
    finished,  ///< closed and drained: the writer should end
  };
  struct take_result {
    take_status status = take_status::empty;
    outbound_message message;
  };
  /// Writer side.
  take_result take();
  /// Writer side: the callback `take` arms; called from a producer's thread (or close),
  /// outside the lock. Pass nullptr when the writer is gone.
  void set_notifier(std::function<void()> notify);

  /// Writer side: one message was written to the socket.
  void note_sent(std::size_t bytes);

  bool is_closed() const;
  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }
  std::uint64_t queued_total() const;   ///< messages accepted by try_push
  std::uint64_t dropped_total() const;  ///< messages dropped (overflow or discarding close)
  std::uint64_t sent_total() const;     ///< messages the writer reported written

 private:
  std::function<void()> disarm_locked();

  const std::size_t capacity_;
  const std::shared_ptr<server_counters> counters_;
  mutable std::mutex mutex_;
  std::deque<outbound_message> items_;
  std::function<void()> notify_;
  bool waiting_ = false;  ///< take() returned empty and no notification was made since
  bool closed_ = false;
  std::uint64_t queued_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t sent_ = 0;
};

}  // namespace tessera::net
