#include "core/elements/shm/shm_protocol.hpp"

#include "core/support/confined_path.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace tessera::core::shm {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

/// The socket file's directory (opened through the confined walk when there is a
/// media root) and its name in it.
result<std::pair<unique_fd, std::string>> open_parent(const std::optional<std::filesystem::path>& media_root,
                                                      std::string_view path) {
  if (path.empty()) return fail(errc::invalid_argument, "no socket-path set (the control socket)");
  if (media_root) {
    if (auto rel = check_relative_location(path); !rel) return rel.error();
  } else if (path.find('\0') != std::string_view::npos) {
    return fail(errc::invalid_argument, "socket-path contains a NUL byte");
  }
  const std::filesystem::path p{std::string(path)};
  const std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..")
    return fail(errc::invalid_argument, "socket-path " + quoted(path) + " does not end in a file name");
  const std::filesystem::path dir = p.parent_path();
  unique_fd fd;
  if (media_root && dir.empty()) {
    fd.reset(::open(media_root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return fail(errc::io_error, "cannot open the media root: " + std::string(std::strerror(errno)));
  } else if (media_root) {
    auto d = open_location(media_root, dir.string(), open_request{O_RDONLY | O_DIRECTORY, 0, true});
    if (!d) return d.error();
    fd = std::move(d).value();
  } else {
    const std::string d = dir.empty() ? "." : dir.string();
    fd.reset(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
      const int err = errno;
      return fail(err == ENOENT ? errc::not_found : errc::io_error,
                  "cannot open the directory of socket-path " + quoted(path) + ": " + std::strerror(err));
    }
  }
  return std::pair{std::move(fd), name};
}

/// The address of `name` in the directory `dir` as the kernel resolves it, through
/// the descriptor (no path walk that a swapped symlink could redirect).
result<sockaddr_un> address_in(int dir, const std::string& name, std::string_view path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string via = "/proc/self/fd/" + std::to_string(dir) + "/" + name;
  if (via.size() >= sizeof(addr.sun_path))
    return fail(errc::invalid_argument, "socket-path " + quoted(path) + ": its address (" + via + ") is " +
                                            std::to_string(via.size()) + " bytes, over the " +
                                            std::to_string(sizeof(addr.sun_path) - 1) + " a unix socket holds");
  std::memcpy(addr.sun_path, via.c_str(), via.size() + 1);
  return addr;
}

unique_fd new_socket() { return unique_fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)); }

}  // namespace

result<void> send_message(int socket, message_header h, std::string_view payload, int fd, bool nonblocking) {
  if (payload.size() > max_payload_bytes)
    return fail(errc::limit_exceeded, "shm: a " + std::to_string(payload.size()) + "-byte message is over the " +
                                          std::to_string(max_payload_bytes) + "-byte limit");
  h.magic = protocol_magic;
  iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(payload.data()), payload.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = payload.empty() ? 1 : 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  for (;;) {
    const ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0));
    if (n >= 0) return {};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return fail(errc::limit_exceeded, "the peer does not read its control socket (it is full)");
    return fail(errc::io_error, std::string("control socket: ") + std::strerror(errno));
  }
}

result<std::optional<message>> receive_message(int socket) {
  message m;
  std::vector<char> text(max_payload_bytes);
  iovec iov[2] = {{&m.header, sizeof m.header}, {text.data(), text.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ECONNRESET) return std::optional<message>{};
    return fail(errc::io_error, std::string("control socket: ") + std::strerror(errno));
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      // More than one descriptor is not ours: close the rest.
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 1; i < count; ++i) {
        int extra = -1;
        std::memcpy(&extra, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        ::close(extra);
      }
      if (m.fd) ::close(fd);
      else m.fd.reset(fd);
    }
  }
  if (n == 0) return std::optional<message>{};  // SOCK_SEQPACKET: end of file
  if (static_cast<std::size_t>(n) < sizeof m.header || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      m.header.magic != protocol_magic)
    return fail(errc::parse_error, "control socket: a message that is not tessera's shm protocol (" +
                                       std::to_string(n) + " bytes)");
  m.payload.assign(text.data(), static_cast<std::size_t>(n) - sizeof m.header);
  return std::optional<message>{std::move(m)};
}

result<listener> listen_at(const std::optional<std::filesystem::path>& media_root, std::string_view path,
                           unsigned perms) {
  auto parent = open_parent(media_root, path);
  if (!parent) return parent.error();
  auto& [dir, name] = *parent;
  auto addr = address_in(dir.get(), name, path);
  if (!addr) return addr.error();
  struct stat st {};
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return fail(errc::permission_denied, "socket-path " + quoted(path) + " exists and is not a socket");
    // A live writer answers; a stale file from a writer that died does not.
    unique_fd probe = new_socket();
    if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) == 0)
      return fail(errc::bad_state, "socket-path " + quoted(path) + " is in use by another writer");
    if (::unlinkat(dir.get(), name.c_str(), 0) != 0)
      return fail(errc::io_error, "cannot replace the stale socket " + quoted(path) + ": " + std::strerror(errno));
  }
  unique_fd s = new_socket();
  if (!s) return fail(errc::io_error, std::string("cannot create a unix socket: ") + std::strerror(errno));
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0)
    return fail(errc::io_error, "cannot bind socket-path " + quoted(path) + ": " + std::strerror(errno));
  (void)::fchmodat(dir.get(), name.c_str(), perms & 07777, 0);
  if (::listen(s.get(), 16) != 0) {
    const int err = errno;
    (void)::unlinkat(dir.get(), name.c_str(), 0);
    return fail(errc::io_error, "cannot listen on socket-path " + quoted(path) + ": " + std::strerror(err));
  }
  return listener{std::move(s), std::move(dir), name};
}

void unlink_listener(const listener& l) noexcept {
  if (l.directory) (void)::unlinkat(l.directory.get(), l.name.c_str(), 0);
}

result<unique_fd> connect_to(const std::optional<std::filesystem::path>& media_root, std::string_view path) {
  auto parent = open_parent(media_root, path);
  if (!parent) return parent.error();
  auto& [dir, name] = *parent;
  auto addr = address_in(dir.get(), name, path);
  if (!addr) return addr.error();
  struct stat st {};
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return fail(errc::not_found, "no writer at socket-path " + quoted(path) + ": " + std::strerror(errno));
  if (!S_ISSOCK(st.st_mode)) return fail(errc::invalid_argument, "socket-path " + quoted(path) + " is not a socket");
  unique_fd s = new_socket();
  if (!s) return fail(errc::io_error, std::string("cannot create a unix socket: ") + std::strerror(errno));
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    const int err = errno;
    return fail(err == ECONNREFUSED || err == ENOENT ? errc::not_found : errc::io_error,
                "cannot connect to socket-path " + quoted(path) + ": " + std::strerror(err));
  }
  return s;
}

}  // namespace tessera::core::shm
