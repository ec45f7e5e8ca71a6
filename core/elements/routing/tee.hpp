#pragma once
/// tee: one input, any number of outputs (GStreamer's tee). Request source pads
/// "src_%u"; each buffer goes to every linked one.
///
/// Zero copy: with several outputs, every output but the last gets `share()` of the
/// buffer (a new reference to the same memory) and the last gets the buffer itself.
/// Since the data now has several owners, WRITE is removed from every reference given
/// away (the FFmpeg rule for a filter that duplicates a reference): a branch that
/// writes in place gets its own copy from the transform machinery, and the other
/// branches keep seeing the original bytes. With one output the buffer passes as is.
///
/// Results combine as `combine_fanout` says: an error or a flush stops at once,
/// not-linked everywhere is not-linked (ok with allow-not-linked), eos only when every
/// output is at eos. Downstream events go to every linked output; upstream events
/// (seek, qos) go upstream; caps queries and acceptance intersect all branches.
/// buffer-alloc is proxied when exactly one output is linked (otherwise one branch
/// must not choose the memory or the format of all of them).
///
/// Ownership: pads are owned by the element; request pads are made while the
/// pipeline is not streaming. Thread safety: chain/event run in the upstream task.

#include "core/graph/element.hpp"

#include <atomic>
#include <mutex>
#include <vector>

namespace tessera::core {

class tee final : public element {
 public:
  tee(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  result<pad*> request_pad(pad_direction d, std::string_view name_hint) override;
  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;
  result<allocation> buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) override;
  bool may_change_caps_on_alloc(const pad& sinkpad) const override;

 protected:
  bool proxies_caps() const noexcept override { return true; }
  state_change change_state(state from, state to) override;

 private:
  pad* single_linked_output() const noexcept;
  bool any_linked_output() const;
  bool any_output_left() const;
  // Outputs that answered eos get nothing more until a flush or a restart.
  bool is_done(const pad& p) const;
  void mark_done(const pad& p);
  void reset_done();

  std::size_t prop_num_src_pads_, prop_allow_not_linked_;
  std::atomic<bool> any_done_{false};
  mutable std::mutex done_mutex_;
  std::vector<const pad*> done_;
};

}  // namespace tessera::core
