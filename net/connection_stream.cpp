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

#include <algorithm>
#include <atomic>
#include <mutex>

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

// The injected write fault, process-wide (a test cannot reach a session's stream).
struct write_fault_state {
  std::atomic<bool> armed{false};  // fault is set: the only load a write makes otherwise
  std::mutex mutex;
  std::optional<connection_stream::write_fault> fault;  // guarded by mutex
  std::uint64_t calls = 0;                               // guarded by mutex: writes since inject
};
write_fault_state& write_faults() {
  static write_fault_state state;
  return state;
}

}  // namespace

std::size_t connection_stream::write_buffers::size_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& b : *this) n += b.size();
  return n;
}

connection_stream::write_buffers connection_stream::write_buffers::prefix(std::size_t bytes) const noexcept {
  write_buffers out;
  for (const auto& b : *this) {
    if (bytes == 0) break;
    const std::size_t take = std::min(bytes, b.size());
    out.items_[out.count_++] = asio::const_buffer(b.data(), take);
    bytes -= take;
  }
  return out;
}

void connection_stream::inject(std::optional<write_fault> f) noexcept {
  auto& s = write_faults();
  std::lock_guard lock(s.mutex);
  s.fault = f;
  s.calls = 0;
  s.armed.store(f.has_value(), std::memory_order_relaxed);
}

std::uint64_t connection_stream::fault_calls() noexcept {
  auto& s = write_faults();
  std::lock_guard lock(s.mutex);
  return s.calls;
}

void connection_stream::write_or_fault(write_buffers buffers, io_handler handler) {
  auto& s = write_faults();
  if (broken_errno_ == 0 && s.armed.load(std::memory_order_relaxed)) {
    std::optional<write_fault> hit;
    {
      std::lock_guard lock(s.mutex);
      if (s.fault && s.calls++ == s.fault->at) hit = s.fault;
    }
    if (hit && hit->error != 0) broken_errno_ = hit->error;
    if (hit && hit->error == 0) {
      const std::size_t total = buffers.size_bytes();
      if (total > 1) buffers = buffers.prefix(total / 2);
    }
  }
  if (broken_errno_ != 0) {
    // As the socket would answer: asynchronously, nothing written.
    asio::post(get_executor(), asio::append(std::move(handler),
                                            boost::system::error_code(broken_errno_, boost::system::system_category()),
                                            std::size_t{0}));
    return;
  }
  start_write(std::move(buffers), std::move(handler));
}

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
