#pragma once
/// capsfilter: restricts the caps that may pass (what a bare caps string in a
/// description becomes). Passthrough; negotiation sees the filter caps.
/// Bytes that arrive without caps (fakesrc and filesrc send none) get the filter
/// caps sent downstream for them when those fix one format (`fakesrc !
/// application/x-test ! ...`), as GStreamer's capsfilter does; looser filter caps
/// cannot say what the bytes are, which is a not-negotiated error.

#include "core/base/base_transform.hpp"

#include <mutex>

namespace tessera::core {

class capsfilter final : public base_transform {
 public:
  capsfilter(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  flow chain(pad& sinkpad, buffer&& b) override;
  caps transform_caps(pad_direction dir, const caps& c) override;
  void property_changed(std::size_t index) override;

 private:
  caps filter() const;
  std::size_t prop_caps_;
  mutable std::mutex mutex_;
  caps filter_;
};

}  // namespace tessera::core
