#pragma once
/// Events travel beside buffers (GstEvent). Downstream: flush-start, flush-stop,
/// stream-start, segment, caps, eos. Upstream: seek, qos, reconfigure, latency,
/// force-key-unit. Serialized events
/// (segment, caps, eos, flush-stop) keep their order with the buffers around them,
/// so a queue carries them; flush-start and the upstream ones overtake the data.

#include "core/caps/caps.hpp"
#include "core/graph/clock_time.hpp"
#include "core/graph/segment.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace tessera::core {

enum class seek_flags : unsigned {
  none = 0,
  flush = 1,     ///< drop everything queued and unblock every thread now
  accurate = 2,  ///< land exactly on the position rather than the nearest unit
  key_unit = 4,
  /// End the segment with a segment-done message instead of EOS, so the application
  /// can loop with a non-flushing seek (GST_SEEK_FLAG_SEGMENT).
  segment = 8,
};
constexpr seek_flags operator|(seek_flags a, seek_flags b) noexcept {
  return static_cast<seek_flags>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(seek_flags set, seek_flags f) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(f)) != 0;
}

struct seek_request {
  double rate = 1.0;
  seek_format format = seek_format::time;
  seek_flags flags = seek_flags::flush;
  clock_time start = 0;
  clock_time stop = time_none;
  std::uint32_t seqnum = 0;  ///< the same seek reaches a source once per sink; dedupe on it
};

/// Quality of service from a synchronising sink: how late the last buffer was.
struct qos_report {
  double proportion = 1.0;     ///< long-term ratio of processing time to real time
  clock_time diff = 0;         ///< lateness of `timestamp`: > 0 means late
  clock_time timestamp = 0;    ///< running time of the buffer the report is about
};

struct event_flush_start {};
/// The first event of a stream, ahead of its caps: a source sends it once per
/// READY -> PAUSED (a flushing seek does not start a new stream). A sink reports it to
/// the pipeline, which posts one `stream-start` message once every sink has it.
struct event_stream_start {
  std::string stream_id;  ///< "<pipeline>/<element>": unique in the process while the pipeline lives
};
struct event_flush_stop {
  bool reset_time = true;
};
struct event_segment {
  core::segment segment;
};
struct event_caps {
  core::caps caps;
};
struct event_eos {};
struct event_seek {
  seek_request request;
};
struct event_qos {
  qos_report report;
};
/// Upstream: a downstream element wants negotiation redone (e.g. websink resized).
struct event_reconfigure {};
/// Upstream, from the pipeline through each sink: the latency every sink of the
/// pipeline renders with (running time + latency), after the latency query at PLAYING.
struct event_latency {
  clock_time latency = 0;
};

/// Upstream: asks an encoder for a key frame as soon as it can (GStreamer's upstream
/// force-key-unit event), e.g. from websink when a viewer joins. `all_headers`: with
/// the stream headers in front of it (SPS/PPS in a byte-stream). Encoders answer it;
/// other elements pass it upstream.
struct event_force_key_unit {
  clock_time running_time = time_none;  ///< none: the next frame
  bool all_headers = true;
  std::uint32_t count = 0;  ///< how many the sender asked for so far
};

class event {
 public:
  using payload = std::variant<event_flush_start, event_flush_stop, event_segment, event_caps,
                               event_eos, event_seek, event_qos, event_reconfigure, event_latency,
                               event_stream_start, event_force_key_unit>;

  template <class T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, event>)
  event(T&& p) : payload_(std::forward<T>(p)) {}  // NOLINT: implicit by design

  template <class T>
  bool is() const noexcept { return std::holds_alternative<T>(payload_); }
  template <class T>
  const T* get() const noexcept { return std::get_if<T>(&payload_); }
  template <class T>
  T* get() noexcept { return std::get_if<T>(&payload_); }

  /// Serialized events keep their place among buffers (a queue carries them).
  bool is_serialized() const noexcept {
    return is<event_flush_stop>() || is<event_segment>() || is<event_caps>() || is<event_eos>() ||
           is<event_stream_start>();
  }
  bool is_upstream() const noexcept {
    return is<event_seek>() || is<event_qos>() || is<event_reconfigure>() || is<event_latency>() ||
           is<event_force_key_unit>();
  }
  /// Sticky events are remembered on a pad and replayed to a new peer (GStreamer 1.x).
  bool is_sticky() const noexcept {
    return is<event_segment>() || is<event_caps>() || is<event_eos>() || is<event_stream_start>();
  }

  std::string_view name() const noexcept;

 private:
  payload payload_;
};

}  // namespace tessera::core
