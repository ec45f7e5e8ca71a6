#pragma once
/// Internal: the server's list of live connections, bounded by max_connections.

#include "net/session_services.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tessera::net::detail {

/// Live connections by id. Holds weak references: a connection's coroutine owns it.
/// Thread safety: every member may be called from any thread.
class connection_registry {
 public:
  explicit connection_registry(std::size_t max_connections) : max_(max_connections) {}

  /// Registers a connection; nullopt when max_connections are live or after close().
  std::optional<std::uint64_t> add(std::weak_ptr<connection_control> connection);
  /// Unregisters; calls the drained callback when it was the last one after close().
  void remove(std::uint64_t id);
  /// Admits no more connections; calls the drained callback at once if none is live.
  void close();
  /// Called (from whichever thread removes the last connection) once closed and empty.
  void set_on_drained(std::function<void()> on_drained);

  std::size_t size() const;
  /// Strong references to every live connection, to stop them.
  std::vector<std::shared_ptr<connection_control>> live() const;

 private:
  const std::size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection_control>> connections_;
  std::function<void()> on_drained_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace tessera::net::detail
