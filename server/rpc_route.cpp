#include "server/rpc_route.hpp"

#include "net/websocket_connection.hpp"
#include "server/frame_routes.hpp"
#include "server/jsonrpc.hpp"
#include "server/rpc_bus.hpp"
#include "server/rpc_methods.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>

namespace tessera::server {

namespace asio = boost::asio;

namespace {

/// What one connection owns: its dispatcher (with its parser) and bus subscription.
/// Shared with the job running on the control pool, which may outlive a read that
/// ended early (server stopping).
struct rpc_session {
  rpc_session(pipeline_service& service, const server_stats_source& server_stats, rpc_bus_subscription::sink sink)
      : dispatcher(jsonrpc::dispatch_limits{service.options().max_batch_entries, service.options().max_reply_bytes}),
        bus(service, std::move(sink)) {
    add_rpc_methods(dispatcher, service, bus, server_stats);
  }
  jsonrpc::dispatcher dispatcher;
  rpc_bus_subscription bus;
};

/// The bus sink of one connection: a try_send that leaves room for replies. Holds the
/// connection weakly: the subscription may outlive it for a moment.
rpc_bus_subscription::sink notification_sink(const std::shared_ptr<net::websocket_connection>& conn) {
  return [weak = std::weak_ptr<net::websocket_connection>(conn)](std::string text) {
    auto c = weak.lock();
    if (!c) return false;
    const auto& q = c->queue();
    if (q.size() + reply_reserve_messages >= q.capacity()) return false;
    return c->send_text(std::move(text)) != net::send_result::closed;
  };
}

asio::awaitable<void> serve_rpc_connection(pipeline_service& service, const server_stats_source& server_stats,
                                           net::websocket_upgrade& upgrade) {
  auto accepted = co_await upgrade.accept(rpc_queue_messages);
  if (!accepted) co_return;  // the client went away during the handshake
  const std::shared_ptr<net::websocket_connection> conn = std::move(*accepted);
  auto session = std::make_shared<rpc_session>(service, server_stats, notification_sink(conn));
  for (;;) {
    auto message = co_await conn->read();
    if (!message) break;  // closed, server stopping, or over the size limit (1009 sent)
    // Text and binary frames alike carry JSON text; one reply per message, in order.
    auto text = std::make_shared<const std::string>(std::move(message->data));
    auto job = [session, text] { return session->dispatcher.handle(*text); };
    // Past the request timeout every request of the message gets the timeout error
    // (the work goes on); later messages are not held up behind it.
    auto timed_out = [&service, text] {
      return jsonrpc::error_replies(*text, to_rpc_error(service.timeout_error("the JSON-RPC message")));
    };
    std::optional<std::string> reply = co_await service.run(std::move(job), std::move(timed_out));
    if (reply) conn->send_text(std::move(*reply));
  }
  spdlog::debug("rpc: connection from {} closed ({} notifications sent, {} dropped)",
                conn->remote().address().to_string(), session->bus.sent(), session->bus.dropped());
}

}  // namespace

result<void> add_rpc_route(net::router& router, pipeline_service& service, server_stats_source server_stats) {
  return router.add_websocket("/api/v1/rpc", [&service, stats = std::move(server_stats)](
                                                 net::request_context&, net::websocket_upgrade& up) {
    return serve_rpc_connection(service, stats, up);
  });
}

result<void> register_rpc_and_stream_routes(net::router& router, const rest_context& rest,
                                                  stream_metrics& streams) {
  if (auto r = add_rpc_route(router, rest.service, server_stats_of(rest)); !r) return r;
  return add_frame_routes(router, rest.service, streams);
}

}  // namespace tessera::server
