#pragma once
/// Internal: the byte stream of one connection, plain TCP or TLS, as one non-template
/// type. The HTTP session, the WebSocket phase and the streamed responses are written
/// (and compiled) once against it, the way Beast's flex server serves both kinds with
/// one session template; here the choice is made at run time behind four virtual
/// operations, so Beast's HTTP and WebSocket algorithms are instantiated once, and
/// OpenSSL's headers stay in connection_stream.cpp and tls_context.cpp.
///
/// It is an AsyncStream (Beast's http::async_read/async_write, websocket::stream,
/// asio::async_write work on it) whose operations complete through the caller's handler
/// (erased_handler keeps its executor and cancellation slot).
/// Timeouts are the lowest layer's: tcp() is the beast::tcp_stream under TLS too, so
/// expires_after bounds a TLS handshake, read or write exactly as a plain one.
/// Thread safety: that of the underlying streams: one read and one write at a time,
/// on the connection's strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace tessera::net {
class tls_context;
}

namespace tessera::net::detail {

/// A completion handler with its type erased, for the virtual operations below. Unlike
/// asio::any_completion_handler (whose any_completion_executor cannot be required to be
/// blocking.never in Boost 1.81, which Beast's composed operations ask for), it presents
/// the connection's strand as its executor; on completion the original handler is
/// dispatched to its own executor, which for every caller here (the session's
/// coroutines, Beast's operations on this stream) is that same strand. The original's
/// cancellation slot is passed on, so per-operation cancellation still reaches the
/// socket.
template <class Signature>
class erased_handler;

template <class... Args>
class erased_handler<void(Args...)> {
 public:
  using executor_type = boost::asio::any_io_executor;
  using cancellation_slot_type = boost::asio::cancellation_slot;

  template <class Handler>
  erased_handler(Handler&& handler, executor_type strand)
      : strand_(std::move(strand)),
        slot_(boost::asio::get_associated_cancellation_slot(handler)),
        impl_(std::make_unique<holder<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  erased_handler(erased_handler&&) noexcept = default;
  erased_handler& operator=(erased_handler&&) noexcept = default;

  void operator()(Args... args) {
    auto impl = std::move(impl_);
    impl->complete(std::move(args)...);
  }

  executor_type get_executor() const noexcept { return strand_; }
  cancellation_slot_type get_cancellation_slot() const noexcept { return slot_; }

 private:
  struct base {
    virtual ~base() = default;
    virtual void complete(Args... args) = 0;
  };
  template <class Handler>
  struct holder final : base {
    explicit holder(Handler&& h) : handler(std::move(h)) {}
    explicit holder(const Handler& h) : handler(h) {}
    void complete(Args... args) override {
      boost::asio::dispatch(boost::asio::append(std::move(handler), std::move(args)...));
    }
    Handler handler;
  };

  executor_type strand_;
  cancellation_slot_type slot_;
  std::unique_ptr<base> impl_;
};

class connection_stream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using io_handler = erased_handler<void(boost::system::error_code, std::size_t)>;
  using done_handler = erased_handler<void(boost::system::error_code)>;

  /// The first buffers of a write (empty ones skipped), held by value by the operation.
  /// A write_some may write less than it was given, so a prefix is enough.
  class write_buffers {
   public:
    static constexpr std::size_t max_buffers = 16;
    using value_type = boost::asio::const_buffer;
    using const_iterator = const boost::asio::const_buffer*;

    template <class ConstBufferSequence>
    explicit write_buffers(const ConstBufferSequence& buffers) {
      const auto end = boost::asio::buffer_sequence_end(buffers);
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end && count_ < max_buffers; ++it) {
        const boost::asio::const_buffer b(*it);
        if (b.size() != 0) items_[count_++] = b;
      }
    }
    const_iterator begin() const noexcept { return items_.data(); }
    const_iterator end() const noexcept { return items_.data() + count_; }
    std::size_t size_bytes() const noexcept;
    /// The first `bytes` of these buffers (a short write).
    write_buffers prefix(std::size_t bytes) const noexcept;

   private:
    write_buffers() = default;
    std::array<boost::asio::const_buffer, max_buffers> items_{};
    std::size_t count_ = 0;
  };

  virtual ~connection_stream() = default;
  connection_stream(const connection_stream&) = delete;
  connection_stream& operator=(const connection_stream&) = delete;

  /// The TCP layer: its socket and its per-operation timeouts (expires_after).
  virtual boost::beast::tcp_stream& tcp() noexcept = 0;
  boost::asio::ip::tcp::socket& socket() noexcept { return tcp().socket(); }
  executor_type get_executor() noexcept { return tcp().get_executor(); }
  void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
  void expires_never() { tcp().expires_never(); }
  virtual bool is_tls() const noexcept = 0;

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    // One buffer is enough for a read_some: the first one with room.
    boost::asio::mutable_buffer first;
    const auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end; ++it) {
      first = boost::asio::mutable_buffer(*it);
      if (first.size() != 0) break;
    }
    return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
        [](auto handler, connection_stream* self, boost::asio::mutable_buffer b) {
          self->start_read(b, io_handler(std::move(handler), self->get_executor()));
        },
        token, this, first);
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
        [](auto handler, connection_stream* self, write_buffers b) {
          self->write_or_fault(std::move(b), io_handler(std::move(handler), self->get_executor()));
        },
        token, this, write_buffers(buffers));
  }

  /// TLS: the handshake (the server's or the client's, as the tls_context says). Plain
  /// TCP: completes at once without error.
  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [](auto handler, connection_stream* self) { self->start_handshake(done_handler(std::move(handler), self->get_executor())); },
        token, this);
  }

  /// Ends the sending side. TLS: sends close_notify and waits for the peer's (bound it
  /// with expires_after). Plain TCP: shutdown(send), completing at once.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [](auto handler, connection_stream* self) { self->start_shutdown(done_handler(std::move(handler), self->get_executor())); },
        token, this);
  }

  /// Fault injection for tests (a peer that resets at the Nth write cannot be made on
  /// demand): what the `at`-th async_write_some after inject() (0: the next one),
  /// counted over every connection of the process, answers. With `error` (EPIPE,
  /// ECONNRESET, ...) it fails with that errno and nothing written, and that
  /// connection stays broken: each later write on it fails the same way, as on a
  /// socket the peer reset. With `error` 0 it is a short write: the first half of the
  /// bytes (at least one) goes out and the call reports that; later writes are whole.
  /// Reads are left alone, so the server must end a connection on the write error
  /// alone (a TLS stream or a timed-out send does not always show it on the read side).
  /// Process-wide and inert until armed: one relaxed atomic load per write otherwise.
  /// The counting sits above TLS, so a sweep covers plain and TLS connections alike.
  struct write_fault {
    std::uint64_t at = 0;
    int error = EPIPE;
  };
  static void inject(std::optional<write_fault> f) noexcept;
  /// Writes since inject(), those on a connection already broken by the fault left
  /// out (a fault with `at` past every write counts them: how many writes a sweep has
  /// to go through).
  static std::uint64_t fault_calls() noexcept;

  /// The erased operations behind the templates above.
  virtual void start_read(boost::asio::mutable_buffer buffer, io_handler handler) = 0;
  virtual void start_write(write_buffers buffers, io_handler handler) = 0;
  virtual void start_handshake(done_handler handler) = 0;
  virtual void start_shutdown(done_handler handler) = 0;
  /// A WebSocket's closing teardown: Beast's own for a TCP stream or a TLS stream.
  virtual void start_teardown(boost::beast::role_type role, done_handler handler) = 0;

 protected:
  connection_stream() = default;

 private:
  // start_write, or the injected fault's answer.
  void write_or_fault(write_buffers buffers, io_handler handler);
  int broken_errno_ = 0;  // a fault broke this connection: later writes fail with it (strand only)
};

/// A plain TCP connection on `socket` (whose executor is the connection's strand).
std::unique_ptr<connection_stream> make_plain_stream(boost::asio::ip::tcp::socket socket);

/// A TLS connection on `socket`: the server side when `context` is a server's, the
/// client side otherwise. Nothing is exchanged before async_handshake.
std::unique_ptr<connection_stream> make_tls_stream(boost::asio::ip::tcp::socket socket,
                                                   std::shared_ptr<tls_context> context);

/// True when a TLS handshake failed because the peer spoke plain HTTP.
bool is_plain_http_on_tls(const boost::system::error_code& ec);

// Beast's WebSocket customization points, found by argument-dependent lookup.
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, connection_stream& stream, TeardownHandler&& handler) {
  stream.start_teardown(role, connection_stream::done_handler(std::forward<TeardownHandler>(handler), stream.get_executor()));
}
void beast_close_socket(connection_stream& stream);

}  // namespace tessera::net::detail
