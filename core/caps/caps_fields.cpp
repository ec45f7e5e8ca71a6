#include "core/caps/caps_fields.hpp"

namespace tessera::core::detail {
namespace {

// The value of a fixed field of the given kind, or an error naming the field.
result<const value*> fixed_of_kind(const structure& s, std::string_view name, value_kind kind) {
  const value* v = s.get(name);
  const std::string lack = s.name() + " caps lack a fixed " + std::string(name);
  if (!v) return fail(errc::invalid_argument, lack);
  if (!v->is_fixed()) {
    return fail(errc::invalid_argument, lack + " (" + std::string(name) + "=" + v->to_string() + ")");
  }
  if (v->kind() != kind) {
    return fail(errc::invalid_argument, s.name() + " caps: " + std::string(name) + " must be " +
                                            (kind == value_kind::integer ? "an " : "a ") +
                                            std::string(kind_name(kind)) + ", got " +
                                            std::string(kind_name(v->kind())) + " " + v->to_string());
  }
  return v;
}

}  // namespace

result<const structure*> single_structure(const caps& c, std::string_view media_type) {
  const std::string expected = "expected fixed " + std::string(media_type) + " caps, got ";
  if (c.is_any() || c.is_empty()) return fail(errc::invalid_argument, expected + c.to_string());
  if (c.size() != 1) {
    return fail(errc::invalid_argument, expected + std::to_string(c.size()) + " structures: " +
                                            c.to_string().substr(0, 200));
  }
  const structure* s = c.structure_at(0);
  if (auto ok = check_media_type(*s, media_type); !ok) return ok.error();
  return s;
}

result<void> check_media_type(const structure& s, std::string_view media_type) {
  if (!s.has_name(media_type)) {
    return fail(errc::invalid_argument,
                "expected " + std::string(media_type) + " caps, got " + s.name());
  }
  return {};
}

result<std::int64_t> fixed_int(const structure& s, std::string_view name, std::int64_t min,
                               std::int64_t max) {
  auto v = fixed_of_kind(s, name, value_kind::integer);
  if (!v) return v.error();
  std::int64_t i = *(*v)->as_int();
  if (i < min || i > max) {
    return fail(errc::invalid_argument, s.name() + " caps: " + std::string(name) + " " +
                                            std::to_string(i) + " is out of range [" +
                                            std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return i;
}

result<std::string> fixed_string(const structure& s, std::string_view name) {
  auto v = fixed_of_kind(s, name, value_kind::string);
  if (!v) return v.error();
  return std::string(*(*v)->as_string());
}

result<fraction> fixed_fraction(const structure& s, std::string_view name) {
  auto v = fixed_of_kind(s, name, value_kind::fraction);
  if (!v) return v.error();
  return *(*v)->as_fraction();
}

}  // namespace tessera::core::detail
