#pragma once
/// The parsed form of a gst-launch pipeline description (docs/pipelines.md).
///
/// parse_launch() turns text into a pipeline_desc: the elements in order of
/// appearance, their properties as text, the links between them with every
/// named reference (`t.`, `t.src_0`, `! mux.`, a bin's name) and every bin already
/// resolved to an element index, and the bins that group them. Nothing here knows about element factories or property types: the
/// builder looks factories up, converts values and reports what it rejects at
/// the position kept on each element, property and link ("1:18: no element
/// \"invret\"").

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {

/// A place in a description: 1-based line and 1-based column, in characters
/// (UTF-8 code points; a tab counts as one).
struct source_position {
  int line = 1;
  int column = 1;

  friend bool operator==(const source_position&, const source_position&) = default;
};

/// "line:column", the prefix of every parse and build error message.
std::string to_string(const source_position& position);

/// One `name=value` after an element. `value` is unescaped: quotes removed from a
/// quoted value, `\x` turned into `x`. Inside an unquoted value a quoted section
/// is kept verbatim (`caps=video/x-raw,format="GRAY8"`), so caps text survives.
struct property_desc {
  std::string name;
  std::string value;
  bool quoted = false;               ///< the whole value was one "..." or '...' string
  source_position position;          ///< of the property name
  source_position value_position;    ///< of the value's first character (or its quote)

  friend bool operator==(const property_desc&, const property_desc&) = default;
};

/// One element of the description. An implicit capsfilter (a bare caps string
/// between two `!`) is factory "capsfilter" with a single property "caps" holding
/// the caps text, positioned at the caps.
struct element_desc {
  std::string factory;
  std::vector<property_desc> properties;  ///< in order of appearance; repeats kept
  source_position position;               ///< of the factory name (or the caps)
  /// factory + index among the description's elements of that factory, counting
  /// named ones too ("invert0", "invert1"), as GStreamer names a fresh element.
  std::string default_name;
  /// The innermost bin the element is in (an index into pipeline_desc::bins).
  std::optional<std::size_t> bin;

  /// The value of the last `name=` property, or empty when there is none.
  std::string_view name() const;
  /// name() if given, else default_name: the name references resolve against and
  /// the name the builder must give the element.
  std::string_view effective_name() const;
};

/// A bin, `( ... )` or `bin.( ... )` as in gst-launch: a group of elements. tessera
/// makes no bin element: the members are elements of the pipeline like any other,
/// with their own names. The bin groups them in the text, may be named (`name=`
/// right after the `(`, the only property a bin takes) so that `b.` refers to it,
/// and stands in links for one of its elements: a link into the bin goes to
/// `first`, the first element of its first chain, a link out of it comes from
/// `last`, the last element of its last chain (either is empty when that chain
/// starts or ends with a reference, and linking there is then an error).
struct bin_desc {
  std::string name;            ///< given by `name=`, or empty
  std::string default_name;    ///< "bin" + index among the bins
  source_position position;    ///< of the `(` (or of the type in `bin.(`)
  std::vector<std::size_t> elements;  ///< the elements inside, nested bins' included
  std::optional<std::size_t> first;   ///< element links into the bin go to
  std::optional<std::size_t> last;    ///< element links out of the bin come from
  std::optional<std::size_t> parent;  ///< the enclosing bin, if any

  /// name if given, else default_name.
  std::string_view effective_name() const { return name.empty() ? std::string_view(default_name) : name; }
};

/// A link from `elements[from]` to `elements[to]`. An empty pad name means "any
/// compatible pad" (the builder picks or requests one).
struct link_desc {
  std::size_t from = 0;
  std::string from_pad;
  std::size_t to = 0;
  std::string to_pad;
  source_position position;  ///< of the `!`

  friend bool operator==(const link_desc&, const link_desc&) = default;
};

/// A whole description. Value type; owns everything; no references into the text.
struct pipeline_desc {
  std::vector<element_desc> elements;
  std::vector<link_desc> links;  ///< in order of their `!` in the text
  std::vector<bin_desc> bins;    ///< in order of their `(` in the text
};

}  // namespace tessera::core
