#include "core/elements/shm/shm_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tessera::core::shm {

result<std::unique_ptr<shm_writer>> shm_writer::start(listener l, std::shared_ptr<shm_allocator> segments,
                                                      warn_fn warn) {
  unique_fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return fail(errc::io_error, std::string("cannot create an eventfd: ") + std::strerror(errno));
  std::unique_ptr<shm_writer> w(new shm_writer(std::move(l), std::move(segments), std::move(warn), std::move(wake)));
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  return w;
}

shm_writer::shm_writer(listener l, std::shared_ptr<shm_allocator> segments, warn_fn warn, unique_fd wake)
    : listener_(std::move(l)), allocator_(std::move(segments)), warn_(std::move(warn)), wake_(std::move(wake)) {}

shm_writer::~shm_writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    interrupted_ = true;
  }
  changed_.notify_all();
  const std::uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  unlink_listener(listener_);
  // The reader sockets close with readers_: a reader still connected sees the end of
  // its control socket after the messages already queued (eos among them).
}

std::size_t shm_writer::readers() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(readers_.begin(), readers_.end(), [](const auto& r) { return !r->dropped; }));
}

std::size_t shm_writer::held_buffers() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

bool shm_writer::wait_for_first_reader() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return interrupted_ || had_reader_; });
  return !interrupted_;
}

bool shm_writer::wait_for_space(std::chrono::nanoseconds timeout, const std::function<bool()>& attempt) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (interrupted_) return false;
    // The attempt allocates from the segment, whose own lock is independent of ours.
    lock.unlock();
    if (attempt()) return true;
    lock.lock();
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // Regions also come back when upstream drops its own references, which nobody
    // signals: look again at least every 20 ms.
    changed_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(20)));
  }
}

void shm_writer::interrupt() {
  {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
  }
  changed_.notify_all();
}

void shm_writer::resume() {
  std::lock_guard lock(mutex_);
  if (!stopping_) interrupted_ = false;
}

void shm_writer::set_caps(std::string caps_text) {
  std::lock_guard lock(mutex_);
  caps_ = std::move(caps_text);
}

result<void> shm_writer::prepare_locked(reader& r, std::uint32_t segment_id) {
  const auto segments = allocator_->segments().segments();
  for (; r.segments_announced <= segment_id && r.segments_announced < segments.size(); ++r.segments_announced) {
    const auto& s = segments[r.segments_announced];
    message_header h;
    h.type = message_type::new_segment;
    h.segment_id = static_cast<std::uint32_t>(r.segments_announced);
    h.size = s->size();
    if (auto sent = send_message(r.socket.get(), h, s->name(), s->fd(), true); !sent) return sent;
  }
  if (r.caps_sent != caps_) {
    message_header h;
    h.type = message_type::caps;
    if (auto sent = send_message(r.socket.get(), h, caps_, -1, true); !sent) return sent;
    r.caps_sent = caps_;
  }
  return {};
}

std::size_t shm_writer::send(buffer b) {
  if (b.n_memory() != 1) return 0;
  const memory& m = b.peek_memory(0);
  const auto where = allocator_->locate(m);
  if (!where) return 0;
  const auto segments = allocator_->segments().segments();
  std::uint32_t segment_id = 0;
  while (segment_id < segments.size() && segments[segment_id]->name() != where->segment_name) ++segment_id;
  if (segment_id == segments.size()) return 0;
  // The readers map the pages read-only; nobody here may write them any more either.
  const_cast<memory&>(m).set_readonly();

  std::lock_guard lock(mutex_);
  message_header h;
  h.type = message_type::buffer;
  h.buffer_id = next_buffer_id_++;
  h.segment_id = segment_id;
  h.flags = static_cast<std::uint32_t>(b.flags);
  h.offset = where->offset;
  h.size = m.size();
  h.pts = b.pts;
  h.dts = b.dts;
  h.duration = b.duration;
  h.stream_offset = b.offset;
  h.stream_offset_end = b.offset_end;
  held entry;
  for (auto& r : readers_) {
    if (r->dropped) continue;
    auto sent = prepare_locked(*r, segment_id);
    if (sent) sent = send_message(r->socket.get(), h, {}, -1, true);
    if (!sent) {
      drop_reader_locked(r->id, sent.error().message);
      continue;
    }
    entry.readers.insert(r->id);
  }
  const std::size_t count = entry.readers.size();
  if (count > 0) {
    entry.b = std::move(b);
    held_.emplace(h.buffer_id, std::move(entry));
  }
  return count;
}

void shm_writer::send_eos() {
  std::lock_guard lock(mutex_);
  message_header h;
  h.type = message_type::eos;
  for (auto& r : readers_) {
    if (r->dropped) continue;
    if (auto sent = send_message(r->socket.get(), h, {}, -1, true); !sent) drop_reader_locked(r->id, sent.error().message);
  }
}

void shm_writer::drop_reader_locked(std::uint64_t id, const std::string& why) {
  auto it = std::find_if(readers_.begin(), readers_.end(), [&](const auto& r) { return r->id == id; });
  if (it == readers_.end() || (*it)->dropped) return;
  (*it)->dropped = true;
  // Wakes the I/O thread's poll on this socket, which then forgets the reader.
  (void)::shutdown((*it)->socket.get(), SHUT_RDWR);
  std::size_t released = 0;
  for (auto h = held_.begin(); h != held_.end();) {
    if (h->second.readers.erase(id) > 0) ++released;
    h = h->second.readers.empty() ? held_.erase(h) : std::next(h);
  }
  changed_.notify_all();
  if (warn_)
    warn_("reader " + std::to_string(id) + " dropped (" + why + "); " + std::to_string(released) +
          " buffer(s) it held are released");
}

void shm_writer::accept_reader() {
  unique_fd s(::accept4(listener_.socket.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!s) return;  // the peer gave up already, or a transient error: poll again
  auto r = std::make_unique<reader>();
  r->socket = std::move(s);
  {
    std::lock_guard lock(mutex_);
    r->id = next_reader_id_++;
    readers_.push_back(std::move(r));
    had_reader_ = true;
  }
  changed_.notify_all();
}

bool shm_writer::read_from(std::uint64_t id, int socket) {
  auto m = receive_message(socket);
  std::lock_guard lock(mutex_);
  if (!m) {
    drop_reader_locked(id, m.error().message);
    return false;
  }
  if (!*m) {
    drop_reader_locked(id, "it closed its control socket");
    return false;
  }
  const message_header& h = (**m).header;
  if (h.type != message_type::release) {
    drop_reader_locked(id, "it sent a message a reader never sends");
    return false;
  }
  auto it = held_.find(h.buffer_id);
  if (it != held_.end() && it->second.readers.erase(id) > 0 && it->second.readers.empty()) {
    held_.erase(it);  // the last reference here: the region goes back to the segment
    changed_.notify_all();
  }
  return true;
}

void shm_writer::run() {
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> ids;
  for (;;) {
    fds.clear();
    ids.clear();
    fds.push_back({wake_.get(), POLLIN, 0});
    fds.push_back({listener_.socket.get(), POLLIN, 0});
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      // Forget readers that were dropped (their sockets close here, on this thread,
      // so no poll below ever waits on a closed descriptor).
      std::erase_if(readers_, [](const auto& r) { return r->dropped; });
      for (const auto& r : readers_) {
        fds.push_back({r->socket.get(), POLLIN, 0});
        ids.push_back(r->id);
      }
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      if (warn_) warn_(std::string("control socket poll failed: ") + std::strerror(errno));
      return;
    }
    if (fds[0].revents != 0) {
      std::uint64_t n;
      (void)::read(wake_.get(), &n, sizeof n);
    }
    if (fds[1].revents & POLLIN) accept_reader();
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].revents & POLLIN) {
        read_from(ids[i - 2], fds[i].fd);
      } else {
        std::lock_guard lock(mutex_);
        drop_reader_locked(ids[i - 2], "its control socket hung up");
      }
    }
  }
}

}  // namespace tessera::core::shm
