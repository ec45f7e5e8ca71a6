#pragma once
/// What a streaming route's handler works with: start (or refuse) the response, then a
/// writer whose parts the server side pushes (MJPEG `multipart/x-mixed-replace`).

#include "core/support/result.hpp"
#include "net/http_message.hpp"
#include "net/outbound_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace tessera::net {

/// How the streamed body is framed.
struct stream_format {
  std::string content_type;       ///< of the response
  std::string part_content_type;  ///< multipart: Content-Type of each part
  std::string boundary;           ///< multipart: the boundary; empty = raw bytes

  /// `multipart/x-mixed-replace;boundary=<boundary>`; each message becomes one part
  /// with its own Content-Type and Content-Length (what an <img> plays as MJPEG).
  static stream_format multipart(std::string part_content_type,
                                 std::string boundary = "tessera-frame");
  /// Each message's bytes are written as they are (e.g. text/event-stream).
  static stream_format raw(std::string content_type);

  bool is_multipart() const noexcept { return !boundary.empty(); }
};

/// A streamed HTTP response in progress (close-delimited body, Connection: close).
/// try_send from any thread queues one part (bounded, drop-oldest). The session watches
/// the socket, so a client that goes away ends the stream even when no part is sent.
class stream_writer : public outbound_client {
 public:
  /// Handler coroutine only: returns once the stream has ended (client gone, close(),
  /// write failure or server stop). A handler typically subscribes the writer, awaits
  /// this, then unsubscribes.
  virtual boost::asio::awaitable<void> wait_closed() = 0;

 protected:
  using outbound_client::outbound_client;
};

/// Given to a streaming route's handler: it either begins the stream (the 200 header
/// is written before begin() returns) or refuses with a normal response. A handler that
/// returns having done neither gets a 500 sent for it. Valid during the handler call.
class stream_start {
 public:
  virtual ~stream_start() = default;

  /// Writes the response header (`extra` fields added) and returns the writer.
  /// `queue_messages` sizes its send queue (0: http_server_config::send_queue_messages).
  /// Errors: the header could not be written (client gone), or called twice.
  boost::asio::awaitable<result<std::shared_ptr<stream_writer>>> begin(
      stream_format format, header_map extra = {}, std::size_t queue_messages = 0) {
    return do_begin(std::move(format), std::move(extra), queue_messages);
  }

  /// Answers `r` instead of streaming.
  /// errc::bad_state when already accepted/begun or refused.
  result<void> refuse(response r) { return do_refuse(std::move(r)); }

 private:
  virtual boost::asio::awaitable<result<std::shared_ptr<stream_writer>>> do_begin(
      stream_format format, header_map extra, std::size_t queue_messages) = 0;
  virtual result<void> do_refuse(response r) = 0;
};

}  // namespace tessera::net
