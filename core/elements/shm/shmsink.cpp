#include "core/elements/shm/shmsink.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/memory/counters.hpp"
#include "core/support/confined_path.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> shmsink::factory() {
  auto props = base_sink::common_properties(true);
  props.push_back(string_property("socket-path",
                                  "Path of the control socket readers connect to (relative to the media root when "
                                  "one is set)",
                                  "", mutability::ready));
  props.push_back(int_property("shm-size", "Bytes of the shared memory segment", std::int64_t{16} << 20, 4096,
                               std::int64_t{1} << 32, mutability::ready));
  props.push_back(int_property("perms", "Permission bits of the control socket file", 0660, 0, 07777,
                               mutability::ready));
  props.push_back(bool_property("wait-for-connection", "Hold the stream until a reader is connected", true));
  props.push_back(int_property("full-timeout",
                               "Nanoseconds a buffer waits for room in a full segment before it is dropped "
                               "(0: drop at once)",
                               1'000'000'000, 0, std::int64_t{3600} * 1'000'000'000));
  return make_factory<shmsink>(
      "shmsink", "Shared memory sink", "Sink",
      "Hands buffers to other local processes through shared memory, without a copy",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}}, std::move(props));
}

shmsink::shmsink(const element_factory& f, std::string name)
    : base_sink(f, std::move(name)),
      prop_socket_path_(property_index("socket-path")),
      prop_shm_size_(property_index("shm-size")),
      prop_perms_(property_index("perms")),
      prop_wait_(property_index("wait-for-connection")),
      prop_full_timeout_(property_index("full-timeout")) {}

shmsink::~shmsink() { stop(); }

result<void> shmsink::check_property(std::size_t index, const property_value& v) const {
  if (index != prop_socket_path_ || !parent()) return {};
  if (auto r = check_location(parent()->limits().media_root, std::get<std::string>(v), false); !r)
    return error(r.error().code, name() + ": socket-path: " + r.error().message);
  return {};
}

std::size_t shmsink::readers() const {
  std::lock_guard lock(mutex_);
  return writer_ ? writer_->readers() : 0;
}

std::size_t shmsink::held_buffers() const {
  std::lock_guard lock(mutex_);
  return writer_ ? writer_->held_buffers() : 0;
}

result<void> shmsink::start() {
  const auto root = parent() ? parent()->limits().media_root : std::nullopt;
  auto l = shm::listen_at(root, props().get_string(prop_socket_path_),
                          static_cast<unsigned>(props().get_int(prop_perms_)));
  if (!l) return error(l.error().code, name() + ": " + l.error().message);
  const auto shm_size = static_cast<std::size_t>(props().get_int(prop_shm_size_));
  std::lock_guard lock(mutex_);
  if (!allocator_ || allocator_->segment_bytes() != shm_size) {
    // The old segment's memory may still live upstream: its allocator stays until we die.
    if (allocator_) retired_.push_back(std::move(allocator_));
    // One segment, reaching readers as a descriptor only (nothing left in /dev/shm).
    allocator_ = std::make_shared<shm_allocator>(shm_size, 1, false);
  }
  auto w = shm::shm_writer::start(std::move(l).value(), allocator_, [this](std::string text) {
    post_warning(std::move(text));
  });
  if (!w) return error(w.error().code, name() + ": " + w.error().message);
  writer_ = std::move(w).value();
  writer_->set_caps(caps_text_);
  warned_full_ = false;
  return {};
}

void shmsink::stop() {
  std::shared_ptr<shm::shm_writer> w;
  {
    std::lock_guard lock(mutex_);
    w = std::move(writer_);
  }
  if (w) w->interrupt();
  w.reset();  // joins the control thread, closes the readers' sockets, removes the socket file
  // allocator_ stays: memory it handed out may still be upstream (an allocator must
  // outlive its memory), and a restart with the same shm-size reuses the segment.
}

state_change shmsink::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    if (auto r = start(); !r) {
      post_error(r.error().code == make_error_code(errc::permission_denied) ? errc::permission_denied : errc::io_error,
                 r.error().message);
      return state_change::failure;
    }
  }
  if (from == state::paused && to == state::ready) {
    std::lock_guard lock(mutex_);
    if (writer_) writer_->interrupt();  // a render waiting for a reader or for room returns
  }
  const auto r = base_sink::change_state(from, to);
  if (from == state::paused && to == state::ready) stop();
  return r;
}

bool shmsink::event(pad& p, core::event ev) {
  if (ev.is<event_flush_start>() || ev.is<event_flush_stop>()) {
    std::lock_guard lock(mutex_);
    if (writer_) {
      if (ev.is<event_flush_start>()) writer_->interrupt();
      else writer_->resume();
    }
  }
  return base_sink::event(p, std::move(ev));
}

void shmsink::on_caps(const caps& c) {
  const std::string text = c.to_string();
  bool tiled = false;
  if (const structure* s = c.is_any() ? nullptr : c.structure_at(0)) tiled = s->get_string("layout") == "tiled";
  tiled_.store(tiled, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  caps_text_ = text;
  if (writer_) writer_->set_caps(text);
}

void shmsink::on_eos() {
  std::lock_guard lock(mutex_);
  if (writer_) writer_->send_eos();
}

std::optional<memory> shmsink::allocate_region(std::size_t size) {
  std::shared_ptr<shm_allocator> allocator;
  std::shared_ptr<shm::shm_writer> writer;
  {
    std::lock_guard lock(mutex_);
    allocator = allocator_;
    writer = writer_;
  }
  if (!allocator || !writer) return std::nullopt;
  std::optional<memory> out;
  const auto attempt = [&] {
    auto m = allocator->allocate(size);
    if (m) out = std::move(m).value();
    return out.has_value();
  };
  if (attempt()) return out;
  const auto timeout = std::chrono::nanoseconds(props().get_int(prop_full_timeout_));
  if (timeout.count() > 0) writer->wait_for_space(timeout, attempt);
  return out;
}

result<allocation> shmsink::buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) {
  bool running = false;
  {
    std::lock_guard lock(mutex_);
    running = writer_ != nullptr;
  }
  if (running && size > 0 && static_cast<std::int64_t>(size) <= props().get_int(prop_shm_size_)) {
    if (auto m = allocate_region(size)) {
      auto b = buffer::wrap(std::move(*m));
      if (b) return allocation{std::move(b).value(), c};
    }
  }
  // Not started, too big, or the segment stayed full: ordinary memory, which
  // render copies into the segment (or drops) when its turn comes.
  return base_sink::buffer_alloc(sinkpad, size, c);
}

flow shmsink::copy_into_segment(buffer& b, buffer& out) {
  const std::size_t size = b.size();
  if (static_cast<std::int64_t>(size) > props().get_int(prop_shm_size_))
    return fail_flow(errc::no_memory, name() + ": the shared memory segment of " +
                                          std::to_string(props().get_int(prop_shm_size_)) +
                                          " bytes is smaller than a buffer of " + std::to_string(size) +
                                          " bytes (raise shm-size)");
  auto region = allocate_region(size == 0 ? 1 : size);
  if (!region) return flow::ok;  // full: the caller drops the buffer
  if (size == 0) (void)region->resize(0, 0);
  {
    auto dst = region->map(map_access::write);
    if (!dst) return fail_flow(errc::io_error, name() + ": cannot map the segment: " + dst.error().message);
    auto src = b.map(map_access::read);
    if (!src) return fail_flow(errc::io_error, name() + ": cannot read the buffer: " + src.error().message);
    counted_copy(dst->data(), src->data(), size);
  }
  auto wrapped = buffer::wrap(std::move(*region));
  if (!wrapped) return fail_flow(errc::no_memory, name() + ": " + wrapped.error().message);
  out = std::move(wrapped).value();
  out.copy_metadata_from(b);
  return flow::ok;
}

flow shmsink::render(buffer& b) {
  std::shared_ptr<shm::shm_writer> writer;
  std::shared_ptr<shm_allocator> allocator;
  {
    std::lock_guard lock(mutex_);
    writer = writer_;
    allocator = allocator_;
  }
  if (!writer) return fail_flow(errc::bad_state, name() + ": not started");
  if (tiled_.load(std::memory_order_relaxed))
    return fail_flow(errc::not_negotiated,
                     name() + ": tiled frames (one memory per tile) cannot go through shared memory; put "
                              "videoconvert with video/x-raw,layout=linear before shmsink",
                     flow::not_negotiated);
  if (props().get_bool(prop_wait_) && !writer->wait_for_first_reader()) return flow::flushing;
  if (writer->readers() == 0) return flow::ok;  // nobody to hand it to (GStreamer drops it too)

  buffer out;
  if (b.n_memory() == 1 && allocator->owns(b.peek_memory(0))) {
    out = b.share();  // written in place by upstream: only named to the readers
  } else {
    if (const flow f = copy_into_segment(b, out); f != flow::ok) return f;
    if (out.n_memory() == 0) {
      if (!warned_full_) {
        warned_full_ = true;
        post_warning(name() + ": the shared memory segment stayed full (readers hold every region) for " +
                     std::to_string(props().get_int(prop_full_timeout_)) + " ns; dropping buffers until room is back");
      }
      return flow::ok;
    }
  }
  warned_full_ = false;
  writer->send(std::move(out));
  return flow::ok;
}

}  // namespace tessera::core
