#pragma once
/// Turns a gst-launch description into a linked pipeline: parse (core/parse), make
/// each element from the registry, set its properties, link. Every error names the
/// line:column of the offending text and the problem ("1:18: no element \"invret\"",
/// "1:40: could not link invert0 to jpegenc0: no common caps (... vs ...)").
/// The pipeline streams on the registry's runtime.

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/support/result.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace tessera::core {

result<std::unique_ptr<pipeline>> build_pipeline(std::string_view description, element_registry& registry,
                                                 std::string name, pipeline_limits limits = {});

}  // namespace tessera::core
