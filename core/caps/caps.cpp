#include "core/caps/caps.hpp"

#include "core/caps/caps_parser.hpp"

#include <algorithm>

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

  std::vector<structure> out;
  auto add = [&out](std::optional<structure> s) {
    if (s && !covered_by_one(*s, out)) out.push_back(std::move(*s));
  };
  const auto a = structures();
  const auto b = other.structures();
  if (mode == intersect_mode::first) {
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
  return from_structures(std::move(out));
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
