#pragma once
/// unique_fd: sole owner of one POSIX file descriptor (libcamera's UniqueFD shape).
///
/// The descriptor is closed when the owner is destroyed or reset; ownership moves
/// with std::move and is never copied. `release()` hands the raw descriptor to the
/// caller, who then closes it. `close()` closes now and reports what close(2) said,
/// for writers that must know their data reached the file (NFS reports write errors
/// at close). -1 means "no descriptor".
///
/// Thread safety: one unique_fd is used by one thread at a time (or under its
/// owner's lock); the descriptor itself may be used concurrently with pread/pwrite.

#include "core/support/result.hpp"

#include <utility>

namespace tessera::core {

class unique_fd final {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  /// Gives up ownership: the caller closes the returned descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the owned descriptor (ignoring close errors) and owns `fd` instead.
  void reset(int fd = -1) noexcept;
  /// Closes the owned descriptor and reports close(2)'s error, naming `what`
  /// (a path) in the message. Closing nothing succeeds.
  result<void> close(std::string_view what);
  void swap(unique_fd& other) noexcept { std::swap(fd_, other.fd_); }

  int get() const noexcept { return fd_; }
  bool is_valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return is_valid(); }

 private:
  int fd_ = -1;
};

}  // namespace tessera::core
