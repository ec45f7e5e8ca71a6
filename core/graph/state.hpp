#pragma once
/// Element and pipeline states (GstState) and the answers to a state change.

#include <optional>
#include <string_view>

namespace tessera::core {

enum class state { null_state, ready, paused, playing };

constexpr std::string_view to_string(state s) noexcept {
  switch (s) {
    case state::null_state: return "null";
    case state::ready: return "ready";
    case state::paused: return "paused";
    case state::playing: return "playing";
  }
  return "unknown";
}

constexpr std::optional<state> state_from_string(std::string_view s) noexcept {
  if (s == "null" || s == "NULL") return state::null_state;
  if (s == "ready" || s == "READY") return state::ready;
  if (s == "paused" || s == "PAUSED") return state::paused;
  if (s == "playing" || s == "PLAYING") return state::playing;
  return std::nullopt;
}

/// The answer of one step of a state change (GstStateChangeReturn).
enum class state_change { success, async, no_preroll, failure };

}  // namespace tessera::core
