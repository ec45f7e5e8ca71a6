#pragma once
/// fakesink: swallows buffers (GStreamer's fakesink). With silent=false it keeps a
/// "last-message" describing the last buffer, readable as a property.

#include "core/base/base_sink.hpp"

namespace tessera::core {

class fakesink final : public base_sink {
 public:
  fakesink(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  flow render(buffer& b) override;
  void on_eos() override;

 private:
  std::size_t prop_silent_, prop_last_message_, prop_num_buffers_;
  std::int64_t count_ = 0;
  state_change change_state(state from, state to) override;
};

}  // namespace tessera::core
