#pragma once
/// The JSON-RPC endpoint: WebSocket /api/v1/rpc (docs/api.md), and the one call
/// `tessera serve` makes to add every real-time route (RPC and frame streams).
///
/// One coroutine per connection reads a message, has the dispatcher handle it on the
/// service's control pool (methods may block: a state change joins streaming tasks),
/// and queues the reply, if any, before reading the next: replies come in request
/// order, one per message. bus.message notifications are queued from streaming threads
/// in between; they never take the last `reply_reserve_messages` places of the
/// connection's queue, so a burst of notifications cannot push out a reply (a reply is
/// the newest message when queued, and drop-oldest drops notifications first).
/// Closing the socket ends the coroutine and the connection's bus subscription.

#include "net/router.hpp"
#include "server/pipeline_service.hpp"
#include "server/rest_routes.hpp"
#include "server/rpc_methods.hpp"
#include "server/stream_metrics.hpp"

#include <cstddef>

namespace tessera::server {

/// Send queue of one RPC connection (messages): replies plus notifications.
inline constexpr std::size_t rpc_queue_messages = 256;
/// Places of that queue notifications leave free for replies.
inline constexpr std::size_t reply_reserve_messages = 16;

/// Adds WebSocket /api/v1/rpc. `service` is borrowed: it must outlive the server (and
/// so every connection); `server_stats` answers server.stats.
result<void> add_rpc_route(net::router& router, pipeline_service& service, server_stats_source server_stats);

/// Adds /api/v1/rpc and the frame streams (frame_routes.hpp): what `tessera serve`
/// calls once, next to its REST routes, with the same context (server.stats answers
/// what GET /api/v1/stats does). `rest` is copied; what it refers to, and `streams`,
/// must outlive the server.
result<void> register_rpc_and_stream_routes(net::router& router, const rest_context& rest,
                                                  stream_metrics& streams);

}  // namespace tessera::server
