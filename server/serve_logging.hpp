#pragma once
/// spdlog set-up for `tessera serve`: a level, and either spdlog's text lines or one
/// JSON object per line ({"time","level","thread","message"}) for log collectors.

#include <string_view>

namespace tessera::server {

/// `level` is one of spdlog's names (trace ... off), already validated by serve_config.
void configure_logging(std::string_view level, bool json);

}  // namespace tessera::server
