#pragma once
/// Caps: the media formats a pad can produce or accept (GStreamer's GstCaps).
///
/// Caps are a list of structures, each a media type with fields; the list is a
/// union, in order of preference. Two special caps exist: ANY (everything) and
/// EMPTY (nothing; what a failed intersection gives). Negotiation is set algebra
/// on caps: a transform maps caps across itself (transform_caps), intersects them
/// with what its peer allows, and fixates the result to one concrete format.
///
/// Representation and cost: caps are immutable-shared. A caps object holds a
/// shared_ptr to a const list of structures, so copying caps (handing them along
/// the negotiation path, storing them on pads, sending them in events) is one
/// atomic increment. The few mutators (append, merge) copy the list first unless
/// this object is its only owner (copy-on-write). Operations (intersect, fixate,
/// normalize) return new caps. Caps are not on the per-buffer path.
///
/// Text syntax (parse / to_string), GStreamer's without caps features:
///   caps      := "ANY" | "EMPTY" | "NONE" | "" | structure (";" structure)* [";"]
///   structure := name ("," field "=" value)*
///   value     := ["(" type ")"] ( scalar | "[" scalar "," scalar ["," step] "]"
///                                 | "{" value ("," value)* "}" )
///   scalar    := 5 | -2.5 | true | RGBA | "quoted \" string" | 30/1
///   type      := int | double | boolean | string | fraction (and GStreamer's
///                aliases i, int64, d, float, f, bool, b, str, s)
/// Whitespace is allowed around every token. to_string writes the compact form
/// (`video/x-raw,format={RGBA,RGB},width=[1,8192],framerate=30/1`, structures
/// joined by "; ") and parse(to_string(c)) == c for all caps.

#include "core/caps/structure.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {

/// How intersect orders its result (gst_caps_intersect_full modes).
enum class intersect_mode : std::uint8_t {
  /// Alternate between both sides' preferences: pairs (i, j) in order of i + j.
  zig_zag,
  /// Keep this side's order: all of structure 0's matches first, and so on.
  first,
};

/// A set of media formats (see the file overview).
///
/// Ownership: a cheap handle on shared immutable data; copies share it.
/// Thread safety: distinct caps objects may be used from different threads even
/// when they share data; one caps object that is mutated needs external
/// synchronisation, like any value.
class caps {
 public:
  /// EMPTY caps.
  caps() noexcept = default;
  /// Caps of one structure.
  explicit caps(structure s);

  static caps new_any();
  static caps new_empty() noexcept { return caps(); }
  /// The structures in order, as given (no merging).
  static caps from_structures(std::vector<structure> structures);

  /// Parses caps text. Errors (errc::parse_error) say what was expected, what was
  /// found and where: `caps: expected ']' to close range, found end of input at
  /// offset 25 in "video/x-raw,width=[1,8192"`. `error_offset`, if given, receives
  /// the 0-based offset of a failure.
  static result<caps> parse(std::string_view text, std::size_t* error_offset = nullptr);

  bool is_any() const noexcept;
  /// No structure and not ANY: allows nothing.
  bool is_empty() const noexcept { return !rep_; }
  /// Exactly one structure, and it is fixed: a concrete format.
  bool is_fixed() const noexcept;

  /// Number of structures (0 for ANY and EMPTY).
  std::size_t size() const noexcept;
  std::span<const structure> structures() const noexcept;
  /// The i-th structure, or nullptr when i >= size().
  const structure* structure_at(std::size_t i) const noexcept;

  /// Appends without checking for redundancy. ANY stays ANY; appending to
  /// anything makes ANY when `other` is ANY.
  void append(structure s);
  void append(const caps& other);
  /// Appends what is not already allowed (structures that are subsets of one
  /// already present are skipped). ANY absorbs everything.
  void merge(structure s);
  void merge(const caps& other);

  /// What both allow. ANY ∩ X = X; EMPTY ∩ X = EMPTY.
  caps intersect(const caps& other, intersect_mode mode = intersect_mode::zig_zag) const;
  bool can_intersect(const caps& other) const;
  /// Everything these caps allow, `superset` allows. EMPTY is a subset of all;
  /// only ANY is a subset of ANY. A structure with lists is also checked piece by
  /// piece, so `format={RGB,GRAY8}` is a subset of `format=RGB; format=GRAY8`.
  bool is_subset(const caps& superset) const;
  /// Same set of formats (each a subset of the other), whatever the order or
  /// the split into structures (gst_caps_is_equal).
  bool is_equal(const caps& other) const;
  /// Strict equality: both ANY, or the same structures in the same order
  /// (structure ==, so field order and list order do not matter).
  friend bool operator==(const caps& a, const caps& b) noexcept;

  /// gst_caps_fixate: the first structure with every field fixed. Fails
  /// (errc::not_negotiated) for ANY and EMPTY.
  result<caps> fixate() const;
  /// Only the first structure (EMPTY stays EMPTY, ANY stays ANY).
  caps truncate() const;
  /// Lists expanded into separate structures, so no field holds a list:
  /// `a,x={1,2}` becomes `a,x=1; a,x=2` (first list first, order kept). Fails
  /// (errc::limit_exceeded) beyond `max_structures`, since the expansion of
  /// untrusted caps grows as the product of list sizes.
  result<caps> normalize(std::size_t max_structures = 4096) const;

  /// "ANY", "EMPTY" or structures joined by "; " (see the overview).
  std::string to_string() const;

  /// True when both share one representation (copies do until one is modified).
  bool shares_storage_with(const caps& other) const noexcept { return rep_ == other.rep_; }

 private:
  struct rep {
    bool any = false;
    std::vector<structure> structures;
  };
  explicit caps(std::shared_ptr<rep> r) noexcept : rep_(std::move(r)) {}
  /// The list to modify, copied first if shared. Precondition: not ANY.
  std::vector<structure>& writable_structures();

  // nullptr = EMPTY. Never an empty non-ANY rep: that is normalised to nullptr.
  std::shared_ptr<rep> rep_;
};

}  // namespace tessera::core
