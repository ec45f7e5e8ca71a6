#pragma once
/// Base class for transforms (GstBaseTransform), after the transform design.
///
/// Modes, chosen per buffer once caps are configured:
///  - passthrough: caps equal on both sides and the subclass asked for passthrough
///    (or has neither transform nor transform_ip): the input is pushed on
///    (transform_ip may inspect it when `inspect_in_passthrough`);
///  - in-place: transform_ip on the input when it is writable; a non-writable input
///    gets an output buffer by pad-alloc from downstream, the data is copied in
///    (counted) and transformed there;
///  - copy-transform: pad-alloc an output of transform_size() and transform();
///  - metadata-only (`set_metadata_only`): transform_ip changes what the input refers
///    to (a sub-region, its permissions), never the bytes of memories it shares, so
///    it runs on every input, writable or not, and nothing is pad-allocated (crop).
///    Elements on tiled frames (one memory per tile) use it too: transform_ip copies
///    on write only the tiles it changes (drawbox, invert) or replaces the input by a
///    tiled frame it allocates itself (videoconvert, boxblur), and QoS still applies.
/// Negotiation: a caps event on the sink pad runs find_transform(): transform_caps()
/// the input, prefer the input caps unchanged if downstream accepts them
/// (passthrough), else intersect with what downstream accepts, fixate_caps() and
/// check acceptance; then set_caps() and send the output caps downstream.
/// A caps query (query_caps) answers in the caller's order of preference and puts
/// the peer's caps that can pass through unchanged before the transformed ones, so
/// upstream fixates to what downstream wants (gst_base_transform_query_caps).
/// Buffer-alloc from upstream is proxied downstream in passthrough and same-size
/// in-place operation; when downstream answers with other caps the transform finds
/// the best transform for them and answers with the caps upstream should produce
/// (upstream renegotiation). When upstream never calls buffer-alloc, the transform
/// asks downstream itself before each output (a size-0 probe, only when downstream
/// can change caps on allocation), so a resized sink still gets its size.
/// Sizes: transform_size(), by default from get_unit_size() (same number of units on
/// both sides), with a one-entry cache per caps pair.
/// QoS (`qos=true`): a QoS event from downstream (sent by a synchronising sink for
/// every buffer) sets the earliest running time worth processing, its timestamp plus
/// its jitter; a buffer starting no later is skipped, counted and reported on the bus
/// (processed, dropped, jitter, proportion), as GstBaseTransform does.
/// Timestamps, duration, offsets and flags are copied to the output by default.
///
/// Thread safety: configuration changes happen in the streaming task (caps events,
/// buffer-alloc, chain); `reconfigure()` may be called from any thread and takes
/// effect before the next buffer.

#include "core/graph/element.hpp"

#include <atomic>
#include <mutex>
#include <optional>

namespace tessera::core {

class base_transform : public element {
 public:
  base_transform(const element_factory& f, std::string name);

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;
  result<allocation> buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) override;
  caps query_caps(pad& p, const caps* filter) override;

  pad& sinkpad() const noexcept { return *sinkpad_; }
  pad& srcpad() const noexcept { return *srcpad_; }
  bool is_passthrough() const noexcept { return passthrough_.load(std::memory_order_relaxed); }
  bool is_in_place() const noexcept { return in_place_; }
  std::uint64_t qos_processed() const noexcept { return processed_.load(std::memory_order_relaxed); }
  std::uint64_t qos_dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// buffer_alloc calls received from upstream since the element was created (the
  /// design's use cases: whether upstream allocates through us).
  std::uint64_t upstream_buffer_allocs() const noexcept { return upstream_allocs_.load(std::memory_order_relaxed); }

  /// The "qos" property every transform has, to append to a factory's list.
  static property_spec qos_property(bool def = false);

 protected:
  // --- negotiation hooks ---
  /// Caps on the other pad for caps `c` on the pad of direction `dir`. Default: same.
  virtual caps transform_caps(pad_direction dir, const caps& c);
  /// Refuses fixed input caps for a reason of the subclass's own, in its own words
  /// (a crop larger than the frame); checked first by find_transform. Default: ok.
  virtual result<void> check_input_caps(const caps& in) { (void)in; return {}; }
  /// Fixes `othercaps` given fixed `c` on the pad of direction `dir`.
  virtual result<caps> fixate_caps(pad_direction dir, const caps& c, const caps& othercaps);
  virtual result<void> set_caps(const caps& in, const caps& out) { (void)in; (void)out; return {}; }
  /// Size of a buffer with `othercaps` for `size` bytes with `c` on pad `dir`.
  virtual std::optional<std::size_t> transform_size(pad_direction dir, const caps& c, std::size_t size,
                                                    const caps& othercaps);
  virtual std::optional<std::size_t> get_unit_size(const caps& c) { (void)c; return std::nullopt; }

  // --- processing hooks ---
  virtual bool has_transform() const { return false; }
  virtual bool has_transform_ip() const { return false; }
  virtual flow transform(const buffer& in, buffer& out) { (void)in; (void)out; return flow::not_negotiated; }
  virtual flow transform_ip(buffer& b) { (void)b; return flow::ok; }
  /// Called in passthrough for elements that look at data without changing it.
  virtual bool inspect_in_passthrough() const { return false; }
  /// The buffer that answers upstream's buffer-alloc when the transform does not
  /// proxy it downstream (copy-transform: the input is another buffer than the
  /// output). Default: a fresh buffer; an element may hand out recycled frames.
  /// Called on upstream's thread: `negotiated_input` says whether `c` are the caps
  /// the transform is configured for now (subclass state set in set_caps belongs to
  /// the streaming thread and must not be read here).
  virtual result<buffer> allocate_for_upstream(std::size_t size, const caps& c, bool negotiated_input);

  /// Configuration choices of the subclass (constructor time).
  void set_passthrough_on_same_caps(bool v) noexcept { passthrough_on_same_caps_ = v; }
  void set_in_place(bool v) noexcept { in_place_ = v; }
  void set_metadata_only(bool v) noexcept { metadata_only_ = v; }
  /// Redo negotiation before the next buffer (e.g. a property changed the output).
  void reconfigure() noexcept { reconfigure_.store(true, std::memory_order_relaxed); }

  const caps& in_caps() const noexcept { return in_caps_; }
  const caps& out_caps() const noexcept { return out_caps_; }

  state_change change_state(state from, state to) override;

 private:
  result<caps> find_transform(const caps& in);
  result<void> configure(const caps& in, const caps& out);
  result<void> set_sink_caps(const caps& in);
  /// The negotiated caps as buffer_alloc sees them from upstream's thread.
  struct negotiation {
    bool negotiated = false;
    caps in;
    caps out;
  };
  negotiation negotiation_snapshot() const;
  result<caps> caps_upstream_can_produce_for(const negotiation& now, const caps& out);
  std::optional<std::size_t> output_size(std::size_t in_size);
  std::optional<std::size_t> output_size(const negotiation& now, std::size_t in_size);
  result<void> apply_pending_downstream_caps();
  result<buffer> allocate_output(const buffer& in, std::size_t out_size);
  flow alloc_failed(const error& e);
  result<void> handle_downstream_caps_change(const caps& new_out);
  bool late(const buffer& b);

  pad* sinkpad_;
  pad* srcpad_;
  std::size_t prop_qos_;
  bool passthrough_on_same_caps_ = false;
  bool in_place_ = false;
  bool metadata_only_ = false;
  // Negotiation belongs to the streaming thread: it alone writes the three below (or
  // the application thread in a state change, when nothing streams), reading them
  // without a lock. buffer_alloc runs on upstream's thread (a queue between us) and
  // copies them out under caps_mutex_, which writers hold; no lock is held across a
  // call up- or downstream. A caps change that buffer_alloc learns of is handed to
  // the streaming thread (pending_out_caps_) instead of configuring the subclass
  // under a running transform, as GstBaseTransform applies suggested caps in chain.
  mutable std::mutex caps_mutex_;
  caps in_caps_;
  caps out_caps_;
  bool negotiated_ = false;
  std::optional<caps> pending_out_caps_;  // guarded by caps_mutex_
  std::atomic<bool> pending_out_{false};  // pending_out_caps_ is set
  std::atomic<bool> passthrough_{false};
  std::atomic<bool> reconfigure_{false};
  std::atomic<bool> upstream_allocates_{false};  ///< upstream called buffer_alloc since the last caps
  bool probe_downstream_ = false;                ///< downstream may change caps on allocation
  // transform_size cache of the streaming thread: the last (input size -> output
  // size) for the configured caps.
  std::size_t cached_in_size_ = 0;
  std::size_t cached_out_size_ = 0;
  bool cache_valid_ = false;
  // QoS
  std::atomic<clock_time> earliest_time_{time_none};
  std::atomic<double> proportion_{1.0};
  std::atomic<std::uint64_t> processed_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> upstream_allocs_{0};
};

}  // namespace tessera::core
