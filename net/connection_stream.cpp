// The two kinds of connection_stream: a beast::tcp_stream, and a beast::ssl_stream over
// one. The only translation unit (with tls_context.cpp) that sees OpenSSL.
#include "net/connection_stream.hpp"

#include "net/tls_context.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tessera::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

class plain_stream final : public connection_stream {
 public:
  explicit plain_stream(asio::ip::tcp::socket socket) : tcp_(std::move(socket)) {}

  beast::tcp_stream& tcp() noexcept override { return tcp_; }
  bool is_tls() const noexcept override { return false; }

  void start_read(asio::mutable_buffer buffer, io_handler handler) override {
    tcp_.async_read_some(buffer, std::move(handler));
  }
  void start_write(write_buffers buffers, io_handler handler) override {
    tcp_.async_write_some(buffers, std::move(handler));
  }
  void start_handshake(done_handler handler) override {
    asio::post(tcp_.get_executor(), asio::append(std::move(handler), boost::system::error_code{}));
  }
  void start_shutdown(done_handler handler) override {
    boost::system::error_code ec;
    tcp_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    asio::post(tcp_.get_executor(), asio::append(std::move(handler), ec));
  }
  void start_teardown(beast::role_type role, done_handler handler) override {
    using beast::async_teardown;  // basic_stream's: the socket's (shutdown, read to EOF, close)
    async_teardown(role, tcp_, std::move(handler));
  }

 private:
  beast::tcp_stream tcp_;
};

class tls_stream final : public connection_stream {
 public:
  tls_stream(asio::ip::tcp::socket socket, std::shared_ptr<tls_context> context)
      : context_(std::move(context)), ssl_(std::move(socket), context_->native()) {}

  beast::tcp_stream& tcp() noexcept override { return beast::get_lowest_layer(ssl_); }
  bool is_tls() const noexcept override { return true; }

  void start_read(asio::mutable_buffer buffer, io_handler handler) override {
    ssl_.async_read_some(buffer, std::move(handler));
  }
  void start_write(write_buffers buffers, io_handler handler) override {
    ssl_.async_write_some(buffers, std::move(handler));
  }
  void start_handshake(done_handler handler) override {
    ssl_.async_handshake(context_->is_server() ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
                         std::move(handler));
  }
  void start_shutdown(done_handler handler) override { ssl_.async_shutdown(std::move(handler)); }
  void start_teardown(beast::role_type role, done_handler handler) override {
    using beast::async_teardown;  // ssl_stream's: close_notify, then the socket's
    async_teardown(role, ssl_, std::move(handler));
  }

 private:
  const std::shared_ptr<tls_context> context_;  // outlives ssl_
  beast::ssl_stream<beast::tcp_stream> ssl_;
};

}  // namespace

std::unique_ptr<connection_stream> make_plain_stream(asio::ip::tcp::socket socket) {
  return std::make_unique<plain_stream>(std::move(socket));
}

std::unique_ptr<connection_stream> make_tls_stream(asio::ip::tcp::socket socket,
                                                   std::shared_ptr<tls_context> context) {
  return std::make_unique<tls_stream>(std::move(socket), std::move(context));
}

bool is_plain_http_on_tls(const boost::system::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

void beast_close_socket(connection_stream& stream) {
  boost::system::error_code ec;
  stream.socket().close(ec);
}

}  // namespace tessera::net::detail
