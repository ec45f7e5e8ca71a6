#pragma once
/// The one parameter reader of the API's methods (api_method.hpp).
///
/// A method reads its parameters by name through `api_args`, the same code for both
/// protocols; the first parameter that cannot be read stops the call with its error.
/// Where the values come from, and how a refusal is worded, is the `param_source`'s:
///
///  - rest_params: the route's path parameters and the JSON body, in REST's words
///    (docs/api.md, Conventions): `field "state" is missing`,
///    `field "state" must be a string, not a number`; a body that is empty, not JSON
///    or not an object is refused before any field is read, with an example of the
///    expected body. A null field is a field of the wrong type.
///  - rpc_params: a JSON-RPC call's params (jsonrpc::params, by name or position), in
///    JSON-RPC's words: `Invalid params: 'state' is required`,
///    `Invalid params: 'state' must be a string, got integer`. A null optional
///    param counts as absent, and an integer may be written as a number without a
///    fraction (1e9).
///
/// Either way the refusal is a service_error of kind invalid_params (HTTP 400, -32602).

#include "server/jsonrpc.hpp"
#include "server/pipeline_service.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::net {
struct request_context;
}

namespace tessera::server {

/// Where a method's parameters come from. Absent optional ones are nullopt; a value of
/// the wrong type, or a missing required one, is an invalid_params error.
class param_source {
 public:
  virtual ~param_source() = default;
  virtual service_result<std::string> string(std::string_view name) const = 0;
  virtual service_result<std::optional<std::string>> optional_string(std::string_view name) const = 0;
  virtual service_result<std::int64_t> integer(std::string_view name) const = 0;
  virtual service_result<std::optional<std::int64_t>> optional_integer(std::string_view name) const = 0;
  virtual service_result<std::optional<double>> optional_number(std::string_view name) const = 0;
  virtual service_result<std::optional<bool>> optional_bool(std::string_view name) const = 0;
  /// An array of strings.
  virtual service_result<std::optional<std::vector<std::string>>> optional_strings(std::string_view name) const = 0;
  /// Any JSON value (a property value); required. Valid while the source is.
  virtual service_result<simdjson::dom::element> value(std::string_view name) const = 0;
};

/// A param_source's reads one after the other, stopping at the first error: a method
/// reads everything it needs and then checks ok() once.
class api_args {
 public:
  explicit api_args(const param_source& source) : source_(source) {}

  std::string string(std::string_view name) { return take(source_.string(name)); }
  std::optional<std::string> optional_string(std::string_view name) { return take(source_.optional_string(name)); }
  std::int64_t integer(std::string_view name) { return take(source_.integer(name)); }
  std::optional<std::int64_t> optional_integer(std::string_view name) { return take(source_.optional_integer(name)); }
  std::optional<double> optional_number(std::string_view name) { return take(source_.optional_number(name)); }
  std::optional<bool> optional_bool(std::string_view name) { return take(source_.optional_bool(name)); }
  std::optional<std::vector<std::string>> optional_strings(std::string_view name) {
    return take(source_.optional_strings(name));
  }
  /// nullopt only after an error.
  std::optional<simdjson::dom::element> value(std::string_view name) {
    auto v = source_.value(name);
    using maybe = service_result<std::optional<simdjson::dom::element>>;
    return take(v ? maybe(*v) : maybe(v.error()));
  }

  /// False once a read failed; error() is then the first failure.
  bool ok() const noexcept { return !error_; }
  const service_error& error() const { return *error_; }

 private:
  template <class T>
  T take(service_result<T> r) {
    if (error_) return T{};
    if (!r) {
      error_ = r.error();
      return T{};
    }
    return std::move(*r);
  }

  const param_source& source_;
  std::optional<service_error> error_;
};

/// A REST request's parameters: `path` maps a parameter name to the route's
/// placeholder it comes from (e.g. "pipeline" -> "p"); every other name is a field of
/// the JSON body. The body is parsed by parse_body() (before any read): it must be
/// one JSON object; `example` shows the expected shape in errors.
class rest_params final : public param_source {
 public:
  using path_names = std::vector<std::pair<std::string, std::string>>;

  rest_params(const net::request_context& ctx, path_names path);
  /// Parses `body` into this object's document.
  service_result<void> parse_body(std::string_view body, std::string_view example);

  service_result<std::string> string(std::string_view name) const override;
  service_result<std::optional<std::string>> optional_string(std::string_view name) const override;
  service_result<std::int64_t> integer(std::string_view name) const override;
  service_result<std::optional<std::int64_t>> optional_integer(std::string_view name) const override;
  service_result<std::optional<double>> optional_number(std::string_view name) const override;
  service_result<std::optional<bool>> optional_bool(std::string_view name) const override;
  service_result<std::optional<std::vector<std::string>>> optional_strings(std::string_view name) const override;
  service_result<simdjson::dom::element> value(std::string_view name) const override;

 private:
  /// The path parameter `name`, if it is one.
  std::optional<std::string> path_value(std::string_view name) const;
  /// The body field `name`, if given.
  std::optional<simdjson::dom::element> field(std::string_view name) const;

  std::vector<std::pair<std::string, std::string>> path_values_;  // name -> decoded value
  simdjson::dom::parser parser_;
  std::optional<simdjson::dom::object> body_;
};

/// A JSON-RPC call's params (bound by the dispatcher to the method's declared names).
class rpc_params final : public param_source {
 public:
  explicit rpc_params(const jsonrpc::params& p) : p_(p) {}

  service_result<std::string> string(std::string_view name) const override;
  service_result<std::optional<std::string>> optional_string(std::string_view name) const override;
  service_result<std::int64_t> integer(std::string_view name) const override;
  service_result<std::optional<std::int64_t>> optional_integer(std::string_view name) const override;
  service_result<std::optional<double>> optional_number(std::string_view name) const override;
  service_result<std::optional<bool>> optional_bool(std::string_view name) const override;
  service_result<std::optional<std::vector<std::string>>> optional_strings(std::string_view name) const override;
  service_result<simdjson::dom::element> value(std::string_view name) const override;

 private:
  const jsonrpc::params& p_;
};

}  // namespace tessera::server
