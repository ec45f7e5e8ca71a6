#include "core/caps/caps.hpp"

#include "core/caps/caps_parser.hpp"
#include "core/caps/intersect_pairs.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace tessera::core {
namespace {

// Splits s into structures without lists (one per combination, first field's
// list outermost, order kept). False if that would exceed max structures.
bool expand_lists(const structure& s, std::size_t max, std::vector<structure>& out) {
  std::vector<structure> pieces{s};
  for (const auto& f : s.fields()) {
    auto items = f.value.list_items();
    if (items.empty()) continue;
    if (pieces.size() > max / items.size()) return false;
    std::vector<structure> next;
    next.reserve(pieces.size() * items.size());
    for (const auto& piece : pieces) {
      for (const auto& item : items) {
        next.push_back(piece);
        // The field exists, so set only replaces its value and cannot fail.
        (void)next.back().set(f.name, item);
      }
    }
    pieces = std::move(next);
  }
  if (out.size() + pieces.size() > max) return false;
  for (auto& p : pieces) out.push_back(std::move(p));
  return true;
}

bool has_list(const structure& s) noexcept {
  return std::any_of(s.fields().begin(), s.fields().end(),
                     [](const field& f) { return f.value.kind() == value_kind::list; });
}

bool covered_by_one(const structure& s, std::span<const structure> superset) noexcept {
  return std::any_of(superset.begin(), superset.end(),
                     [&s](const structure& sup) { return s.is_subset(sup); });
}

// Bound on the pieces is_subset examines for one structure with lists.
constexpr std::size_t subset_expansion_limit = 4096;

// The intersection of n and m structures can have n * m of them; checking each
// against every one kept before (what gst_caps_merge_structure does) costs
// (n * m)^2 / 2 subset tests: 73 million for two 110-structure caps. Instead the
// kept structures are bucketed by the values of their fixed fields: a new
// structure can only be inside a kept one that fixes no field it does not fix to
// the same value, so it is tested against its buckets only, and within each
// bucket (and among kept structures that could not be bucketed) against the last
// `intersect_dedup_window`. What that misses (a bucket beyond the window, a field
// that is a one-item list where the kept one is fixed) is a redundant structure:
// the caps still allow the same.
constexpr std::size_t intersect_dedup_window = 256;
// Kept structures with more distinct (name, fixed field names) shapes than this
// are not bucketed (shapes are few in practice; this bounds the lookup).
constexpr std::size_t intersect_dedup_shapes = 32;

// Appends v to a key so that the concatenation is unambiguous and equal keys
// are equal values: an int as its 8 bytes, anything else as its caps text (which
// reads back to the value it came from) behind its length.
void append_key_part(std::string& key, const value& v) {
  key += static_cast<char>(v.kind());
  if (const auto i = v.as_int()) {
    key.append(reinterpret_cast<const char*>(&*i), sizeof *i);
    return;
  }
  const std::size_t at = key.size();
  key.append(sizeof(std::uint32_t), '\0');
  v.append_to(key);
  const auto length = static_cast<std::uint32_t>(key.size() - at - sizeof(std::uint32_t));
  key.replace(at, sizeof length, reinterpret_cast<const char*>(&length), sizeof length);
}

// The key of s's values in `fields`; empty when s lacks one or has it unfixed.
std::optional<std::string> fixed_key(const structure& s, std::span<const std::string> fields) {
  std::string key;
  for (const auto& name : fields) {
    const value* v = s.get(name);
    if (!v || !v->is_fixed()) return std::nullopt;
    append_key_part(key, *v);
  }
  return key;
}

// The structures an intersection keeps, dropping each new one covered by one
// already kept (see intersect_dedup_window).
class dedup_output {
 public:
  void add(std::optional<structure> s) {
    if (!s || covered(*s)) return;
    const std::size_t at = out_.size();
    previous_in_bucket_.push_back(none);
    if (!index(*s, at)) unindexed_.push_back(at);
    out_.push_back(std::move(*s));
  }
  std::vector<structure> take() { return std::move(out_); }

 private:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  // Kept structures with one name and one list of fixed field names, bucketed by
  // those fields' values. A bucket is a list through previous_in_bucket_ from the
  // position kept last (one allocation per kept structure less than a vector each).
  struct shape {
    std::string name;
    std::vector<std::string> fixed_fields;
    std::unordered_map<std::string, std::size_t> latest;
  };

  bool covered(const structure& s) const {
    for (const auto& sh : shapes_) {
      if (sh.name != s.name()) continue;
      const auto key = fixed_key(s, sh.fixed_fields);
      if (!key) continue;
      const auto bucket = sh.latest.find(*key);
      if (bucket == sh.latest.end()) continue;
      std::size_t at = bucket->second;
      for (std::size_t k = 0; at != none && k < intersect_dedup_window; ++k, at = previous_in_bucket_[at]) {
        if (s.is_subset(out_[at])) return true;
      }
    }
    const std::size_t n = std::min(unindexed_.size(), intersect_dedup_window);
    for (std::size_t k = 0; k < n; ++k) {
      if (s.is_subset(out_[unindexed_[unindexed_.size() - 1 - k]])) return true;
    }
    return false;
  }

  // Buckets s, kept at `at`; false when there is no room for its shape.
  bool index(const structure& s, std::size_t at) {
    std::vector<std::string> names;
    for (const auto& f : s.fields()) {
      if (f.value.is_fixed()) names.push_back(f.name);
    }
    shape* found = nullptr;
    for (auto& sh : shapes_) {
      if (sh.name == s.name() && sh.fixed_fields == names) found = &sh;
    }
    if (!found) {
      if (shapes_.size() >= intersect_dedup_shapes) return false;
      found = &shapes_.emplace_back(shape{s.name(), std::move(names), {}});
    }
    auto [bucket, added] = found->latest.try_emplace(fixed_key(s, found->fixed_fields).value(), at);
    if (!added) {
      previous_in_bucket_[at] = bucket->second;
      bucket->second = at;
    }
    return true;
  }

  std::vector<structure> out_;
  std::vector<std::size_t> previous_in_bucket_;  // per position in out_
  std::vector<shape> shapes_;
  std::vector<std::size_t> unindexed_;  // positions in out_ of kept structures not in shapes_
};

}  // namespace

caps::caps(structure s) : rep_(std::make_shared<rep>()) {
  rep_->structures.push_back(std::move(s));
}

caps caps::new_any() {
  // One shared ANY: never modified (mutators leave ANY unchanged).
  static const std::shared_ptr<rep> any = [] {
    auto r = std::make_shared<rep>();
    r->any = true;
    return r;
  }();
  return caps(any);
}

caps caps::from_structures(std::vector<structure> structures) {
  if (structures.empty()) return caps();
  auto r = std::make_shared<rep>();
  r->structures = std::move(structures);
  return caps(std::move(r));
}

result<caps> caps::parse(std::string_view text, std::size_t* error_offset) {
  return detail::parse_caps_text(text, error_offset);
}

bool caps::is_any() const noexcept { return rep_ && rep_->any; }

bool caps::is_fixed() const noexcept { return size() == 1 && rep_->structures[0].is_fixed(); }

std::size_t caps::size() const noexcept { return rep_ ? rep_->structures.size() : 0; }

std::span<const structure> caps::structures() const noexcept {
  if (!rep_) return {};
  return rep_->structures;
}

const structure* caps::structure_at(std::size_t i) const noexcept {
  return i < size() ? &rep_->structures[i] : nullptr;
}

std::vector<structure>& caps::writable_structures() {
  if (!rep_) {
    rep_ = std::make_shared<rep>();
  } else if (rep_.use_count() != 1) {
    // Someone else sees this list: give this object its own copy.
    rep_ = std::make_shared<rep>(*rep_);
  }
  return rep_->structures;
}

void caps::append(structure s) {
  if (is_any()) return;
  writable_structures().push_back(std::move(s));
}

void caps::append(const caps& other) {
  if (is_any() || other.is_empty()) return;
  if (other.is_any()) {
    *this = new_any();
    return;
  }
  if (is_empty()) {
    rep_ = other.rep_;
    return;
  }
  caps keep = other;  // holds the data even if `other` is *this
  auto& mine = writable_structures();
  for (const auto& s : keep.structures()) mine.push_back(s);
}

void caps::merge(structure s) {
  if (is_any() || covered_by_one(s, structures())) return;
  writable_structures().push_back(std::move(s));
}

void caps::merge(const caps& other) {
  if (is_any() || other.is_empty()) return;
  if (other.is_any()) {
    *this = new_any();
    return;
  }
  caps keep = other;  // holds the data even if `other` is *this
  for (const auto& s : keep.structures()) merge(s);
}

caps caps::intersect(const caps& other, intersect_mode mode) const {
  if (is_empty() || other.is_empty()) return caps();
  if (is_any()) return other;
  if (other.is_any() || rep_ == other.rep_) return *this;

  dedup_output out;
  auto add = [&out](std::optional<structure> s) { out.add(std::move(s)); };
  const auto a = structures();
  const auto b = other.structures();
  if (const auto pairs = detail::narrowed_pairs(a, b, mode)) {
    for (const auto& [i, j] : *pairs) add(a[i].intersect(b[j]));
  } else if (mode == intersect_mode::first) {
    for (const auto& x : a) {
      for (const auto& y : b) add(x.intersect(y));
    }
  } else {
    // gst_caps_intersect_zig_zag: walk the anti-diagonals i + j = k so that both
    // sides' early (preferred) structures come first.
    const std::size_t n = a.size(), m = b.size();
    for (std::size_t k = 0; k < n + m - 1; ++k) {
      std::size_t i = std::min(k, n - 1);
      std::size_t j = k - i;
      for (; j < m; ++j) {
        add(a[i].intersect(b[j]));
        if (i == 0) break;
        --i;
      }
    }
  }
  return from_structures(out.take());
}

bool caps::can_intersect(const caps& other) const {
  if (is_empty() || other.is_empty()) return false;
  if (is_any() || other.is_any()) return true;
  for (const auto& x : structures()) {
    for (const auto& y : other.structures()) {
      if (x.can_intersect(y)) return true;
    }
  }
  return false;
}

bool caps::is_subset(const caps& superset) const {
  if (is_empty() || superset.is_any()) return true;
  if (is_any() || superset.is_empty()) return false;
  const auto sup = superset.structures();
  for (const auto& s : structures()) {
    if (covered_by_one(s, sup)) continue;
    if (!has_list(s)) return false;
    // The list's values may be spread over several superset structures.
    std::vector<structure> pieces;
    if (!expand_lists(s, subset_expansion_limit, pieces)) return false;
    for (const auto& p : pieces) {
      if (!covered_by_one(p, sup)) return false;
    }
  }
  return true;
}

bool caps::is_equal(const caps& other) const {
  return rep_ == other.rep_ || (is_subset(other) && other.is_subset(*this));
}

bool operator==(const caps& a, const caps& b) noexcept {
  if (a.rep_ == b.rep_) return true;
  if (a.is_any() || b.is_any()) return a.is_any() && b.is_any();
  auto x = a.structures(), y = b.structures();
  return std::equal(x.begin(), x.end(), y.begin(), y.end());
}

result<caps> caps::fixate() const {
  if (is_any()) return fail(errc::not_negotiated, "cannot fixate ANY caps");
  if (is_empty()) return fail(errc::not_negotiated, "cannot fixate EMPTY caps");
  structure s = rep_->structures.front();
  s.fixate();
  return caps(std::move(s));
}

caps caps::truncate() const {
  if (size() <= 1) return *this;
  return caps(rep_->structures.front());
}

result<caps> caps::normalize(std::size_t max_structures) const {
  if (is_any() || is_empty()) return *this;
  const auto all = structures();
  if (std::none_of(all.begin(), all.end(), has_list)) return *this;
  std::vector<structure> out;
  for (const auto& s : all) {
    if (!expand_lists(s, max_structures, out)) {
      return fail(errc::limit_exceeded, "normalizing caps " + to_string().substr(0, 200) +
                                            " would make more than " +
                                            std::to_string(max_structures) + " structures");
    }
  }
  return from_structures(std::move(out));
}

std::string caps::to_string() const {
  if (is_any()) return "ANY";
  if (is_empty()) return "EMPTY";
  std::string out;
  for (const auto& s : rep_->structures) {
    if (!out.empty()) out += "; ";
    s.append_to(out);
  }
  return out;
}

}  // namespace tessera::core
