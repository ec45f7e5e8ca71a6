#pragma once
/// What websink hands to its viewers: one encoded JPEG frame, shared (never copied)
/// between all of them. Subscribers are called on the streaming thread and must not
/// block: the server's subscriber does a try_send into the client's bounded queue.

#include "core/graph/clock_time.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tessera::core {

struct encoded_frame {
  std::shared_ptr<const std::byte[]> data;  ///< JPEG bytes
  std::size_t size = 0;
  int width = 0;
  int height = 0;
  clock_time pts = time_none;
  std::uint64_t sequence = 0;  ///< counts frames handed out by this sink
};

class frame_subscriber {
 public:
  virtual ~frame_subscriber() = default;
  virtual void on_frame(const encoded_frame& frame) = 0;
  virtual void on_eos() {}
};

}  // namespace tessera::core
