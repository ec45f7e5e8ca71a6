#pragma once
/// Routes: method + path pattern -> handler, for the three kinds of route.
///
/// Handlers are coroutines on the connection's strand:
///   plain      asio::awaitable<response>(request_context&)
///   stream     asio::awaitable<void>(request_context&, stream_start&)
///   websocket  asio::awaitable<void>(request_context&, websocket_upgrade&)
/// The router stores each handler for its own lifetime (the server's), and every call is
/// awaited at once by the session, so a handler may be a capturing lambda coroutine: its
/// captures outlive the call. The request_context and the start/upgrade objects live
/// only during the call.
///
/// Resolution order for one request: parse the target (400 on a malformed one), run the
/// pre_route hook (its response, if any, is the answer: token, Host and Origin policy),
/// find the most specific pattern matching the path (404 if none), then the method (405
/// with Allow if the pattern has routes but not for this method; HEAD is served by a
/// GET route with the body left out; a pattern with only a WebSocket route answers a
/// non-upgrade request 426).

#include "core/support/result.hpp"
#include "net/http_message.hpp"
#include "net/metrics.hpp"
#include "net/request_context.hpp"
#include "net/route_pattern.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace tessera::net {

class stream_start;
class websocket_upgrade;

using plain_handler = std::function<boost::asio::awaitable<response>(request_context&)>;
using stream_handler =
    std::function<boost::asio::awaitable<void>(request_context&, stream_start&)>;
using websocket_handler =
    std::function<boost::asio::awaitable<void>(request_context&, websocket_upgrade&)>;
/// Runs before routing with ctx.path and ctx.query filled; a response answers the
/// request instead of any route. Called on connection strands, concurrently: must be
/// thread-safe (it normally only reads configuration).
using pre_route_hook = std::function<std::optional<response>(const request_context&)>;

enum class route_kind { plain, stream, websocket };

/// The route table. Built before the server starts (add*, set_pre_route are not
/// thread-safe), then frozen and shared read-only by every session (resolve, record and
/// stats are thread-safe). Neither copyable nor movable: sessions point into it.
class router {
 public:
  router();
  ~router();
  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// A plain route. Errors: bad pattern, the same method and pattern twice, or a pattern
  /// of the same shape with other parameter names.
  result<void> add(verb method, std::string_view pattern, plain_handler handler);
  /// A streaming-response route (e.g. GET .../mjpeg).
  result<void> add_stream(verb method, std::string_view pattern, stream_handler handler);
  /// A WebSocket upgrade route (GET with Upgrade: websocket).
  result<void> add_websocket(std::string_view pattern, websocket_handler handler);

  /// Replaces the hook. errc::bad_state after freeze().
  result<void> set_pre_route(pre_route_hook hook);

  /// After this (the server calls it in start()), add* answer errc::bad_state: the
  /// table is being read by sessions on other threads.
  void freeze() noexcept { frozen_ = true; }

  /// One registered route: a method of a pattern, with its counters.
  struct route {
    std::string method_name;  ///< "GET", ..., "WEBSOCKET"
    verb method = verb::get;
    route_kind kind = route_kind::plain;
    const route_pattern* pattern = nullptr;
    plain_handler plain;
    stream_handler stream;
    websocket_handler websocket;
    mutable std::atomic<std::uint64_t> requests{0};
    mutable std::atomic<std::uint64_t> latency_ns{0};
  };

  /// Why a request was answered without a route.
  enum class answered_by { none, bad_target, pre_route, not_found, method_not_allowed,
                           upgrade_required };

  /// The outcome of routing one request: a route to call, or an answer.
  struct resolution {
    const route* target = nullptr;  ///< set when `answer` is empty
    bool head_only = false;         ///< HEAD served by a GET route: send no body
    std::optional<response> answer;
    answered_by reason = answered_by::none;
  };

  /// Fills ctx.path/query, runs pre_route, then ctx.params/route and picks the route.
  resolution resolve(request_context& ctx) const;

  /// Adds one request and its latency to the route's counters.
  static void record(const route& r, std::chrono::nanoseconds latency) noexcept;

  /// Requests and latency sums per route, in registration order.
  std::vector<route_stats> stats() const;

 private:
  struct pattern_routes;
  result<route*> add_route(std::string_view pattern, verb method, std::string method_name,
                           route_kind kind);

  std::vector<std::unique_ptr<pattern_routes>> patterns_;
  pre_route_hook pre_route_;
  bool frozen_ = false;
};

}  // namespace tessera::net
