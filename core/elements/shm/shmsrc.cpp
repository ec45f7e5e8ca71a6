#include "core/elements/shm/shmsrc.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/support/confined_path.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> shmsrc::factory() {
  return make_factory<shmsrc>(
      "shmsrc", "Shared memory source", "Source",
      "Receives buffers from a shmsink of another local process through shared memory, without a copy",
      {pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
      {string_property("socket-path",
                       "Path of the writer's control socket (relative to the media root when one is set)", "",
                       mutability::ready),
       bool_property("is-live", "Act as a live source", false, mutability::ready),
       bool_property("do-timestamp", "Stamp each buffer with the running time at which it arrived", false)});
}

shmsrc::shmsrc(const element_factory& f, std::string name)
    : base_src(f, std::move(name)),
      prop_socket_path_(property_index("socket-path")),
      prop_is_live_(property_index("is-live")),
      prop_do_timestamp_(property_index("do-timestamp")) {}

shmsrc::~shmsrc() { stop(); }

result<void> shmsrc::check_property(std::size_t index, const property_value& v) const {
  if (index != prop_socket_path_ || !parent()) return {};
  if (auto r = check_location(parent()->limits().media_root, std::get<std::string>(v), false); !r)
    return error(r.error().code, name() + ": socket-path: " + r.error().message);
  return {};
}

result<void> shmsrc::start() {
  const auto root = parent() ? parent()->limits().media_root : std::nullopt;
  auto r = shm::shm_reader::connect(root, props().get_string(prop_socket_path_), [this] { data_arrived(); });
  if (!r) return error(r.error().code, name() + ": " + r.error().message);
  std::lock_guard lock(mutex_);
  reader_ = std::move(r).value();
  return {};
}

void shmsrc::stop() {
  std::shared_ptr<shm::shm_reader> r;
  {
    std::lock_guard lock(mutex_);
    r = std::move(reader_);
  }
  // Buffers still downstream keep the mapping and the socket; the thread stops now.
  if (r) r->close();
}

bool shmsrc::has_data() const {
  std::lock_guard lock(mutex_);
  return !reader_ || reader_->has_item();
}

flow shmsrc::create(buffer& out) {
  std::shared_ptr<shm::shm_reader> reader;
  {
    std::lock_guard lock(mutex_);
    reader = reader_;
  }
  if (!reader) return fail_flow(errc::bad_state, name() + ": not connected");
  while (auto it = reader->pop()) {
    switch (it->kind) {
      case shm::shm_reader::item_kind::caps: {
        auto c = caps::parse(it->text);
        if (!c) return fail_flow(errc::parse_error, name() + ": the writer's caps \"" + it->text + "\": " +
                                                         c.error().message, flow::not_negotiated);
        if (c->is_any()) break;  // the writer had no caps: bytes without a format
        if (auto r = renegotiate_to(*c); !r) return fail_flow(errc::not_negotiated, r.error().message, flow::not_negotiated);
        break;
      }
      case shm::shm_reader::item_kind::buffer:
        out = std::move(it->buffer);
        if (props().get_bool(prop_do_timestamp_)) {
          const clock_time now = running_time_now();
          out.pts = now;
          out.dts = time_none;
        }
        return flow::ok;
      case shm::shm_reader::item_kind::eos:
        return flow::eos;
      case shm::shm_reader::item_kind::closed:
        return fail_flow(errc::io_error, name() + ": Control socket has closed");
      case shm::shm_reader::item_kind::failed:
        return fail_flow(errc::io_error, name() + ": " + it->text);
    }
  }
  // Only caps were queued (has_data says a buffer follows them): look again later.
  return fail_flow(errc::bad_state, name() + ": woken without a buffer to hand out");
}

}  // namespace tessera::core
