#pragma once
/// Pads (GstPad): the typed connection points of an element.
///
/// A source pad pushes buffers and downstream events to its peer sink pad, which
/// hands them to its element (`element::chain` / `element::event`) by a plain call
/// inside the current streaming task. A sink pad in pull mode asks its peer source
/// pad for byte ranges (`pull_range` -> `element::getrange`). Upstream, a source pad
/// asks its peer for a buffer (`alloc_buffer`, GStreamer 0.10's pad-alloc), which lets
/// downstream renegotiate the format, and events travel back (seek, qos).
///
/// References and permissions (the FFmpeg rules): every buffer pushed is given away
/// (moved). A link combines the source pad's rejected permissions with the sink pad's
/// min/rejected permissions; a buffer crossing the link has rejected permissions
/// removed and lacking ones established, by the least copying possible (WRITE on a
/// shared buffer copies only its shared memories). ALIGN is judged on the data, not
/// on the flag (a share at an odd offset keeps its parent's flags): every memory must
/// start on a `perm_align_bytes` boundary, else the receiver gets an aligned copy.
///
/// Ownership: a pad belongs to its element (`parent`), never moves, and is linked
/// to at most one peer. Links are made and broken while the pipeline is not streaming.
/// Thread safety: push/pull/alloc run in the streaming task; the flushing flag, caps
/// and counters may be read from any thread.

#include "core/caps/caps.hpp"
#include "core/graph/event.hpp"
#include "core/graph/flow.hpp"
#include "core/memory/buffer.hpp"
#include "core/memory/perms.hpp"
#include "core/support/result.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace tessera::core {

class element;

/// What ALIGN guarantees: each memory's data starts on this boundary (bytes), the
/// alignment every allocator gives by default.
inline constexpr std::size_t perm_align_bytes = 16;

enum class pad_direction { src, sink };
enum class pad_presence { always, request, sometimes };
enum class pad_mode { none, push, pull };

std::string_view to_string(pad_direction d) noexcept;
std::string_view to_string(pad_presence p) noexcept;
std::string_view to_string(pad_mode m) noexcept;

struct pad_template {
  std::string name_template;  ///< "src", "sink", or "src_%u" for request pads
  pad_direction direction = pad_direction::src;
  pad_presence presence = pad_presence::always;
  core::caps caps;
  perm min_perms = perm::none;  ///< sink pads: guaranteed on every arriving reference
  perm rej_perms = perm::none;  ///< never on an arriving (sink) / leaving (src) reference
};

/// What buffer-alloc returns: a buffer and the caps it was made for, which differ from
/// the caps asked for when downstream wants another format (upstream renegotiation).
struct allocation {
  core::buffer buffer;
  core::caps caps;
};

/// Plain counters written only by the streaming task that owns the pad's data path and
/// read from anywhere (relaxed load/store: no read-modify-write on the hot path).
struct pad_counters {
  std::atomic<std::uint64_t> buffers{0};
  std::atomic<std::uint64_t> bytes{0};
  void add(std::uint64_t n_bytes) noexcept {
    buffers.store(buffers.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    bytes.store(bytes.load(std::memory_order_relaxed) + n_bytes, std::memory_order_relaxed);
  }
};

class pad {
 public:
  pad(element& parent, std::string name, const pad_template& tmpl);
  pad(const pad&) = delete;
  pad& operator=(const pad&) = delete;

  element& parent() const noexcept { return *parent_; }
  const std::string& name() const noexcept { return name_; }
  std::string full_name() const;  ///< "invert0.src"
  pad_direction direction() const noexcept { return template_->direction; }
  const pad_template& templ() const noexcept { return *template_; }
  pad* peer() const noexcept { return peer_; }
  bool is_linked() const noexcept { return peer_ != nullptr; }

  // --- data flow (streaming task) ---
  /// Source pad: gives `b` to the peer's element. The hot path.
  flow push(buffer&& b) {
    pad* p = peer_;
    if (!p) [[unlikely]] return flow::not_linked;
    if (p->flushing_.load(std::memory_order_relaxed)) [[unlikely]] return flow::flushing;
    if ((static_cast<unsigned>(b.perms()) & strip_perms_) ||
        (~static_cast<unsigned>(b.perms()) & need_perms_) || need_writable_ || need_align_) [[unlikely]] {
      if (const flow f = enforce_perms(b); f != flow::ok) return f;
    }
    const auto n = b.size();
    counters_.add(n);
    p->counters_.add(n);
    return deliver_buffer(*p, std::move(b));
  }

  /// Sends an event to the peer: downstream from a source pad, upstream from a sink
  /// pad. Flush events set/clear the peer's flushing flag before it sees them;
  /// serialized events are dropped while the peer is flushing. Caps and segment
  /// events are remembered on this pad.
  bool push_event(event ev);

  /// Sink pad in pull mode: asks the peer for `size` bytes at `offset`.
  flow pull_range(std::uint64_t offset, std::size_t size, buffer& out);

  /// Source pad: asks downstream for a buffer of `size` bytes for `caps` (pad-alloc).
  /// Without a peer, allocates locally.
  result<allocation> alloc_buffer(std::size_t size, const caps& c);

  // --- negotiation ---
  /// What this pad can handle now (its element answers, maybe asking its other pads).
  core::caps query_caps(const core::caps* filter = nullptr);
  core::caps peer_query_caps(const core::caps* filter = nullptr);
  bool accept_caps(const core::caps& c);
  bool peer_accept_caps(const core::caps& c);

  core::caps current_caps() const;
  bool has_current_caps() const;
  void set_current_caps(core::caps c);
  void clear_current_caps();

  // --- state ---
  bool flushing() const noexcept { return flushing_.load(std::memory_order_relaxed); }
  void set_flushing(bool f) noexcept { flushing_.store(f, std::memory_order_relaxed); }
  pad_mode mode() const noexcept { return mode_.load(std::memory_order_relaxed); }
  void set_mode(pad_mode m) noexcept { mode_.store(m, std::memory_order_relaxed); }
  bool is_eos() const noexcept { return eos_.load(std::memory_order_relaxed); }
  void set_eos(bool e) noexcept { eos_.store(e, std::memory_order_relaxed); }
  core::segment segment() const;

  const pad_counters& counters() const noexcept { return counters_; }

 private:
  friend result<void> link(pad& src, pad& sink);
  friend void unlink(pad& src, pad& sink);

  static flow deliver_buffer(pad& sink, buffer&& b);
  flow enforce_perms(buffer& b);
  void update_link_masks();

  element* parent_;
  std::string name_;
  const pad_template* template_;
  pad* peer_ = nullptr;
  unsigned strip_perms_ = 0;   // removed from every buffer crossing the link
  unsigned need_perms_ = 0;    // established on every buffer crossing the link
  bool need_writable_ = false; // WRITE needed: memory must really be writable, not only flagged
  bool need_align_ = false;    // ALIGN needed: data must really be aligned, not only flagged
  std::atomic<bool> flushing_{false};
  std::atomic<bool> eos_{false};
  std::atomic<pad_mode> mode_{pad_mode::none};
  pad_counters counters_;
  mutable std::mutex caps_mutex_;  // caps/segment: written by streaming, read by control
  core::caps caps_;
  bool has_caps_ = false;
  core::segment segment_;
};

/// Links `src` to `sink`: directions right, both unlinked, and caps that can
/// intersect. The error names both pads and both caps.
result<void> link(pad& src, pad& sink);
void unlink(pad& src, pad& sink);

}  // namespace tessera::core
