#pragma once
/// parse_launch(): gst-launch pipeline descriptions (docs/pipelines.md) to a
/// pipeline_desc, with named references resolved and every position kept.

#include "core/parse/pipeline_desc.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <string_view>

namespace tessera::core {

/// Bounds on what parse_launch() accepts (docs/deploy.md: 1 MiB per request,
/// 256 elements per pipeline).
struct parse_limits {
  std::size_t max_bytes = std::size_t{1} << 20;  ///< length of the description, bytes
  std::size_t max_elements = 256;                ///< elements, implicit capsfilters included
  std::size_t max_name_bytes = 256;              ///< an element's or bin's name=
};

/// Parses `text`. Pure function of its arguments; thread-safe; never recurses on
/// the input's structure, so hostile text cannot exhaust the stack.
///
/// Syntax, as gst-launch-1.0 reads it:
///   `a prop=value ! b ! c`         elements, properties (whitespace around "=" allowed),
///                                  values unquoted, "double" or 'single' quoted
///   `a ! video/x-raw,width=8 ! b`  bare caps between two "!" = an implicit capsfilter,
///   `a ! "video/x-raw, x=1" ! b`   quoted caps too
///   `t. ! b`, `t.src_0 ! b`        a new chain starting from the element named t
///   `a ! t.`, `a ! mux.sink_1`     a chain ending in the element named t
///   chains side by side, separated by whitespace (newlines included); references may
///   name an element declared later, or an unnamed one by its default name (`tee0.`).
///   `a ! ( b ! c ) ! d`            a bin: chains grouped in parentheses (also `bin.( ... )`),
///   `( name=fx b ! c )  fx. ! d`   named by `name=` right after the "(" (default bin0,
///                                  bin1...); a link into a bin goes to the first element of
///                                  its first chain, one out of it from the last element of
///                                  its last chain; bins nest and may hold `t.` branches.
///                                  Their elements are the pipeline's, with their own names.
///
/// Errors: errc::parse_error for malformed text, errc::limit_exceeded for a limit.
/// Every message starts with "line:column: " of the offending token, e.g.
/// `1:9: expected an element or caps after "!", found the end of the description`.
result<pipeline_desc> parse_launch(std::string_view text, const parse_limits& limits = {});

}  // namespace tessera::core
