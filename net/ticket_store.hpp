#pragma once
/// Short-lived, single-use tickets that stand in for a bearer token where a browser
/// cannot send an Authorization header: a WebSocket handshake or an <img> / fetch of a
/// stream. A page that holds the token asks for a ticket over HTTP (with the header) and
/// puts it in the URL as `?ticket=`; the token itself never appears in a URL, a log line
/// or the browser's history.
///
/// A ticket is 128 random bits (from std::random_device, the kernel's getrandom on
/// Linux) written as 32 hex digits. It is accepted once and only before it expires;
/// at most `max_outstanding` tickets wait to be used: issuing one more first drops the
/// expired ones, then the oldest (a page that asked and never used its ticket must not
/// grow the store). Lookups compare against every outstanding ticket in constant time,
/// so neither the match nor its position leaks through response times.
///
/// Policy-free: the server decides which requests may present a ticket.
/// Thread safety: every member from any thread (one mutex).

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace tessera::net {

class ticket_store {
 public:
  using clock = std::chrono::steady_clock;

  /// `lifetime`: how long a ticket stays valid; `max_outstanding` (>= 1): how many may
  /// wait to be used at once.
  ticket_store(std::chrono::seconds lifetime, std::size_t max_outstanding);
  ticket_store(const ticket_store&) = delete;
  ticket_store& operator=(const ticket_store&) = delete;

  /// A new ticket valid from `now` for lifetime().
  std::string issue(clock::time_point now = clock::now());
  /// True, and the ticket is gone, when `ticket` was issued, not yet redeemed and has
  /// not expired at `now`; false otherwise.
  bool redeem(std::string_view ticket, clock::time_point now = clock::now());

  std::chrono::seconds lifetime() const noexcept { return lifetime_; }
  std::size_t max_outstanding() const noexcept { return max_outstanding_; }
  /// Tickets issued and neither redeemed nor dropped (expired ones count until the next
  /// issue or redeem sweeps them).
  std::size_t outstanding() const;

 private:
  struct entry {
    std::string ticket;
    clock::time_point expires;
  };
  void drop_expired_locked(clock::time_point now);

  const std::chrono::seconds lifetime_;
  const std::size_t max_outstanding_;
  mutable std::mutex mutex_;
  std::deque<entry> entries_;  // in issue order, so the oldest is at the front
};

}  // namespace tessera::net
