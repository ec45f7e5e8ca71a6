#include "server/api_params.hpp"

#include "net/request_context.hpp"

namespace tessera::server {

namespace {

service_error invalid(std::string message) { return service_error{service_errc::invalid_params, std::move(message)}; }

// --- REST's words ---

std::string_view rest_type_name(simdjson::dom::element_type t) {
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
                 std::string(rest_type_name(v.type())));
}

service_error missing_field(std::string_view name) { return invalid("field \"" + std::string(name) + "\" is missing"); }

/// A JSON-RPC params error (already "Invalid params: ...") as the service's kind.
template <class T>
service_result<T> from_rpc(jsonrpc::rpc_result<T> r) {
  if (!r) return invalid(std::move(r.error().message));
  return std::move(*r);
}

}  // namespace

// --- rest_params ---

rest_params::rest_params(const net::request_context& ctx, path_names path) {
  for (auto& [name, placeholder] : path) path_values_.emplace_back(std::move(name), std::string(ctx.param(placeholder)));
}

service_result<void> rest_params::parse_body(std::string_view body, std::string_view example) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return invalid("the request body is empty; expected a JSON object like " + std::string(example));
  simdjson::dom::element doc;
  if (auto err = parser_.parse(body.data(), body.size()).get(doc))
    return invalid("the request body is not valid JSON (" + std::string(simdjson::error_message(err)) +
                   "); expected an object like " + std::string(example));
  simdjson::dom::object o;
  if (doc.get_object().get(o))
    return invalid("the request body is " + std::string(rest_type_name(doc.type())) +
                   "; expected a JSON object like " + std::string(example));
  body_ = o;
  return {};
}

std::optional<std::string> rest_params::path_value(std::string_view name) const {
  for (const auto& [n, v] : path_values_)
    if (n == name) return v;
  return std::nullopt;
}

std::optional<simdjson::dom::element> rest_params::field(std::string_view name) const {
  simdjson::dom::element v;
  if (!body_ || body_->at_key(name).get(v)) return std::nullopt;
  return v;
}

service_result<std::optional<std::string>> rest_params::optional_string(std::string_view name) const {
  if (auto p = path_value(name)) return p;
  auto v = field(name);
  if (!v) return std::optional<std::string>{};
  std::string_view s;
  if (v->get_string().get(s)) return wrong_type(name, "a string", *v);
  return std::optional<std::string>(std::string(s));
}

service_result<std::string> rest_params::string(std::string_view name) const {
  auto s = optional_string(name);
  if (!s) return s.error();
  if (!*s) return missing_field(name);
  return std::move(**s);
}

service_result<std::optional<std::int64_t>> rest_params::optional_integer(std::string_view name) const {
  auto v = field(name);
  if (!v) return std::optional<std::int64_t>{};
  std::int64_t i = 0;
  if (v->is_int64() && !v->get_int64().get(i)) return std::optional<std::int64_t>(i);
  if (v->is_uint64()) return invalid("field \"" + std::string(name) + "\" is too large");
  return wrong_type(name, "an integer", *v);
}

service_result<std::int64_t> rest_params::integer(std::string_view name) const {
  auto i = optional_integer(name);
  if (!i) return i.error();
  if (!*i) return missing_field(name);
  return **i;
}

service_result<std::optional<double>> rest_params::optional_number(std::string_view name) const {
  auto v = field(name);
  if (!v) return std::optional<double>{};
  double d = 0;
  if (!v->is_number() || v->get_double().get(d)) return wrong_type(name, "a number", *v);
  return std::optional<double>(d);
}

service_result<std::optional<bool>> rest_params::optional_bool(std::string_view name) const {
  auto v = field(name);
  if (!v) return std::optional<bool>{};
  bool b = false;
  if (v->get_bool().get(b)) return wrong_type(name, "a boolean", *v);
  return std::optional<bool>(b);
}

service_result<std::optional<std::vector<std::string>>> rest_params::optional_strings(std::string_view name) const {
  auto v = field(name);
  if (!v) return std::optional<std::vector<std::string>>{};
  simdjson::dom::array a;
  if (v->get_array().get(a)) return wrong_type(name, "an array of strings", *v);
  std::vector<std::string> out;
  for (simdjson::dom::element item : a) {
    std::string_view s;
    if (item.get_string().get(s)) return wrong_type(name, "an array of strings", item);
    out.emplace_back(s);
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

service_result<simdjson::dom::element> rest_params::value(std::string_view name) const {
  auto v = field(name);
  if (!v) return missing_field(name);
  return *v;
}

// --- rpc_params ---

service_result<std::string> rpc_params::string(std::string_view name) const {
  return from_rpc(p_.required_string(name));
}

service_result<std::optional<std::string>> rpc_params::optional_string(std::string_view name) const {
  return from_rpc(p_.optional_string(name));
}

service_result<std::int64_t> rpc_params::integer(std::string_view name) const { return from_rpc(p_.required_int(name)); }

service_result<std::optional<std::int64_t>> rpc_params::optional_integer(std::string_view name) const {
  if (auto v = p_.get(name); !v || v->is_null()) return std::optional<std::int64_t>{};
  auto i = from_rpc(p_.required_int(name));
  if (!i) return i.error();
  return std::optional<std::int64_t>(*i);
}

service_result<std::optional<double>> rpc_params::optional_number(std::string_view name) const {
  return from_rpc(p_.optional_number(name));
}

service_result<std::optional<bool>> rpc_params::optional_bool(std::string_view name) const {
  return from_rpc(p_.optional_bool(name));
}

service_result<std::optional<std::vector<std::string>>> rpc_params::optional_strings(std::string_view name) const {
  if (!p_.has(name)) return std::optional<std::vector<std::string>>{};
  auto list = from_rpc(p_.string_list(name));  // null: an empty list
  if (!list) return list.error();
  return std::optional<std::vector<std::string>>(std::move(*list));
}

service_result<simdjson::dom::element> rpc_params::value(std::string_view name) const {
  if (auto v = p_.get(name)) return *v;
  return invalid(jsonrpc::invalid_params("'" + std::string(name) + "' is required").message);
}

}  // namespace tessera::server
