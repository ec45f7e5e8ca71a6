#include "core/graph/event.hpp"

namespace tessera::core {

std::string_view event::name() const noexcept {
  struct namer {
    std::string_view operator()(const event_flush_start&) const { return "flush-start"; }
    std::string_view operator()(const event_flush_stop&) const { return "flush-stop"; }
    std::string_view operator()(const event_segment&) const { return "segment"; }
    std::string_view operator()(const event_caps&) const { return "caps"; }
    std::string_view operator()(const event_eos&) const { return "eos"; }
    std::string_view operator()(const event_seek&) const { return "seek"; }
    std::string_view operator()(const event_qos&) const { return "qos"; }
    std::string_view operator()(const event_reconfigure&) const { return "reconfigure"; }
    std::string_view operator()(const event_latency&) const { return "latency"; }
    std::string_view operator()(const event_stream_start&) const { return "stream-start"; }
    std::string_view operator()(const event_force_key_unit&) const { return "force-key-unit"; }
  };
  return std::visit(namer{}, payload_);
}

}  // namespace tessera::core
