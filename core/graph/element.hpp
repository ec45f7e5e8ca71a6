#pragma once
/// Elements (GstElement): the nodes of a pipeline.
///
/// An element is made by its factory (element_factory.hpp), owns its pads and its
/// property values, and lives in one pipeline. Subclasses override the virtual
/// hooks they need; the defaults make a well-behaved pass-through node:
///  - data: `chain` (a buffer arrived on a sink pad), `getrange` (pull mode),
///    `event` (default: remember caps, forward everything), `buffer_alloc` (pad-alloc
///    arriving on a sink pad; default allocates from system memory);
///  - negotiation: `query_caps` / `accept_caps` (default: the pad template, and for
///    elements that proxy caps the caps of the peers on the other side);
///  - life: `change_state` (one step, e.g. READY -> PAUSED), called sinks first.
///
/// Errors in the data path are posted on the pipeline's bus with the element's name
/// and stop only this pipeline.
///
/// Ownership: elements are owned by their pipeline (unique_ptr), never copied or
/// moved; pads are owned by their element. Thread safety: the data hooks run in a
/// streaming task; properties and state are safe to read from any thread; state
/// changes are driven by the pipeline under its state lock.

#include "core/graph/flow.hpp"
#include "core/graph/latency.hpp"
#include "core/graph/message.hpp"
#include "core/graph/pad.hpp"
#include "core/graph/property.hpp"
#include "core/graph/state.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::core {

class element_factory;
class runtime;
class pipeline;

class element {
 public:
  element(const element_factory& factory, std::string name);
  virtual ~element();
  element(const element&) = delete;
  element& operator=(const element&) = delete;

  const std::string& name() const noexcept { return name_; }
  const element_factory& factory() const noexcept { return *factory_; }
  pipeline* parent() const noexcept { return pipeline_; }
  void set_parent(pipeline* p) noexcept { pipeline_ = p; }

  // --- pads ---
  const std::vector<std::unique_ptr<pad>>& pads() const noexcept { return pads_; }
  pad* find_pad(std::string_view name) const noexcept;
  pad* static_pad(pad_direction d) const noexcept;  ///< the first pad of direction d
  /// A pad for a request template ("src_%u") or a free always-pad of that direction
  /// (what gst-launch does when a link names no pad).
  virtual result<pad*> request_pad(pad_direction d, std::string_view name_hint);

  // --- properties ---
  result<void> set_property(std::string_view name, const property_value& v);
  result<void> set_property_from_string(std::string_view name, std::string_view text);
  result<property_value> get_property(std::string_view name) const;
  const property_store& properties() const noexcept { return props_; }

  // --- state ---
  state current_state() const noexcept { return state_.load(std::memory_order_acquire); }
  /// One step from `current_state()` to the adjacent `next`. The pipeline calls this.
  /// Posts a state-changed message (old, new, pending "void-pending") for every step
  /// that succeeds at once; an async step's (a sink prerolling) is held back until
  /// the pipeline calls post_async_state_changed, when the preroll completed.
  state_change set_state_step(state next);
  void post_async_state_changed();

  // --- data hooks ---
  virtual flow chain(pad& sinkpad, buffer&& b);
  virtual bool event(pad& p, core::event ev);
  virtual flow getrange(pad& srcpad, std::uint64_t offset, std::size_t size, buffer& out);
  virtual bool supports_pull(const pad& srcpad) const;
  virtual result<allocation> buffer_alloc(pad& sinkpad, std::size_t size, const caps& c);
  /// Whether buffer_alloc on `sinkpad` may answer with other caps than asked (a
  /// resizable sink, or a transform in front of one). Transforms only probe
  /// downstream with a pad-alloc per buffer when this is true.
  virtual bool may_change_caps_on_alloc(const pad& sinkpad) const;

  /// An event sent to the element from outside (pipeline seek, eos). The default
  /// sends upstream events out of every sink pad and downstream ones out of every
  /// source pad; sources override to inject eos into their task.
  virtual bool send_event(core::event ev);
  /// Current stream position (sinks answer), in ns.
  virtual std::optional<clock_time> query_position() const { return std::nullopt; }
  /// The latency query for what leaves through `srcpad` (or, for a sink, what arrives
  /// at it). The default asks upstream through every linked sink pad and combines the
  /// answers; sources answer for themselves and elements that hold data add to it.
  virtual latency_info query_latency(pad& srcpad);
  /// Length of the stream in `format` (time: ns, bytes: bytes) when known (the
  /// duration query). Sources and parsers answer; the default asks upstream, through
  /// the peer of each sink pad, and gives the first answer.
  virtual std::optional<std::int64_t> query_duration(seek_format format) const;
  /// Whether a PAUSED pipeline has nothing more to wait for from this element: a
  /// sink holds its preroll buffer or has reached EOS. Others: true.
  virtual bool is_prerolled() const { return true; }
  bool is_sink() const noexcept;
  bool is_source() const noexcept;

  // --- negotiation hooks ---
  virtual caps query_caps(pad& p, const caps* filter);
  virtual bool accept_caps(pad& p, const caps& c);

  // --- counters ---
  std::uint64_t buffers_in() const noexcept;
  std::uint64_t buffers_out() const noexcept;

  // --- messages ---
  /// Error and warning messages carry this element as their source, so their text
  /// never starts with its name: a leading "<name>: " is dropped from `text`.
  void post_error(errc code, std::string text);
  void post_warning(std::string text);
  void post(message m);

  /// Flow result of a failed data step, posting an error that names this element.
  flow fail_flow(errc code, std::string text, flow f = flow::error);
  /// Refuses seek `r` for `why` (without the element's name): a warning on the bus,
  /// and the reason the pipeline's seek() answers with. Returns false (not handled).
  bool refuse_seek(const seek_request& r, std::string why);

  /// The runtime the element streams on: its factory's registry's (runtime.hpp).
  core::runtime& runtime() const noexcept;
  /// The runtime's streaming executor.
  boost::asio::any_io_executor executor() const;
  /// Running time now on the pipeline clock, or time_none when not PLAYING.
  clock_time running_time_now() const;
  clock_time base_time() const;

 protected:
  /// One state step. The default activates pads (READY->PAUSED) and deactivates
  /// them (PAUSED->READY); override, and call this, to start or stop work.
  virtual state_change change_state(state from, state to);
  /// Called after a property value was stored (from any thread).
  virtual void property_changed(std::size_t /*index*/) {}
  /// Element-specific check of a value that passed the spec's type and range, before
  /// it is stored (e.g. a location inside the pipeline's media root); an error
  /// refuses the write. Runs on the setting thread.
  virtual result<void> check_property(std::size_t /*index*/, const property_value& /*v*/) const { return {}; }
  /// Whether query_caps/accept_caps/buffer_alloc see through to the other side
  /// (identity, queue, tee, capsfilter).
  virtual bool proxies_caps() const noexcept { return false; }
  /// Sink pads that want to be activated in pull mode when the peer allows it.
  virtual bool wants_pull(const pad& /*sinkpad*/) const { return false; }
  /// Called for each pad when it is activated (mode push/pull) or deactivated (none).
  virtual result<void> activate_pad(pad& /*p*/, pad_mode /*m*/) { return {}; }

  pad& add_pad(std::string name, const pad_template& tmpl);
  /// The id of a stream this element starts (its stream-start event): "<pipeline>/<element>".
  std::string stream_id() const;
  std::size_t property_index(std::string_view name) const;  ///< asserts the name exists
  const property_store& props() const noexcept { return props_; }
  /// For read-only properties the element itself updates (e.g. last-message).
  property_store& mutable_props() noexcept { return props_; }

 private:
  result<void> activate_pads(bool active);

  const element_factory* factory_;
  std::string name_;
  pipeline* pipeline_ = nullptr;
  property_store props_;
  std::vector<std::unique_ptr<pad>> pads_;
  std::atomic<state> state_{state::null_state};
  state async_from_ = state::null_state;  // the state an async step left (pipeline's state lock)
};

}  // namespace tessera::core
