#include "core/elements/shm/shm_reader.hpp"

#include <sys/socket.h>

namespace tessera::core::shm {

result<std::shared_ptr<shm_reader>> shm_reader::connect(const std::optional<std::filesystem::path>& media_root,
                                                        std::string_view path, std::function<void()> notify) {
  auto s = connect_to(media_root, path);
  if (!s) return s.error();
  std::shared_ptr<shm_reader> r(new shm_reader(std::move(s).value(), std::move(notify)));
  // The thread holds only a raw pointer: close() (from the owner or the destructor)
  // joins it before the object can go.
  r->thread_ = std::thread([p = r.get()] { p->run(); });
  return r;
}

shm_reader::shm_reader(unique_fd socket, std::function<void()> notify)
    : socket_(std::move(socket)), notify_(std::move(notify)) {}

shm_reader::~shm_reader() { close(); }

void shm_reader::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  // The receive returns (end of file) and the thread ends; later releases fail quietly.
  (void)::shutdown(socket_.get(), SHUT_RDWR);
  if (thread_.joinable()) {
    if (thread_.get_id() != std::this_thread::get_id()) thread_.join();
    else thread_.detach();  // the thread's last act: it touches nothing of ours after this
  }
  std::deque<item> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(items_);
    ready_ = 0;
  }
  // `dropped` dies here, outside the lock: its buffers' releases send on the socket.
}

bool shm_reader::has_item() const {
  std::lock_guard lock(mutex_);
  return ready_ > 0;
}

std::optional<shm_reader::item> shm_reader::pop() {
  std::lock_guard lock(mutex_);
  if (items_.empty()) return std::nullopt;
  item it = std::move(items_.front());
  items_.pop_front();
  if (it.kind != item_kind::caps) --ready_;
  return it;
}

void shm_reader::queue(item it) {
  const bool wake = it.kind != item_kind::caps;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    if (wake) ++ready_;
    items_.push_back(std::move(it));
  }
  if (wake && notify_) notify_();
}

void shm_reader::release(std::uint64_t buffer_id) noexcept {
  message_header h;
  h.type = message_type::release;
  h.buffer_id = buffer_id;
  // A writer that has gone (or dropped us) gets nothing: EPIPE is fine here.
  (void)send_message(socket_.get(), h);
}

bool shm_reader::handle(message m) {
  const message_header& h = m.header;
  switch (h.type) {
    case message_type::new_segment: {
      auto s = shm_segment::adopt(std::move(m.fd), m.payload.empty() ? "(unnamed)" : m.payload, true);
      if (!s) {
        queue({item_kind::failed, "cannot map the writer's segment: " + s.error().message, {}});
        return false;
      }
      segments_[h.segment_id] = std::move(s).value();
      return true;
    }
    case message_type::caps:
      queue({item_kind::caps, std::move(m.payload), {}});
      return true;
    case message_type::buffer: {
      auto seg = segments_.find(h.segment_id);
      if (seg == segments_.end() || h.offset > seg->second->size() || h.size > seg->second->size() - h.offset) {
        queue({item_kind::failed, "the writer named bytes outside its segments", {}});
        return false;
      }
      // The memory views the writer's bytes; its release tells the writer.
      auto mem = memory::wrap(seg->second->data(), seg->second->size(), h.offset, h.size, memory_flags::readonly,
                              [self = shared_from_this(), segment = seg->second, id = h.buffer_id] {
                                self->release(id);
                              });
      if (!mem) {
        release(h.buffer_id);
        queue({item_kind::failed, mem.error().message, {}});
        return false;
      }
      auto b = buffer::wrap(std::move(mem).value());
      if (!b) {
        queue({item_kind::failed, b.error().message, {}});
        return false;
      }
      b->pts = h.pts;
      b->dts = h.dts;
      b->duration = h.duration;
      b->offset = h.stream_offset;
      b->offset_end = h.stream_offset_end;
      b->flags = static_cast<buffer_flags>(h.flags);
      queue({item_kind::buffer, {}, std::move(b).value()});
      return true;
    }
    case message_type::eos:
      queue({item_kind::eos, {}, {}});
      return true;  // the socket closes after it: that is expected
    case message_type::release:
      break;
  }
  queue({item_kind::failed, "control socket returns wrong data", {}});
  return false;
}

void shm_reader::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
    }
    auto m = receive_message(socket_.get());
    if (!m) {
      queue({item_kind::failed, m.error().message, {}});
      return;
    }
    if (!*m) {
      queue({item_kind::closed, {}, {}});
      return;
    }
    if (!handle(std::move(**m))) return;
  }
}

}  // namespace tessera::core::shm
