#pragma once
/// Bus messages (GstMessage): what a pipeline tells the application. Each has a
/// type, the name of the element that posted it, and a few named fields, kept
/// flat so the server can turn them into JSON without knowing each type.

#include "core/graph/clock_time.hpp"
#include "core/graph/state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tessera::core {

enum class message_type {
  error,
  warning,
  eos,
  state_changed,
  qos,
  element,
  latency,
  async_done,
  stream_start,  ///< the pipeline: every sink has seen the stream-start event of this preroll
  segment_done,  ///< a segment seek's segment has played out (field "position_ns"), instead of EOS
};

/// GStreamer's names: "state-changed", "async-done", "stream-start", "segment-done", ...
std::string_view to_string(message_type t) noexcept;

using message_value = std::variant<std::int64_t, double, bool, std::string>;

struct message {
  message_type type;
  std::string source;            ///< name of the posting element (or the pipeline)
  clock_time timestamp = 0;      ///< monotonic time of posting, ns
  std::vector<std::pair<std::string, message_value>> fields;

  message(message_type t, std::string src) : type(t), source(std::move(src)), timestamp(monotonic_now()) {}

  message& set(std::string name, message_value v) {
    fields.emplace_back(std::move(name), std::move(v));
    return *this;
  }
  const message_value* find(std::string_view name) const noexcept {
    for (auto& [k, v] : fields)
      if (k == name) return &v;
    return nullptr;
  }
  std::optional<std::string> get_string(std::string_view name) const {
    if (auto* v = find(name); v && std::holds_alternative<std::string>(*v)) return std::get<std::string>(*v);
    return std::nullopt;
  }
  std::optional<std::int64_t> get_int(std::string_view name) const {
    if (auto* v = find(name); v && std::holds_alternative<std::int64_t>(*v)) return std::get<std::int64_t>(*v);
    return std::nullopt;
  }
};

/// A state-changed message from `source` (an element or the pipeline), with GStreamer's
/// fields: old, new, and pending, the state still to reach after `now` ("void-pending"
/// when `now` is where the change was going).
message state_changed_message(std::string source, state old, state now, state target);

}  // namespace tessera::core
