#pragma once
/// Internal: the part of a connection that took over from HTTP: a WebSocket or a
/// streamed response. Both follow one protocol, written here once:
///
///   deciding --accept()/begin()--> open --handler returns, queue drains--> ended
///      |  \--refuse(r) or server stopping--> refused: r (or 503) is sent as HTTP
///      |   \-handshake or header write fails--> failed
///      \--handler returns without deciding--> undecided: 500
///
/// Two coroutines share the connection's strand: the route's handler, which decides
/// and then (for a WebSocket) reads, and one writer, which sleeps until the decision
/// and then drains the connection's bounded send_queue onto the socket. A derived
/// class gives the handshake (do_accept / do_begin, which call open()), how a queued
/// message is written (transmit) and how the handler's handle ends.

#include "net/connection_stream.hpp"
#include "net/http_io.hpp"
#include "net/metrics.hpp"
#include "net/request_context.hpp"
#include "net/router.hpp"
#include "net/send_queue.hpp"
#include "net/session_services.hpp"
#include "net/wake_signal.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace tessera::net::detail {

/// How errors and logs name one kind of upgraded connection.
struct upgrade_words {
  std::string_view kind;     ///< "WebSocket" | "streaming"
  std::string_view start;    ///< the deciding call: "accept" | "begin"
  std::string_view started;  ///< "accepted" | "begun"
  std::string_view subject;  ///< "the upgrade" | "the stream"
};

class upgraded_connection : public session_phase {
 public:
  /// Runs the handler and the writer to their end. The response to send as HTTP when
  /// the handler refused (or failed to decide); nullopt when the connection was upgraded.
  boost::asio::awaitable<std::optional<response>> run(request_context& ctx);

  virtual ~upgraded_connection() = default;
  void request_stop() override;
  void force_close() override;

 protected:
  using gauge = std::atomic<std::uint64_t> server_counters::*;

  upgraded_connection(const session_services& services, connection_stream& stream,
                      const boost::asio::ip::tcp::endpoint& remote, const router::route& route,
                      bool stopping, upgrade_words words, gauge active_gauge);

  /// errc::bad_state when the handler already decided (start() or refuse() twice).
  result<void> not_decided(std::string_view call) const;
  /// Before a handshake: not_decided(); when the server is stopping, refuses with 503
  /// and answers errc::closed.
  result<void> may_start();
  /// refuse(r) of the handler.
  result<void> refuse_with(response r);
  /// The handshake (or header write) is over: records the route's decision latency.
  void decided() { router::record(route_, std::chrono::steady_clock::now() - started_); }
  /// The handshake failed: the connection ends without a response.
  result<void> start_failed(std::string message);
  /// The handshake succeeded: makes the send queue (`queue_messages`, 0 for the
  /// configured size), counts the connection active and wakes the writer.
  std::shared_ptr<send_queue> open(std::size_t queue_messages);
  /// After the derived class made its handle: a stop that arrived during the
  /// handshake takes effect now.
  void opened();
  /// Strand only. Ends the queue, the handle and the gauge; idempotent. Derived
  /// destructors call it (a coroutine frame destroyed mid-way ends here).
  void detach();

  const router::route& route() const noexcept { return route_; }
  bool is_open() const noexcept { return state_ == state::open; }
  bool stopping() const noexcept { return stopping_; }
  void wake_writer() { wake_->ring(); }
  boost::asio::awaitable<void> writer_sleep() { co_await wake_->wait(); }

  const session_services& services_;
  connection_stream& stream_;
  const boost::asio::ip::tcp::endpoint& remote_;
  std::shared_ptr<send_queue> queue_;

 private:
  enum class state { deciding, open, refused, undecided, failed };

  /// Calls the route's handler with this object (as websocket_upgrade or stream_start).
  virtual boost::asio::awaitable<void> call_handler(request_context& ctx) = 0;
  /// The handler returned (threw: it failed) while open: end the handle's side.
  virtual void handler_ended(bool threw) = 0;
  /// Open: write the queue out until it finishes.
  virtual boost::asio::awaitable<void> transmit() = 0;
  /// The writer threw.
  virtual void writer_failed() {}
  /// request_stop() while open, before the queue is closed (a WebSocket's close code).
  virtual void stop_open() {}
  /// The handler's handle no longer reaches this object.
  virtual void detach_handle() noexcept = 0;

  boost::asio::awaitable<void> handler_part(request_context& ctx);
  boost::asio::awaitable<void> writer_part();

  const router::route& route_;
  const upgrade_words words_;
  const gauge gauge_;
  bool stopping_;
  const std::shared_ptr<wake_signal> wake_;  // the writer sleeps on it
  const std::chrono::steady_clock::time_point started_;
  std::optional<response> refusal_;
  state state_ = state::deciding;
  bool counted_active_ = false;
};

/// Runs a WebSocket or streaming route on `stream` for `req`. Returns the response to
/// send instead when the handler refused (or failed to decide); nullopt when the
/// connection was upgraded (it has then ended). `active` points at the running phase
/// while it runs so the session can forward stop requests. Strand only; the caller
/// awaits at once.
boost::asio::awaitable<std::optional<response>> run_upgraded_route(
    const session_services& services, connection_stream& stream, const beast_request& req,
    request_context& ctx, const router::route& route, session_phase*& active, bool stopping);

}  // namespace tessera::net::detail
