#include "server/security_policy.hpp"

#include "net/auth.hpp"
#include "net/host_origin.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace tessera::server {

namespace {

bool needs_token(std::string_view path) {
  return path == "/metrics" || path == "/api" || path.starts_with("/api/");
}

net::response refuse(net::status code, std::string_view message) {
  return net::response::error(code, message);
}

}  // namespace

security_policy::security_policy(const serve_config& config)
    : token_(config.token), bind_(config.bind), tls_(!config.tls_cert.empty()), port_(config.port) {
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(bind_, ec);
  bind_wildcard_ = !ec && addr.is_unspecified();
  bind_loopback_ = net::is_loopback_host(bind_);
  for (const auto& o : config.allow_origins)
    if (auto parsed = net::parse_origin(o)) {
      allowed_origins_.push_back(o);
      allowed_hosts_.push_back(parsed->authority.host);
    }
}

bool security_policy::host_allowed(const std::string& host) const {
  if ((bind_loopback_ || bind_wildcard_) && net::is_loopback_host(host)) return true;
  if (std::find(allowed_hosts_.begin(), allowed_hosts_.end(), host) != allowed_hosts_.end()) return true;
  if (!net::is_ip_literal(host)) return false;
  if (bind_wildcard_) return true;
  // Compare as addresses, so "::ffff:10.0.0.1" and other spellings match the bind.
  boost::system::error_code ec1, ec2;
  const auto a = boost::asio::ip::make_address(host, ec1);
  const auto b = boost::asio::ip::make_address(bind_, ec2);
  return !ec1 && !ec2 && a == b;
}

bool security_policy::origin_allowed(std::string_view origin, const net::host_port& addressed) const {
  auto o = net::parse_origin(origin);
  if (!o) return false;
  for (const auto& allowed : allowed_origins_) {
    auto a = net::parse_origin(allowed);
    if (a && a->scheme == o->scheme && a->authority.host == o->authority.host &&
        a->effective_port() == o->effective_port())
      return true;
  }
  // The server's own origin: its scheme (https with TLS, else http) on the authority
  // the request was sent to.
  const std::uint16_t own_port = addressed.port.value_or(tls_ ? 443 : 80);
  const bool own_scheme = tls_ ? o->scheme == "https" || o->scheme == "wss" : o->scheme == "http" || o->scheme == "ws";
  return own_scheme && o->authority.host == addressed.host &&
         o->effective_port() == own_port;
}

bool security_policy::token_ok(const net::request_context& ctx) const {
  if (auto auth = ctx.header("Authorization")) {
    auto bearer = net::parse_bearer(*auth);
    return bearer && net::constant_time_equal(*bearer, token_);
  }
  const bool may_use_query = ctx.websocket_upgrade || ctx.path.ends_with("/mjpeg");
  if (!may_use_query) return false;
  if (auto ticket = ctx.query.get("ticket")) return tickets_.redeem(*ticket);
  if (auto q = ctx.query.get("token")) return net::constant_time_equal(*q, token_);
  return false;
}

std::optional<net::response> security_policy::check(const net::request_context& ctx) const {
  const auto host_header = ctx.header("Host");
  if (!host_header) return refuse(net::status::bad_request, "missing Host header");
  auto host = net::parse_host(*host_header);
  if (!host) return refuse(net::status::bad_request, "bad Host header: " + host.error().message);
  if (!host_allowed(host->host))
    return refuse(net::status::misdirected_request,
                  "Host \"" + std::string(*host_header) +
                      "\" is not this server's name or address (refused against DNS rebinding; "
                      "add its origin with --allow-origin to accept it)");

  if (auto origin = ctx.header("Origin"); origin && !origin_allowed(*origin, *host))
    return refuse(net::status::forbidden, "Origin \"" + std::string(*origin) +
                                              "\" is not allowed (only this server's own origin and --allow-origin)");

  if (!token_.empty() && needs_token(ctx.path) && !token_ok(ctx)) {
    const std::string why = ctx.header("Authorization") ? "invalid token"
                            : ctx.query.get("ticket")
                                ? "invalid ticket (unknown, used already or older than " +
                                      std::to_string(ticket_lifetime.count()) + " s)"
                                : "missing token: send 'Authorization: Bearer <token>'";
    auto r = refuse(net::status::unauthorized, why);
    r.headers.set("WWW-Authenticate", "Bearer realm=\"tessera\"");
    return r;
  }
  return std::nullopt;
}

}  // namespace tessera::server
