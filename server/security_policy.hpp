#pragma once
/// The server's request policy (docs/deploy.md), run by net's router before any route
/// as its pre_route hook:
///  1. Host (DNS rebinding): the Host header must name this server: a loopback name or
///     address when bound to loopback (or to a wildcard address), the bound address,
///     any IP literal when bound to a wildcard address (rebinding needs a DNS name),
///     or the host of an --allow-origin. Otherwise 421 (400 when there is no Host).
///  2. Origin (cross-site requests and WebSocket hijacking): a request that carries an
///     Origin must come from the server's own origin (the scheme, http or https with
///     --tls-cert, and the authority it was addressed to) or an --allow-origin;
///     otherwise 403. Browsers always send
///     Origin on WebSocket upgrades and cross-site writes; other clients need not.
///  3. Token: with --token, every /api/... and /metrics request needs
///     `Authorization: Bearer T`, compared in constant time; WebSocket upgrades and
///     MJPEG streams may pass `?token=T` instead (browsers cannot set headers on
///     them), or better `?ticket=K`: a single-use ticket from POST /api/v1/tickets
///     (tickets(), valid ticket_lifetime, at most max_outstanding_tickets waiting), so
///     the token stays out of URLs. /healthz and the web UI (/) are open. Otherwise 401.
///
/// Thread safety: check() reads the configuration and redeems tickets (the store has
/// its own lock); set_port() is for the moment between start() and serving (the bound
/// port is known only after binding) and is atomic.

#include "net/host_origin.hpp"
#include "net/request_context.hpp"
#include "net/ticket_store.hpp"
#include "server/serve_config.hpp"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace tessera::server {

class security_policy {
 public:
  static constexpr std::chrono::seconds ticket_lifetime{30};
  static constexpr std::size_t max_outstanding_tickets = 256;

  explicit security_policy(const serve_config& config);

  /// The tickets check() accepts on WebSocket upgrades and MJPEG streams; the route
  /// that issues them borrows this store (it lives as long as the policy).
  net::ticket_store& tickets() const noexcept { return tickets_; }

  /// The port the server really listens on (for port 0), used for its own origin.
  void set_port(std::uint16_t port) noexcept { port_.store(port, std::memory_order_relaxed); }

  /// The pre_route hook: a response refuses the request, nullopt lets it through.
  std::optional<net::response> check(const net::request_context& ctx) const;

 private:
  bool host_allowed(const std::string& host) const;
  bool origin_allowed(std::string_view origin, const net::host_port& addressed) const;
  bool token_ok(const net::request_context& ctx) const;

  std::string token_;
  std::string bind_;
  bool bind_loopback_;
  bool bind_wildcard_;
  bool tls_;  // the own origin is https (default port 443), not http (80)
  std::vector<std::string> allowed_origins_;  // as given
  std::vector<std::string> allowed_hosts_;    // their hosts, lower case
  std::atomic<std::uint16_t> port_;
  mutable net::ticket_store tickets_{ticket_lifetime, max_outstanding_tickets};
};

}  // namespace tessera::server
