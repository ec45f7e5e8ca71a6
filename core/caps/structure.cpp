#include "core/caps/structure.hpp"

#include "core/caps/caps_parser.hpp"
#include "core/caps/caps_tokens.hpp"
#include "core/caps/value_algebra.hpp"

#include <algorithm>

namespace tessera::core {

result<structure> structure::make(std::string_view media_type) {
  if (auto problem = detail::media_type_name_problem(media_type); !problem.empty()) {
    return fail(errc::invalid_argument, problem);
  }
  return structure(std::string(media_type));
}

result<structure> structure::parse(std::string_view text) {
  return detail::parse_structure_text(text);
}

const value* structure::get(std::string_view name) const noexcept {
  for (const auto& f : fields_) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

value* structure::find(std::string_view name) noexcept {
  for (auto& f : fields_) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

bool structure::has_field_of_kind(std::string_view name, value_kind kind) const noexcept {
  const value* v = get(name);
  return v && v->kind() == kind;
}

std::optional<std::int64_t> structure::get_int(std::string_view name) const noexcept {
  const value* v = get(name);
  return v ? v->as_int() : std::nullopt;
}
std::optional<double> structure::get_double(std::string_view name) const noexcept {
  const value* v = get(name);
  return v ? v->as_double() : std::nullopt;
}
std::optional<bool> structure::get_bool(std::string_view name) const noexcept {
  const value* v = get(name);
  return v ? v->as_bool() : std::nullopt;
}
std::optional<std::string> structure::get_string(std::string_view name) const {
  const value* v = get(name);
  if (!v) return std::nullopt;
  if (auto s = v->as_string()) return std::string(*s);
  return std::nullopt;
}
std::optional<fraction> structure::get_fraction(std::string_view name) const noexcept {
  const value* v = get(name);
  return v ? v->as_fraction() : std::nullopt;
}

result<void> structure::set(std::string_view name, value v) {
  if (value* existing = find(name)) {
    *existing = std::move(v);
    return {};
  }
  if (auto problem = detail::field_name_problem(name); !problem.empty()) {
    return fail(errc::invalid_argument, problem);
  }
  fields_.push_back(field{std::string(name), std::move(v)});
  return {};
}

bool structure::remove_field(std::string_view name) noexcept {
  auto it = std::find_if(fields_.begin(), fields_.end(),
                         [name](const field& f) { return f.name == name; });
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

bool structure::is_fixed() const noexcept {
  return std::all_of(fields_.begin(), fields_.end(),
                     [](const field& f) { return f.value.is_fixed(); });
}

std::optional<structure> structure::intersect(const structure& other) const {
  if (name_ != other.name_) return std::nullopt;
  // Two different fixed values are the common way a pair fails in large caps
  // (width=3 against width=5): reject those before building anything.
  for (const auto& f : fields_) {
    if (!f.value.is_fixed()) continue;
    const value* theirs = other.get(f.name);
    if (theirs && theirs->is_fixed() && !(f.value == *theirs)) return std::nullopt;
  }
  structure out(name_);
  out.fields_.reserve(fields_.size() + other.fields_.size());
  for (const auto& f : fields_) {
    if (const value* theirs = other.get(f.name)) {
      auto common = core::intersect(f.value, *theirs);
      if (!common) return std::nullopt;
      out.fields_.push_back(field{f.name, std::move(*common)});
    } else {
      out.fields_.push_back(f);
    }
  }
  for (const auto& f : other.fields_) {
    if (!get(f.name)) out.fields_.push_back(f);
  }
  return out;
}

bool structure::can_intersect(const structure& other) const {
  if (name_ != other.name_) return false;
  return std::all_of(fields_.begin(), fields_.end(), [&other](const field& f) {
    const value* theirs = other.get(f.name);
    return !theirs || core::can_intersect(f.value, *theirs);
  });
}

bool structure::is_subset(const structure& superset) const noexcept {
  if (name_ != superset.name_) return false;
  return std::all_of(superset.fields_.begin(), superset.fields_.end(), [this](const field& f) {
    const value* mine = get(f.name);
    return mine && core::is_subset(*mine, f.value);
  });
}

void structure::fixate() {
  for (auto& f : fields_) {
    if (!f.value.is_fixed()) f.value = core::fixate(f.value);
  }
}

bool structure::fixate_field(std::string_view name) {
  value* v = find(name);
  if (!v || v->is_fixed()) return false;
  *v = core::fixate(*v);
  return true;
}

namespace {
// Replaces *v with the helper's choice, if there is one.
bool replace_with(value* v, std::optional<value> choice) {
  if (!v || !choice) return false;
  *v = std::move(*choice);
  return true;
}
}  // namespace

bool structure::fixate_field_nearest_int(std::string_view name, std::int64_t target) {
  value* v = find(name);
  return v && replace_with(v, nearest_int(*v, target));
}
bool structure::fixate_field_nearest_double(std::string_view name, double target) {
  value* v = find(name);
  return v && replace_with(v, nearest_double(*v, target));
}
bool structure::fixate_field_nearest_fraction(std::string_view name, fraction target) {
  value* v = find(name);
  return v && replace_with(v, nearest_fraction(*v, target));
}
bool structure::fixate_field_string(std::string_view name, std::string_view target) {
  value* v = find(name);
  return v && replace_with(v, preferred_string(*v, target));
}
bool structure::fixate_field_bool(std::string_view name, bool target) {
  value* v = find(name);
  return v && replace_with(v, preferred_bool(*v, target));
}

void structure::append_to(std::string& out) const {
  out += name_;
  for (const auto& f : fields_) {
    out += ',';
    out += f.name;
    out += '=';
    f.value.append_to(out);
  }
}

std::string structure::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

bool operator==(const structure& a, const structure& b) noexcept {
  if (a.name_ != b.name_ || a.fields_.size() != b.fields_.size()) return false;
  // Names are unique within a structure, so equal counts plus inclusion is equality.
  return std::all_of(a.fields_.begin(), a.fields_.end(), [&b](const field& f) {
    const value* theirs = b.get(f.name);
    return theirs && *theirs == f.value;
  });
}

}  // namespace tessera::core
