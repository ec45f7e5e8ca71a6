#pragma once
/// A transport-free JSON-RPC 2.0 dispatcher (https://www.jsonrpc.org/specification).
///
/// Model: one text message in, at most one text message out. The message is parsed
/// with simdjson; it is a single Request object or a batch (an array of them). Each
/// Request names a method registered here with the names of its parameters; the
/// handler reads its parameters through `params`, which accepts them by name (an
/// object) or by position (an array, mapped onto the declared names in order), and
/// answers a Boost.JSON result or an `rpc_error`. Replies are built with Boost.JSON.
///
/// The rules, as the specification states them:
///  - not JSON                               -> -32700, id null
///  - not a Request object, empty batch      -> -32600, id null (or the id when it was
///    ("jsonrpc" not "2.0", "method" not a      readable: a string, number or null)
///    string, "params" not array/object,
///    "id" not string/number/null)
///  - unknown method                         -> -32601 naming it
///  - bad or missing parameter               -> -32602 naming it and what was wrong
///  - a handler's failure                    -> its code (server errors -32000..-32099)
///  - a Request without "id" is a notification: it is run, never answered (an invalid
///    Request is answered even without an id, as the specification's examples show);
///    a batch whose members are all notifications gets no reply at all.
///  - "id" is echoed as sent: string, integer, fractional number or null.
///
/// Bounds (dispatch_limits), so that one message cannot make an unbounded reply:
///  - a batch of more than max_batch_entries Requests -> one -32600 naming the limit,
///    nothing run;
///  - replies stop growing at max_reply_bytes: a Response that would take the reply
///    text past it is replaced by a -32003 error naming the budget, and the batch's
///    later Requests are not run, each answered by a short -32003 error (notifications
///    not answered). So a reply is at most max_reply_bytes plus ~250 bytes per entry.
///
/// Ownership and threads: a dispatcher owns its handlers and its simdjson parser, so it
/// is used by one connection at a time (not thread-safe); `params` and the simdjson
/// values it hands out are valid only during the handler call.

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::server::jsonrpc {

/// The error codes of the specification.
namespace code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
/// Server errors are -32000..-32099; tessera's own (not found, conflict, ...) are given
/// by service_error::rpc_code() (server/pipeline_service.hpp).
inline constexpr int server_error = -32000;
inline constexpr int server_error_last = -32099;
/// A bound of section 8 was reached (the same code as service_errc::limit_exceeded).
inline constexpr int limit_exceeded = -32003;
}  // namespace code

/// A JSON-RPC Error object: code, message and optional data (null: left out).
/// (Not an aggregate on purpose: C++20 would otherwise let a bare int convert to it,
/// making rpc_result<std::int64_t>'s constructors ambiguous.)
struct rpc_error {
  int code = code::internal_error;
  std::string message;
  boost::json::value data;

  rpc_error() = default;
  rpc_error(int c, std::string m, boost::json::value d = nullptr)
      : code(c), message(std::move(m)), data(std::move(d)) {}
};

[[noreturn]] void throw_exception_from_error(const rpc_error& e, const boost::source_location& loc);

template <class T>
using rpc_result = boost::system::result<T, rpc_error>;

/// -32602 with "Invalid params: <what>".
rpc_error invalid_params(std::string what);

/// The parameters of one call, by name. Valid during the handler call only.
class params {
 public:
  /// `declared` are the method's parameter names (for positional mapping and for
  /// refusing unknown names); `given` is the Request's "params" member, if any.
  static rpc_result<params> bind(const std::vector<std::string>& declared,
                                 std::optional<simdjson::dom::element> given);

  /// The raw value of `name`, if given (JSON null counts as given).
  std::optional<simdjson::dom::element> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

  rpc_result<std::string> required_string(std::string_view name) const;
  rpc_result<std::optional<std::string>> optional_string(std::string_view name) const;
  /// An integer (a JSON number without fraction that fits in int64).
  rpc_result<std::int64_t> required_int(std::string_view name) const;
  rpc_result<std::optional<double>> optional_number(std::string_view name) const;
  rpc_result<std::optional<bool>> optional_bool(std::string_view name) const;
  /// An array of strings (e.g. seek flags); absent -> empty.
  rpc_result<std::vector<std::string>> string_list(std::string_view name) const;
  /// Any JSON value, converted to Boost.JSON (e.g. a property value).
  rpc_result<boost::json::value> required_value(std::string_view name) const;

 private:
  std::map<std::string, simdjson::dom::element, std::less<>> values_;
};

/// `e` as a Boost.JSON value (integers stay integers, strings are copied).
boost::json::value to_boost_json(simdjson::dom::element e);

/// The bounds of one message (`tessera serve --max-batch`, `--max-reply-bytes`).
struct dispatch_limits {
  std::size_t max_batch_entries = 64;
  std::size_t max_reply_bytes = std::size_t{8} << 20;
};

/// Method name -> (parameter names, handler); handles messages.
class dispatcher {
 public:
  using handler = std::function<rpc_result<boost::json::value>(const params&)>;

  explicit dispatcher(dispatch_limits limits = {}) : limits_(limits) {}
  dispatcher(const dispatcher&) = delete;
  dispatcher& operator=(const dispatcher&) = delete;

  /// Registers (or replaces) `method`.
  void add(std::string method, std::vector<std::string> param_names, handler h);
  bool has(std::string_view method) const { return methods_.find(method) != methods_.end(); }

  /// Handles one message: the reply text, or nothing when no reply is due.
  /// Never throws: a handler that throws is answered -32603. May run on several
  /// threads at once (a message that timed out still runs while the next is handled):
  /// each thread parses with its own parser.
  std::optional<std::string> handle(std::string_view message);

 private:
  struct method_entry {
    std::vector<std::string> param_names;
    handler fn;
  };
  /// One Request (an element of a batch, or the whole message): its Response object,
  /// or nothing for a notification.
  std::optional<boost::json::value> handle_one(simdjson::dom::element request);
  /// What a batch entry gets once the reply budget is spent: the -32003 error with
  /// the entry's id, or nothing for a notification (or an entry without a readable id
  /// that is not even a Request object: it gets the error with id null).
  std::optional<boost::json::value> refuse_over_budget(simdjson::dom::element request) const;
  rpc_error over_budget_error(std::size_t reply_bytes, bool in_batch) const;

  dispatch_limits limits_;
  std::map<std::string, method_entry, std::less<>> methods_;
};

/// The Response object for a failure (`id` null when unknown).
boost::json::value error_response(const rpc_error& e, boost::json::value id);
/// The reply to `message` when it could not be handled in time: `e` for each request
/// in it that has an id (an array for a batch), nothing for notifications only. Text
/// that does not parse gets `e` with a null id.
std::optional<std::string> error_replies(std::string_view message, const rpc_error& e);
/// A Notification object (no id): `{"jsonrpc":"2.0","method":..,"params":..}`.
std::string notification(std::string_view method, boost::json::value params);

}  // namespace tessera::server::jsonrpc
