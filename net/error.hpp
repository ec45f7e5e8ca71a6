#pragma once
/// net's error and result types.
///
/// net may not include core, so it has its own error enum registered as an
/// error_code category ("tessera.net") and the same shape as core's
/// `tessera::result`: `net::result<T>` is a boost::system::result whose error is
/// a code to branch on plus a message naming the problem concretely
/// ("bind 127.0.0.1:80: Permission denied"). The server layer converts as it likes.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace tessera::net {

/// Error codes of the net layer.
enum class errc {
  invalid_argument = 1,  ///< a malformed or out-of-range value given by a caller
  parse_error,           ///< malformed header text (Host, Origin, Authorization, URL)
  bind_failed,           ///< the listening socket could not be opened, bound or listened on
  limit_exceeded,        ///< a configured bound was hit
  bad_state,             ///< the call is not allowed in the object's current state
  closed,                ///< the connection or queue is closed
  io_error,              ///< a network operation failed
};

}  // namespace tessera::net

template <>
struct boost::system::is_error_code_enum<tessera::net::errc> : std::true_type {};

namespace tessera::net {

const boost::system::error_category& net_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

/// An error: a code to branch on and a message to show.
struct error {
  boost::system::error_code code;
  std::string message;

  error() = default;
  error(boost::system::error_code c, std::string m) : code(c), message(std::move(m)) {}
  error(errc c, std::string m) : code(make_error_code(c)), message(std::move(m)) {}

  bool operator==(errc c) const noexcept { return code == make_error_code(c); }
};

/// Thrown only by result::value() on an error.
class error_exception : public std::runtime_error {
 public:
  explicit error_exception(net::error e) : std::runtime_error(e.message), error_(std::move(e)) {}
  const net::error& err() const noexcept { return error_; }

 private:
  net::error error_;
};

[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;

/// Shorthand for returning a failure: `return fail(errc::limit_exceeded, "...")`.
inline error fail(errc c, std::string message) { return error(c, std::move(message)); }

}  // namespace tessera::net
