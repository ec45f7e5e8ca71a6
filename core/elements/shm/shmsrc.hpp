#pragma once
/// shmsrc: receives buffers from a shmsink of another local process (or this one)
/// through shared memory (GStreamer's shmsrc), without a copy.
///
/// On READY -> PAUSED it connects to the control socket `socket-path` (a unix
/// socket, confined to the media root like filesrc's location; a writer must be
/// listening, else the state change fails naming the path). The writer's caps come
/// as a string and are pushed downstream before the buffers that follow them (no
/// capsfilter needed, unlike GStreamer's shmsrc). Each buffer is read-only memory
/// viewing the writer's segment, mapped here once; when its last reference is gone
/// the writer is told and reuses the region. The source's task waits for data at
/// its boundary (has_data), never blocking a pool thread.
///
/// End: the writer's EOS is pushed as EOS; a control socket that closes without it
/// (the writer died or stopped) is an error, "Control socket has closed", as in
/// GStreamer.
///
/// Properties as GStreamer's: `socket-path`, `is-live` (default false: produce in
/// PAUSED too and preroll), and GstBaseSrc's `do-timestamp` (stamp each buffer with
/// the running time at which it arrived instead of the writer's pts).
///
/// Thread safety: create() runs in the streaming task; the socket is read on the
/// reader's thread (shm_reader); properties from any thread.

#include "core/base/base_src.hpp"
#include "core/elements/shm/shm_reader.hpp"

#include <memory>
#include <mutex>

namespace tessera::core {

class shmsrc final : public base_src {
 public:
  shmsrc(const element_factory& f, std::string name);
  ~shmsrc() override;
  static std::unique_ptr<element_factory> factory();

 protected:
  flow create(buffer& out) override;
  bool has_data() const override;
  bool is_live() const override { return props().get_bool(prop_is_live_); }
  result<void> start() override;
  void stop() override;
  result<void> check_property(std::size_t index, const property_value& v) const override;

 private:
  std::size_t prop_socket_path_, prop_is_live_, prop_do_timestamp_;
  mutable std::mutex mutex_;  // reader_
  std::shared_ptr<shm::shm_reader> reader_;
};

}  // namespace tessera::core
