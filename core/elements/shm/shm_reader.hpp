#pragma once
/// shm_reader: shmsrc's end of the control socket (shm_protocol.hpp).
///
/// A thread of its own waits on the socket (a blocking receive must not hold a
/// streaming thread) and turns what the writer sends into a queue of items for the
/// source's task: caps, buffers, EOS, or the end of the control socket. A segment
/// arrives as a descriptor and is mapped read-only; a buffer becomes memory that
/// views the writer's bytes in that mapping (no copy) and whose release, when its
/// last reference is gone on whatever thread, sends `release` back so the writer may
/// reuse the region. Buffers outlive the source if need be: each holds the reader
/// (shared_ptr) and its segment mapping.
///
/// Ownership: shared by the source and every buffer it produced; close() stops the
/// thread (the socket itself closes with the last owner, so a late release never
/// writes to a recycled descriptor number). Thread safety: all members, any thread.

#include "core/elements/shm/shm_protocol.hpp"
#include "core/memory/buffer.hpp"
#include "core/tiles/shm_segment.hpp"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace tessera::core::shm {

class shm_reader : public std::enable_shared_from_this<shm_reader> {
 public:
  enum class item_kind { caps, buffer, eos, closed, failed };
  struct item {
    item_kind kind = item_kind::closed;
    std::string text;  ///< caps: the caps string; failed: why
    core::buffer buffer;
  };

  /// Connects to the writer at `path`; `notify` is called (on the reader's thread)
  /// whenever an item that is not caps is queued.
  static result<std::shared_ptr<shm_reader>> connect(const std::optional<std::filesystem::path>& media_root,
                                                     std::string_view path, std::function<void()> notify);
  ~shm_reader();
  shm_reader(const shm_reader&) = delete;
  shm_reader& operator=(const shm_reader&) = delete;

  /// Whether an item other than caps is queued (caps always come before one).
  bool has_item() const;
  /// The oldest item, if any.
  std::optional<item> pop();
  /// Stops receiving and drops what is queued (their buffers are released).
  void close();

 private:
  explicit shm_reader(unique_fd socket, std::function<void()> notify);
  void run();
  /// Handles one message; false when the stream is over (eos, closed, failed).
  bool handle(message m);
  void queue(item it);
  void release(std::uint64_t buffer_id) noexcept;

  const unique_fd socket_;
  std::function<void()> notify_;
  std::map<std::uint32_t, std::shared_ptr<shm_segment>> segments_;  // the reader thread's
  mutable std::mutex mutex_;
  std::deque<item> items_;
  std::size_t ready_ = 0;  // items_ that are not caps
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace tessera::core::shm
