#pragma once
/// The opaque, shared bytes that travel from a producer (a pipeline sink, the RPC layer)
/// to any number of clients without copying, the way Beast's chat example hands one
/// shared_ptr<std::string const> to every session.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::net {

/// Immutable bytes with shared ownership. `data` may be an aliasing shared_ptr (into a
/// frame buffer, a string, a mapped region): whoever owns the bytes stays alive while
/// any client still has the payload queued. Copying a shared_payload copies the pointer.
/// Thread safety: as std::shared_ptr; the bytes are never written after construction.
struct shared_payload {
  std::shared_ptr<const std::byte[]> data;
  std::size_t size = 0;  ///< bytes

  std::span<const std::byte> bytes() const noexcept { return {data.get(), size}; }
  std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(data.get()), size};
  }

  /// Takes the string over without copying its characters (aliasing shared_ptr).
  static shared_payload from_string(std::string s);
  /// Shares bytes someone else owns (e.g. an encoded frame), without copying them.
  static shared_payload from_shared(std::shared_ptr<const std::byte[]> bytes, std::size_t size) {
    return {std::move(bytes), size};
  }
  /// Copies `bytes` into one new allocation.
  static shared_payload copy_of(std::span<const std::byte> bytes);
  static shared_payload copy_of(std::string_view text);
};

/// How a WebSocket message is framed; streamed HTTP parts ignore it.
enum class message_kind { text, binary };

}  // namespace tessera::net
