#pragma once
/// Beast-free HTTP request and response values handed to route handlers.
///
/// Handlers and the server layer see these plain types instead of beast::http::message,
/// so only net's own translation units instantiate Beast. Method and status use Beast's
/// small enums (`verb`, `status`), which carry no templates. Bodies are moved between
/// these types and Beast's string_body, never copied.

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::net {

using verb = boost::beast::http::verb;
using status = boost::beast::http::status;

/// Header fields in arrival order; names compare case-insensitively. A value type.
class header_map {
 public:
  using field = std::pair<std::string, std::string>;

  /// Appends a field (repeated names are kept, as HTTP allows).
  void add(std::string name, std::string value);
  /// Replaces every field called `name` by one.
  void set(std::string name, std::string value);
  void erase(std::string_view name);
  /// The first field called `name`.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }

 private:
  std::vector<field> fields_;
};

/// A complete HTTP/1.x request as read from the wire.
struct request {
  verb method = verb::get;
  std::string method_text;  ///< the method as sent (useful when `method` is verb::unknown)
  std::string target;       ///< request-target as sent: path and query, still percent-encoded
  unsigned version = 11;    ///< 10 or 11
  bool keep_alive = true;   ///< what the client asked for (Connection header and version)
  header_map headers;
  std::string body;
};

/// A complete HTTP response built by a handler. Content-Length and Connection are set
/// by the session; everything else is the handler's.
struct response {
  status code = status::ok;
  header_map headers;
  std::string body;

  /// `body` with `Content-Type: content_type`.
  static response text(status code, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  /// `body` (already JSON) with `Content-Type: application/json`.
  static response json(status code, std::string body);
  /// the API's error shape (docs/api.md): `{"error":{"code":<HTTP status>,"message":"..."}}`.
  static response error(status code, std::string_view message);
  /// No body.
  static response empty(status code);
};

/// Case-insensitive ASCII comparison, as HTTP names and tokens need.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace tessera::net
