#pragma once
/// tessera's error and result types, shared by every layer.
///
/// g++ 12's C++20 has no std::expected, so fallible calls return
/// `tessera::result<T>`: a boost::system::result whose error is an `error`,
/// an error_code (for branching) plus a message that names the problem in
/// words a user can act on ("share(offset=8, size=64) exceeds memory size 32").
/// No exception leaves core or net; `.value()` on an error throws `tessera::error_exception`
/// and is for callers that have already checked or that are in tests.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace tessera {

/// Error codes of every layer (core, net, server).
enum class errc {
  invalid_argument = 1,  ///< a value out of range or malformed
  out_of_range,          ///< offset/size beyond what exists
  not_writable,          ///< write access to shared or READONLY data
  not_mapped,            ///< unmap without a matching map
  bad_state,             ///< operation not allowed in the current state
  no_memory,             ///< allocation failed or exceeds a limit
  not_found,             ///< unknown name (element, property, pad, file)
  not_negotiated,        ///< no common caps
  parse_error,           ///< malformed text (caps, pipeline description, JSON)
  io_error,              ///< a read or write on a file failed
  permission_denied,     ///< refused by policy (media-root, token)
  limit_exceeded,        ///< a configured bound was hit
  bind_failed,           ///< a listening socket could not be opened, bound or listened on
  closed,                ///< the connection or queue is closed
};

}  // namespace tessera

template <>
struct boost::system::is_error_code_enum<tessera::errc> : std::true_type {};

namespace tessera {

const boost::system::error_category& core_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), core_category()};
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

/// Thrown only by result::value() on an error; never thrown across core's API on purpose.
class error_exception : public std::runtime_error {
 public:
  explicit error_exception(tessera::error e)
      : std::runtime_error(e.message), error_(std::move(e)) {}
  const tessera::error& err() const noexcept { return error_; }

 private:
  tessera::error error_;
};

[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;

/// Shorthand for returning a failure: `return fail(errc::out_of_range, "...")`.
inline boost::system::result<void, error>::error_type fail(errc c, std::string message) {
  return error(c, std::move(message));
}

}  // namespace tessera

