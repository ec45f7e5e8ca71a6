#pragma once
/// Internal: the server's list of live connections, bounded by max_connections in all
/// and by max_connections_per_address for each client address.

#include "net/session_services.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tessera::net::detail {

/// Why a connection is not admitted.
enum class refusal {
  closed,        ///< the server is stopping
  server_full,   ///< max_connections are live
  address_full,  ///< max_connections_per_address are live from this client address
};

/// Live connections by id, counted per client address. Holds weak references: a
/// connection's coroutine owns it. Thread safety: every member may be called from any
/// thread.
class connection_registry {
 public:
  connection_registry(std::size_t max_connections, std::size_t max_per_address)
      : max_(max_connections), max_per_address_(max_per_address) {}

  /// Whether a connection from `from` would be admitted now (add() checks again).
  std::optional<refusal> check(const boost::asio::ip::address& from) const;
  /// Registers a connection from `from`; nullopt when check() would refuse it.
  std::optional<std::uint64_t> add(std::weak_ptr<connection_control> connection,
                                   const boost::asio::ip::address& from);
  /// Unregisters; calls the drained callback when it was the last one after close().
  void remove(std::uint64_t id);
  /// Admits no more connections; calls the drained callback at once if none is live.
  void close();
  /// Called (from whichever thread removes the last connection) once closed and empty.
  void set_on_drained(std::function<void()> on_drained);

  std::size_t size() const;
  /// Live connections from `from`.
  std::size_t count_from(const boost::asio::ip::address& from) const;
  /// Strong references to every live connection, to stop them.
  std::vector<std::shared_ptr<connection_control>> live() const;

 private:
  struct entry {
    std::weak_ptr<connection_control> connection;
    boost::asio::ip::address from;
  };
  std::optional<refusal> check_locked(const boost::asio::ip::address& from) const;

  const std::size_t max_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, entry> connections_;
  std::map<boost::asio::ip::address, std::size_t> per_address_;  ///< no zero counts
  std::function<void()> on_drained_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace tessera::net::detail
