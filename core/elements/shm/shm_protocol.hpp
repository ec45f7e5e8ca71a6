#pragma once
/// The control protocol between shmsink (the writer) and shmsrc (a reader), in the
/// shape of GStreamer's gst/shm pipe (new area, close area, new buffer, ack buffer)
/// but written here, plus caps and end of stream, which GStreamer's shm elements do
/// not carry (there the reader needs a capsfilter).
///
/// Transport: a unix SOCK_SEQPACKET socket (message boundaries kept, so one
/// send is one message). Every message is one fixed header, optionally followed by
/// text (the caps string) and, for new_segment, the segment's descriptor passed with
/// SCM_RIGHTS: the reader maps the very pages the writer wrote, nothing is copied.
///
///   writer -> reader   new_segment   segment id, size; descriptor attached
///                      caps          the caps string (before the first buffer, and
///                                    whenever they change)
///                      buffer        buffer id, segment id, offset, size, timing
///                      eos           the stream ended
///   reader -> writer   release       buffer id: the reader's last reference is gone,
///                                    the region may be reused
///
/// The socket lives at a path (socket-path) resolved inside the media root like a
/// filesrc location: the directory is opened through the confined walk and the
/// socket is bound or connected through /proc/self/fd/<dir>/<name>, so a symlink
/// swapped in cannot lead the socket out of the root.
///
/// Thread safety: free functions; a descriptor may be sent on from several threads
/// (each send is one message).

#include "core/graph/clock_time.hpp"
#include "core/support/result.hpp"
#include "core/support/unique_fd.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::core::shm {

enum class message_type : std::uint32_t {
  new_segment = 1,
  caps = 2,
  buffer = 3,
  eos = 4,
  release = 5,
};

/// The fixed part of every message (trivially copyable, sent as is: both ends are
/// this build on this machine).
struct message_header {
  std::uint32_t magic = 0;  ///< protocol_magic: refuses a peer that speaks something else
  message_type type = message_type::eos;
  std::uint64_t buffer_id = 0;
  std::uint32_t segment_id = 0;
  std::uint32_t flags = 0;  ///< buffer_flags of the buffer
  std::uint64_t offset = 0;  ///< buffer: bytes from the segment's start; new_segment: 0
  std::uint64_t size = 0;    ///< buffer: visible bytes; new_segment: segment bytes
  clock_time pts = time_none, dts = time_none, duration = time_none;
  std::uint64_t stream_offset = 0, stream_offset_end = 0;  ///< the buffer's offset/offset_end
};

inline constexpr std::uint32_t protocol_magic = 0x54534d31;  // "TSM1"
/// Longest text after a header (a caps string).
inline constexpr std::size_t max_payload_bytes = 16 * 1024;

struct message {
  message_header header;
  std::string payload;  ///< caps text
  unique_fd fd;         ///< new_segment: the segment
};

/// Sends one message (MSG_NOSIGNAL; with `fd` attached by SCM_RIGHTS when >= 0).
/// `nonblocking`: a full socket is an error (errc::limit_exceeded) instead of a wait.
/// errc::io_error names the system's reason (EPIPE: the peer has gone).
result<void> send_message(int socket, message_header h, std::string_view payload = {}, int fd = -1,
                          bool nonblocking = false);

/// Receives one message, waiting for it. An empty optional: the peer closed the
/// socket. errc::parse_error for a message that is not ours (size, magic).
result<std::optional<message>> receive_message(int socket);

/// A listening SOCK_SEQPACKET socket at `path` (confined to `media_root` when set).
/// A stale socket file nobody listens on is replaced; a live one, or a file that is
/// not a socket, is refused. `perms` are the socket file's permission bits.
struct listener {
  unique_fd socket;
  unique_fd directory;  ///< the socket file's directory, to unlink it by name
  std::string name;     ///< the socket file's name in `directory`
};
result<listener> listen_at(const std::optional<std::filesystem::path>& media_root, std::string_view path,
                           unsigned perms);
/// Removes the socket file of `l` (the listener's socket stays open until reset).
void unlink_listener(const listener& l) noexcept;

/// Connects to the writer listening at `path` (confined like listen_at).
result<unique_fd> connect_to(const std::optional<std::filesystem::path>& media_root, std::string_view path);

}  // namespace tessera::core::shm
