#pragma once
/// shm_writer: shmsink's end of the control socket (shm_protocol.hpp).
///
/// A thread of its own accepts readers and reads what they send (release
/// messages), because those come at any time and a blocking poll must not hold a
/// streaming thread; every message *to* a reader is sent by the streaming task (under
/// the writer's lock, never blocking: a reader whose socket is full is dropped), so a
/// reader always gets its segments and the caps before the first buffer that needs
/// them.
///
/// Every buffer sent is held (a reference to its memory) until each reader that got
/// it has released it; then its region goes back to the segment. A reader that
/// disconnects, dies, or sends something that is not the protocol is dropped at
/// once and everything it held is released, with a warning through `warn`: the
/// writer never waits for a reader that has gone.
///
/// Ownership: owns the listening socket, the reader sockets, the held memory and the
/// thread (joined by the destructor, which also removes the socket file).
/// Thread safety: every public member may be called from any thread.

#include "core/elements/shm/shm_protocol.hpp"
#include "core/memory/buffer.hpp"
#include "core/tiles/shm_allocator.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace tessera::core::shm {

class shm_writer {
 public:
  using warn_fn = std::function<void(std::string)>;

  /// Serves readers on `l`, naming regions of `segments`' segments to them.
  static result<std::unique_ptr<shm_writer>> start(listener l, std::shared_ptr<shm_allocator> segments, warn_fn warn);
  ~shm_writer();
  shm_writer(const shm_writer&) = delete;
  shm_writer& operator=(const shm_writer&) = delete;

  std::size_t readers() const;
  /// Buffers some reader still holds.
  std::size_t held_buffers() const;

  /// Waits until a reader has connected since start (one that left since does not
  /// count: the stream goes on without readers); false when interrupted (interrupt()).
  bool wait_for_first_reader();
  /// Runs `attempt` until it returns true, again whenever a reader releases a buffer
  /// (and at least every 20 ms), for at most `timeout`; false on timeout or
  /// interrupt(). For a full segment.
  bool wait_for_space(std::chrono::nanoseconds timeout, const std::function<bool()>& attempt);
  /// Wakes and refuses every wait until resume() (flush-start, state change down).
  void interrupt();
  void resume();

  /// The caps every reader gets before the next buffer.
  void set_caps(std::string caps_text);
  /// Sends `b` (one memory of `segments`) to every reader and holds it until they
  /// release it. Returns the readers it went to.
  std::size_t send(buffer b);
  void send_eos();

 private:
  struct reader {
    std::uint64_t id = 0;
    unique_fd socket;
    std::size_t segments_announced = 0;
    std::string caps_sent;
    bool dropped = false;  // send failed: the I/O thread removes it
  };
  struct held {
    buffer b;
    std::set<std::uint64_t> readers;
  };

  shm_writer(listener l, std::shared_ptr<shm_allocator> segments, warn_fn warn, unique_fd wake);
  void run();
  void accept_reader();
  /// Reads one message from reader `id`; false when the reader must go.
  bool read_from(std::uint64_t id, int socket);
  void drop_reader_locked(std::uint64_t id, const std::string& why);
  result<void> prepare_locked(reader& r, std::uint32_t segment_id);

  listener listener_;
  std::shared_ptr<shm_allocator> allocator_;
  warn_fn warn_;
  unique_fd wake_;  // eventfd: stops the I/O thread's poll
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // readers came or went, buffers were released, interrupts
  std::vector<std::unique_ptr<reader>> readers_;
  std::map<std::uint64_t, held> held_;
  std::string caps_;
  std::uint64_t next_reader_id_ = 1;
  std::uint64_t next_buffer_id_ = 1;
  bool had_reader_ = false;
  bool interrupted_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tessera::core::shm
