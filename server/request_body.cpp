#include "server/request_body.hpp"

namespace tessera::server {

namespace {

service_error invalid(std::string message) { return service_error{service_errc::invalid_params, std::move(message)}; }

std::string_view type_name(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

service_error wrong_type(std::string_view name, std::string_view want, simdjson::dom::element v) {
  return invalid("field \"" + std::string(name) + "\" must be " + std::string(want) + ", not " +
                 std::string(type_name(v.type())));
}

}  // namespace

service_result<simdjson::dom::object> parse_object_body(simdjson::dom::parser& parser, std::string_view body,
                                                        std::string_view example) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return invalid("the request body is empty; expected a JSON object like " + std::string(example));
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc))
    return invalid("the request body is not valid JSON (" + std::string(simdjson::error_message(err)) +
                   "); expected an object like " + std::string(example));
  simdjson::dom::object o;
  if (doc.get_object().get(o))
    return invalid("the request body is " + std::string(type_name(doc.type())) +
                   "; expected a JSON object like " + std::string(example));
  return o;
}

service_result<std::optional<std::string>> optional_string(simdjson::dom::object o, std::string_view name) {
  simdjson::dom::element v;
  if (o.at_key(name).get(v)) return std::optional<std::string>{};
  std::string_view s;
  if (v.get_string().get(s)) return wrong_type(name, "a string", v);
  return std::optional<std::string>(std::string(s));
}

service_result<std::string> required_string(simdjson::dom::object o, std::string_view name) {
  auto s = optional_string(o, name);
  if (!s) return s.error();
  if (!*s) return invalid("field \"" + std::string(name) + "\" is missing");
  return std::move(**s);
}

service_result<std::optional<std::int64_t>> optional_integer(simdjson::dom::object o, std::string_view name) {
  simdjson::dom::element v;
  if (o.at_key(name).get(v)) return std::optional<std::int64_t>{};
  std::int64_t i = 0;
  if (v.is_int64() && !v.get_int64().get(i)) return std::optional<std::int64_t>(i);
  if (v.is_uint64()) return invalid("field \"" + std::string(name) + "\" is too large");
  return wrong_type(name, "an integer", v);
}

service_result<std::optional<double>> optional_number(simdjson::dom::object o, std::string_view name) {
  simdjson::dom::element v;
  if (o.at_key(name).get(v)) return std::optional<double>{};
  double d = 0;
  if (!v.is_number() || v.get_double().get(d)) return wrong_type(name, "a number", v);
  return std::optional<double>(d);
}

service_result<std::optional<std::vector<std::string>>> optional_strings(simdjson::dom::object o,
                                                                         std::string_view name) {
  simdjson::dom::element v;
  if (o.at_key(name).get(v)) return std::optional<std::vector<std::string>>{};
  simdjson::dom::array a;
  if (v.get_array().get(a)) return wrong_type(name, "an array of strings", v);
  std::vector<std::string> out;
  for (simdjson::dom::element item : a) {
    std::string_view s;
    if (item.get_string().get(s)) return wrong_type(name, "an array of strings", item);
    out.emplace_back(s);
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace tessera::server
