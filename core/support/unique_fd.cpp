#include "core/support/unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <unistd.h>

namespace tessera::core {

void unique_fd::reset(int fd) noexcept {
  // Linux releases the descriptor even when close() fails (EINTR included), so a
  // retry could close a descriptor another thread has just been given.
  if (fd_ >= 0 && fd_ != fd) (void)::close(fd_);
  fd_ = fd;
}

result<void> unique_fd::close(std::string_view what) {
  const int fd = release();
  if (fd < 0) return {};
  if (::close(fd) != 0 && errno != EINTR) {
    const int err = errno;
    return fail(errc::io_error, "error closing \"" + std::string(what) + "\": " + std::strerror(err));
  }
  return {};
}

}  // namespace tessera::core
