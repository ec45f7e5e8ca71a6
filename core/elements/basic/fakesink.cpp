#include "core/elements/basic/fakesink.hpp"

#include "core/graph/element_factory.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> fakesink::factory() {
  auto props = base_sink::common_properties(false);
  props.push_back(bool_property("silent", "Do not produce last-message", true));
  auto last = string_property("last-message", "Description of the last buffer (silent=false)", "");
  last.writable = false;
  props.push_back(std::move(last));
  props.push_back(int_property("num-buffers", "End the stream after this many buffers (-1: never)", -1, -1,
                               INT64_MAX, mutability::ready));
  return make_factory<fakesink>("fakesink", "Fake sink", "Sink", "Discards every buffer",
                                {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                                std::move(props));
}

fakesink::fakesink(const element_factory& f, std::string name)
    : base_sink(f, std::move(name)),
      prop_silent_(property_index("silent")),
      prop_last_message_(property_index("last-message")),
      prop_num_buffers_(property_index("num-buffers")) {}

state_change fakesink::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) count_ = 0;
  return base_sink::change_state(from, to);
}

flow fakesink::render(buffer& b) {
  ++count_;
  if (!props().get_bool(prop_silent_)) [[unlikely]] {
    std::string msg = "chain ******* (" + name() + ":sink) (" + std::to_string(b.size()) + " bytes, pts: " +
                      (is_valid_time(b.pts) ? std::to_string(b.pts) : std::string("none")) +
                      ", duration: " + (is_valid_time(b.duration) ? std::to_string(b.duration) : std::string("none")) +
                      ", offset: " + std::to_string(static_cast<std::int64_t>(b.offset)) + ")";
    mutable_props().set(prop_last_message_, property_value{std::move(msg)});
  }
  const std::int64_t limit = props().get_int(prop_num_buffers_);
  if (limit >= 0 && count_ >= limit) return flow::eos;
  return flow::ok;
}

void fakesink::on_eos() {
  if (!props().get_bool(prop_silent_))
    mutable_props().set(prop_last_message_, property_value{std::string("event ******* (") + name() + ":sink) E (type: eos)"});
}

}  // namespace tessera::core
