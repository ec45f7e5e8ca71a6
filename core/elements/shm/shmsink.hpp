#pragma once
/// shmsink: hands every buffer to other local processes through shared memory
/// (GStreamer's shmsink), without a copy.
///
/// On READY -> PAUSED the sink creates one POSIX shared-memory segment of
/// `shm-size` bytes (ShmMgr, core/tiles/shm_segment.hpp) and listens on the control
/// socket `socket-path` (a unix socket, confined to the media root like filesink's
/// location). Readers (shmsrc, in this or another process) connect there; each is
/// sent the segment's descriptor (SCM_RIGHTS), the caps as a string, then one small
/// message per buffer naming where its bytes lie (shm_protocol.hpp).
///
/// No copy: upstream that pad-allocates (testsrc peer-alloc=true, a transform in
/// front of the sink) gets its buffers from the segment (buffer_alloc), so they are
/// written in place and only named to the readers; anything else is copied into the
/// segment once (counted), as GStreamer's shmsink does for memory not its own. A
/// buffer stays in the segment until every reader that got it has released it (the
/// reader's last reference to it is gone).
///
/// Properties as GStreamer's: `socket-path`, `shm-size` (default 16 MiB here:
/// GStreamer's 64 KiB holds no video frame), `perms` (of the socket file, 0660),
/// `wait-for-connection` (render waits for a reader; without one, buffers are
/// dropped), and the base sink's `sync` etc. One more, `full-timeout` (ns): how long
/// a buffer waits for room in a full segment (readers still hold it) before it is
/// dropped with a warning; 0 drops at once. GStreamer waits without a bound there.
/// A reader that disconnects or dies is dropped with a warning and what it held is
/// released; the stream goes on. EOS is sent on to the readers.
///
/// A buffer is one region: a buffer of several memories is copied into one (tiled
/// frames, one memory per tile, are refused: the reader could not rebuild the tiles).
///
/// Thread safety: render/buffer_alloc run in the streaming task; the control socket
/// has its own thread (shm_writer); state changes stop both.

#include "core/base/base_sink.hpp"
#include "core/elements/shm/shm_writer.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace tessera::core {

class shmsink final : public base_sink {
 public:
  shmsink(const element_factory& f, std::string name);
  ~shmsink() override;
  static std::unique_ptr<element_factory> factory();

  bool event(pad& p, core::event ev) override;
  result<allocation> buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) override;

  /// Readers connected now (0 when stopped).
  std::size_t readers() const;
  /// Buffers sent that some reader still holds.
  std::size_t held_buffers() const;

 protected:
  flow render(buffer& b) override;
  void on_caps(const caps& c) override;
  void on_eos() override;
  state_change change_state(state from, state to) override;
  result<void> check_property(std::size_t index, const property_value& v) const override;

 private:
  result<void> start();
  void stop();
  /// A region of `size` bytes in the segment, waiting up to full-timeout for room.
  std::optional<memory> allocate_region(std::size_t size);
  flow copy_into_segment(buffer& b, buffer& out);

  std::size_t prop_socket_path_, prop_shm_size_, prop_perms_, prop_wait_, prop_full_timeout_;
  mutable std::mutex mutex_;  // writer_ and allocator_ (set and reset by state changes)
  std::shared_ptr<shm_allocator> allocator_;  // kept from start to the element's end
  std::vector<std::shared_ptr<shm_allocator>> retired_;  // earlier shm-sizes' (their memory may live on)
  std::shared_ptr<shm::shm_writer> writer_;
  std::string caps_text_;
  std::atomic<bool> tiled_{false};
  bool warned_full_ = false;  // streaming task
};

}  // namespace tessera::core
