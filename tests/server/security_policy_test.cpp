#include "server/security_policy.hpp"

#include <gtest/gtest.h>

namespace tessera::server {
namespace security_policy_test {

net::request_context request(std::string path, std::string host, bool upgrade = false) {
  net::request_context ctx;
  ctx.path = std::move(path);
  ctx.request.headers.add("Host", std::move(host));
  ctx.websocket_upgrade = upgrade;
  return ctx;
}

serve_config config_with(std::string bind, std::string token = {}, std::vector<std::string> origins = {}) {
  serve_config c;
  c.bind = std::move(bind);
  c.token = std::move(token);
  c.allow_origins = std::move(origins);
  c.port = 8080;
  return c;
}

unsigned status_of(const std::optional<net::response>& r) { return r ? static_cast<unsigned>(r->code) : 0; }

TEST(SecurityPolicy, LoopbackBindAcceptsLoopbackHostsOnly) {
  security_policy p(config_with("127.0.0.1"));
  EXPECT_EQ(status_of(p.check(request("/api/v1/pipelines", "127.0.0.1:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/api/v1/pipelines", "localhost:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/api/v1/pipelines", "[::1]:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/api/v1/pipelines", "attacker.example:8080"))), 421u);
  EXPECT_EQ(status_of(p.check(request("/api/v1/pipelines", "10.0.0.5:8080"))), 421u);
}

TEST(SecurityPolicy, MissingHostIsABadRequest) {
  security_policy p(config_with("127.0.0.1"));
  net::request_context ctx;
  ctx.path = "/healthz";
  EXPECT_EQ(status_of(p.check(ctx)), 400u);
}

TEST(SecurityPolicy, SpecificBindAcceptsItsAddressAndAllowedOriginHosts) {
  security_policy p(config_with("10.0.0.5", "t", {"https://media.example"}));
  EXPECT_EQ(status_of(p.check(request("/healthz", "10.0.0.5:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/healthz", "media.example"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/healthz", "10.0.0.6:8080"))), 421u);
  EXPECT_EQ(status_of(p.check(request("/healthz", "localhost:8080"))), 421u);
}

TEST(SecurityPolicy, WildcardBindAcceptsIpLiteralsButNotUnknownNames) {
  security_policy p(config_with("0.0.0.0", "t"));
  EXPECT_EQ(status_of(p.check(request("/healthz", "192.168.1.20:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/healthz", "localhost:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/healthz", "rebind.attacker.example:8080"))), 421u);
}

TEST(SecurityPolicy, TokenGuardsApiAndMetricsButNotHealthzOrUi) {
  security_policy p(config_with("127.0.0.1", "s3cret"));
  EXPECT_EQ(status_of(p.check(request("/api/v1/pipelines", "127.0.0.1:8080"))), 401u);
  EXPECT_EQ(status_of(p.check(request("/metrics", "127.0.0.1:8080"))), 401u);
  EXPECT_EQ(status_of(p.check(request("/healthz", "127.0.0.1:8080"))), 0u);
  EXPECT_EQ(status_of(p.check(request("/", "127.0.0.1:8080"))), 0u);

  auto ok = request("/api/v1/pipelines", "127.0.0.1:8080");
  ok.request.headers.add("Authorization", "Bearer s3cret");
  EXPECT_EQ(status_of(p.check(ok)), 0u);
  auto wrong = request("/api/v1/pipelines", "127.0.0.1:8080");
  wrong.request.headers.add("Authorization", "Bearer s3cre");
  EXPECT_EQ(status_of(p.check(wrong)), 401u);
  auto basic = request("/api/v1/pipelines", "127.0.0.1:8080");
  basic.request.headers.add("Authorization", "Basic czNjcmV0");
  EXPECT_EQ(status_of(p.check(basic)), 401u);
}

TEST(SecurityPolicy, QueryTokenOnlyForWebSocketsAndMjpeg) {
  security_policy p(config_with("127.0.0.1", "s3cret"));
  auto plain = request("/api/v1/pipelines", "127.0.0.1:8080");
  plain.query.add("token", "s3cret");
  EXPECT_EQ(status_of(p.check(plain)), 401u);
  auto ws = request("/api/v1/rpc", "127.0.0.1:8080", true);
  ws.query.add("token", "s3cret");
  EXPECT_EQ(status_of(p.check(ws)), 0u);
  auto mjpeg = request("/api/v1/pipelines/p0/sinks/out/mjpeg", "127.0.0.1:8080");
  mjpeg.query.add("token", "s3cret");
  EXPECT_EQ(status_of(p.check(mjpeg)), 0u);
}

TEST(SecurityPolicy, TicketOpensOneWebSocketOrMjpegStreamOnce) {
  security_policy p(config_with("127.0.0.1", "s3cret"));
  auto ws = request("/api/v1/rpc", "127.0.0.1:8080", true);
  ws.query.add("ticket", p.tickets().issue());
  EXPECT_EQ(status_of(p.check(ws)), 0u);
  EXPECT_EQ(status_of(p.check(ws)), 401u);  // used up
  auto mjpeg = request("/api/v1/pipelines/p0/sinks/out/mjpeg", "127.0.0.1:8080");
  mjpeg.query.add("ticket", p.tickets().issue());
  EXPECT_EQ(status_of(p.check(mjpeg)), 0u);
  // Never for plain requests: a ticket is not a token.
  auto plain = request("/api/v1/pipelines", "127.0.0.1:8080");
  const auto ticket = p.tickets().issue();
  plain.query.add("ticket", ticket);
  EXPECT_EQ(status_of(p.check(plain)), 401u);
  EXPECT_EQ(p.tickets().outstanding(), 1u);  // and the refusal did not use it up
  auto forged = request("/api/v1/rpc", "127.0.0.1:8080", true);
  forged.query.add("ticket", "0123456789abcdef0123456789abcdef");
  const auto refused = p.check(forged);
  EXPECT_EQ(status_of(refused), 401u);
  EXPECT_NE(refused->body.find("invalid ticket"), std::string::npos) << refused->body;
}

TEST(SecurityPolicy, WithTlsTheOwnOriginIsHttpsAndItsDefaultPortIs443) {
  auto config = config_with("127.0.0.1");
  config.tls_cert = "server.crt";
  config.tls_key = "server.key";
  security_policy p(config);
  auto own = request("/api/v1/rpc", "127.0.0.1:8443", true);
  own.request.headers.add("Origin", "https://127.0.0.1:8443");
  EXPECT_EQ(status_of(p.check(own)), 0u);
  auto plain = request("/api/v1/rpc", "127.0.0.1:8443", true);
  plain.request.headers.add("Origin", "http://127.0.0.1:8443");
  EXPECT_EQ(status_of(p.check(plain)), 403u);
  auto default_port = request("/api/v1/rpc", "localhost", true);
  default_port.request.headers.add("Origin", "https://localhost");
  EXPECT_EQ(status_of(p.check(default_port)), 0u);
  auto port_80 = request("/api/v1/rpc", "localhost", true);
  port_80.request.headers.add("Origin", "https://localhost:80");
  EXPECT_EQ(status_of(p.check(port_80)), 403u);
}

TEST(SecurityPolicy, OriginMustBeOwnOrAllowed) {
  security_policy p(config_with("127.0.0.1", {}, {"https://ui.example"}));
  auto own = request("/api/v1/rpc", "127.0.0.1:8080", true);
  own.request.headers.add("Origin", "http://127.0.0.1:8080");
  EXPECT_EQ(status_of(p.check(own)), 0u);
  auto allowed = request("/api/v1/rpc", "127.0.0.1:8080", true);
  allowed.request.headers.add("Origin", "https://ui.example");
  EXPECT_EQ(status_of(p.check(allowed)), 0u);
  auto other_port = request("/api/v1/rpc", "127.0.0.1:8080", true);
  other_port.request.headers.add("Origin", "http://127.0.0.1:9999");
  EXPECT_EQ(status_of(p.check(other_port)), 403u);
  auto hijack = request("/api/v1/rpc", "127.0.0.1:8080", true);
  hijack.request.headers.add("Origin", "https://evil.example");
  EXPECT_EQ(status_of(p.check(hijack)), 403u);
  auto opaque = request("/api/v1/pipelines", "127.0.0.1:8080");
  opaque.request.headers.add("Origin", "null");
  EXPECT_EQ(status_of(p.check(opaque)), 403u);
  auto none = request("/api/v1/rpc", "127.0.0.1:8080", true);  // not a browser
  EXPECT_EQ(status_of(p.check(none)), 0u);
}

}  // namespace security_policy_test
}  // namespace tessera::server
