#pragma once
/// Reading JSON request bodies (simdjson DOM) with errors that name the problem: the
/// JSON error and where to look, a missing field, a field of the wrong type. Shared by
/// the REST routes; the errors are service_errors of kind invalid_params (HTTP 400).

#include "server/pipeline_service.hpp"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::server {

/// Parses `body` as one JSON object. `example` shows the expected shape in errors.
/// The object points into `parser`, which must outlive it.
service_result<simdjson::dom::object> parse_object_body(simdjson::dom::parser& parser, std::string_view body,
                                                        std::string_view example);

/// The string field `name`; absent is fine (nullopt), another type is an error.
service_result<std::optional<std::string>> optional_string(simdjson::dom::object o, std::string_view name);
/// The string field `name`; it must be present.
service_result<std::string> required_string(simdjson::dom::object o, std::string_view name);
/// The integer field `name` (a JSON number without fraction).
service_result<std::optional<std::int64_t>> optional_integer(simdjson::dom::object o, std::string_view name);
/// The number field `name` (integer or not).
service_result<std::optional<double>> optional_number(simdjson::dom::object o, std::string_view name);
/// The array-of-strings field `name`.
service_result<std::optional<std::vector<std::string>>> optional_strings(simdjson::dom::object o,
                                                                         std::string_view name);

}  // namespace tessera::server
