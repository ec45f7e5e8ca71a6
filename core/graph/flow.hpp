#pragma once
/// What a push, a pull or a chain function returns (GstFlowReturn): whether the
/// data went through and, if not, why. Success is `ok`; everything else stops the
/// streaming task that sees it.

#include <string_view>

namespace tessera::core {

enum class flow {
  ok,              ///< the buffer was handled
  eos,             ///< downstream wants no more data
  flushing,        ///< a flush is in progress (seek, state change): drop and stop
  not_linked,      ///< the pad has no peer
  not_negotiated,  ///< no caps were agreed on, or the buffer does not match them
  error,           ///< a fatal error; an error message is on the bus
};

constexpr std::string_view to_string(flow f) noexcept {
  switch (f) {
    case flow::ok: return "ok";
    case flow::eos: return "eos";
    case flow::flushing: return "flushing";
    case flow::not_linked: return "not-linked";
    case flow::not_negotiated: return "not-negotiated";
    case flow::error: return "error";
  }
  return "unknown";
}

/// The worse of two results, as a fan-out element (tee) reports them: an error beats
/// everything, `ok` beats not-linked, and everyone must be at eos for eos.
constexpr flow combine_fanout(flow a, flow b) noexcept {
  auto rank = [](flow f) {
    switch (f) {
      case flow::error: return 5;
      case flow::not_negotiated: return 4;
      case flow::flushing: return 3;
      case flow::ok: return 2;
      case flow::not_linked: return 1;
      case flow::eos: return 0;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace tessera::core
