// tessera health: is the server on this machine (or in this container) answering?
// GETs /healthz on the port and address serve uses (the same --port/--bind flags and
// TESSERA_PORT/TESSERA_BIND variables, so a container's HEALTHCHECK needs no
// arguments; TESSERA_TLS_CERT set means the server speaks TLS, as --tls says) and exits 0 only on a 200 within the timeout: 1 otherwise, with one line
// saying why, 2 on bad usage.
#include "server/commands.hpp"

#include "net/http_probe.hpp"
#include "server/serve_config.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace tessera::server {

namespace {

constexpr const char* health_usage =
    "usage: tessera health [--port N] [--host ADDR] [--tls] [--timeout-ms T]\n"
    "\n"
    "Asks a running `tessera serve` for GET /healthz and exits 0 if it answers 200\n"
    "within the timeout, 1 otherwise (the reason on stderr), 2 on bad usage.\n"
    "\n"
    "  --port N        the server's port (default: TESSERA_PORT, else 8080)\n"
    "  --host ADDR     its IP address (default: TESSERA_BIND, else 127.0.0.1; a\n"
    "                  wildcard 0.0.0.0 or :: is asked on loopback); --bind is the same\n"
    "  --tls           ask over HTTPS (default: when TESSERA_TLS_CERT is set, as for a\n"
    "                  server started with --tls-cert); the certificate is not verified:\n"
    "                  this asks the server on this machine, usually self-signed\n"
    "  --timeout-ms T  the whole exchange's bound (default 2000, 1 to 600000)\n"
    "  -h, --help      show this help\n";

std::optional<std::uint64_t> whole_number(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    return std::nullopt;
  return v;
}

int health_usage_error(const std::string& message) {
  std::fprintf(stderr, "tessera health: %s\n(see tessera health --help)\n", message.c_str());
  return 2;
}

}  // namespace

int run_health(std::span<const std::string_view> args) {
  const env_lookup env = process_env();
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::chrono::milliseconds timeout{2000};
  bool tls = false;

  auto set_host = [&host](std::string_view v) {
    auto addr = parse_bind_address(v);
    if (!addr) return false;
    // serve on a wildcard listens on loopback too.
    host = *addr == "0.0.0.0" ? "127.0.0.1" : *addr == "::" ? "::1" : *addr;
    return true;
  };
  auto set_port = [&port](std::string_view v) {
    const auto n = whole_number(v, 1, 65535);
    if (n) port = static_cast<std::uint16_t>(*n);
    return n.has_value();
  };
  if (const auto v = env("TESSERA_BIND"); v && !set_host(*v))
    return health_usage_error("TESSERA_BIND=" + *v + ": expected an IP address such as 127.0.0.1 or ::1");
  if (const auto v = env("TESSERA_PORT"); v && !set_port(*v))
    return health_usage_error("TESSERA_PORT=" + *v + ": expected a port from 1 to 65535");
  if (const auto v = env("TESSERA_TLS_CERT"); v && !v->empty()) tls = true;

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(health_usage, stdout);
      return 0;
    }
    if (a == "--tls") {
      tls = true;
      continue;
    }
    std::optional<std::string_view> value;
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    if (a != "--port" && a != "--host" && a != "--bind" && a != "--timeout-ms")
      return health_usage_error("unknown option " + std::string(a));
    if (!value) {
      if (i + 1 >= args.size()) return health_usage_error(std::string(a) + " needs a value");
      value = args[++i];
    }
    const std::string shown = std::string(a) + " " + std::string(*value);
    if (a == "--port" && !set_port(*value)) return health_usage_error(shown + ": expected a port from 1 to 65535");
    if ((a == "--host" || a == "--bind") && !set_host(*value))
      return health_usage_error(shown + ": expected an IP address such as 127.0.0.1 or ::1");
    if (a == "--timeout-ms") {
      const auto ms = whole_number(*value, 1, 600000);
      if (!ms) return health_usage_error(shown + ": expected milliseconds from 1 to 600000");
      timeout = std::chrono::milliseconds(*ms);
    }
  }

  const auto started = std::chrono::steady_clock::now();
  auto reply = net::http_get(host, port, "/healthz", timeout, tls ? net::probe_transport::tls : net::probe_transport::plain);
  if (!reply) {
    std::fprintf(stderr, "tessera health: unhealthy: %s\n", reply.error().message.c_str());
    return 1;
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const std::string where = std::string(tls ? "https://" : "http://") +
                            (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  if (reply->status != 200) {
    std::string body = reply->body.substr(0, 200);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    std::fprintf(stderr, "tessera health: unhealthy: GET %s/healthz answered %u %s\n", where.c_str(),
                 reply->status, body.c_str());
    return 1;
  }
  std::printf("tessera health: ok (%s/healthz answered 200 in %lld ms)\n", where.c_str(),
              static_cast<long long>(ms));
  return 0;
}

}  // namespace tessera::server
