// Fuzz target: request paths against the API's route patterns (percent-decoding,
// segment splitting, parameter capture). The input is a request target. A path that
// splits must match at most one shape of each pattern and capture non-empty segments.

#include "net/route_pattern.hpp"
#include "net/url.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace {

const std::vector<tessera::net::route_pattern>& patterns() {
  static const auto all = [] {
    std::vector<tessera::net::route_pattern> v;
    for (std::string_view text : {"/api/v1/factories", "/api/v1/factories/{f}", "/api/v1/pipelines",
                                  "/api/v1/pipelines/{p}", "/api/v1/pipelines/{p}/state",
                                  "/api/v1/pipelines/{p}/elements/{e}/properties/{name}",
                                  "/api/v1/pipelines/{p}/sinks/{e}/ws", "/{file}", "/"})
      v.push_back(*tessera::net::route_pattern::parse(text));
    return v;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  (void)tessera::net::route_pattern::parse(target);  // patterns are ours, but must not crash either
  auto segments = tessera::net::split_path(target.substr(0, target.find('?')));
  if (!segments) return 0;
  for (const auto& p : patterns()) {
    tessera::net::param_map params;
    if (p.match(*segments, params)) TESSERA_FUZZ_CHECK(!segments->empty() || p.text() == "/", "an empty path matched a non-root pattern");
  }
  return 0;
}
