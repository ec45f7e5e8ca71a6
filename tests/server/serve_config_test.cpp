#include "server/serve_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace tessera::server {
namespace serve_config_test {

using env_map = std::map<std::string, std::string, std::less<>>;

env_lookup env_of(env_map vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

result<serve_config> parse(std::vector<std::string_view> args, env_map env = {}) {
  return parse_serve_config(args, env_of(std::move(env)));
}

TEST(ServeConfig, DefaultsAreLoopbackAndSectionEightLimits) {
  auto c = parse({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->bind, "127.0.0.1");
  EXPECT_EQ(c->port, 8080);
  EXPECT_TRUE(c->token.empty());
  EXPECT_EQ(c->max_pipelines, 64u);
  EXPECT_EQ(c->max_elements, 256u);
  EXPECT_EQ(c->max_frame_pixels, 64ull * 1024 * 1024);
  EXPECT_EQ(c->max_subscribers, 256u);
  EXPECT_EQ(c->max_request_bytes, 1u << 20);
  EXPECT_EQ(c->max_batch, 64u);
  EXPECT_EQ(c->max_reply_bytes, 8u << 20);
  EXPECT_EQ(c->max_connections_per_address, 64u);
  EXPECT_FALSE(c->demo);
}

TEST(ServeConfig, TheMediaRootIsMediaOfTheWorkingDirectoryUnlessSlashAsksForEverything) {
  auto c = parse({});
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->media_root.has_value()) << "a default start must not reach the whole filesystem";
  EXPECT_EQ(*c->media_root, (std::filesystem::current_path() / "media").lexically_normal());
  EXPECT_TRUE(c->media_root_is_default);
  EXPECT_FALSE(c->whole_filesystem);

  auto all = parse({"--media-root", "/"});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_FALSE(all->media_root.has_value());
  EXPECT_TRUE(all->whole_filesystem);

  auto env_all_flag_dir = parse({"--media-root", "/tmp"}, {{"TESSERA_MEDIA_ROOT", "/"}});
  ASSERT_TRUE(env_all_flag_dir) << env_all_flag_dir.error().message;
  EXPECT_EQ(env_all_flag_dir->media_root, std::optional<std::filesystem::path>("/tmp"));
  EXPECT_FALSE(env_all_flag_dir->whole_filesystem) << "the flag wins over the environment";
  EXPECT_FALSE(env_all_flag_dir->media_root_is_default);
}

TEST(ServeConfig, RpcBatchAndReplyLimitsFromFlagsOrEnvironment) {
  auto c = parse({"--max-batch", "8", "--max-reply-bytes=64K"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->max_batch, 8u);
  EXPECT_EQ(c->max_reply_bytes, 64u << 10);
  auto e = parse({}, {{"TESSERA_MAX_BATCH", "3"}, {"TESSERA_MAX_REPLY_BYTES", "1M"}});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->max_batch, 3u);
  EXPECT_EQ(e->max_reply_bytes, 1u << 20);
  auto per_address = parse({"--max-connections-per-address", "5"}, {{"TESSERA_MAX_CONNECTIONS_PER_ADDRESS", "9"}});
  ASSERT_TRUE(per_address) << per_address.error().message;
  EXPECT_EQ(per_address->max_connections_per_address, 5u);
  EXPECT_FALSE(parse({"--max-connections-per-address", "2000"}));
  auto zero = parse({"--max-batch", "0"});
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("--max-batch 0: must be between 1 and 10000"), std::string::npos)
      << zero.error().message;
  auto tiny = parse({"--max-reply-bytes", "100"});
  ASSERT_FALSE(tiny);
  EXPECT_NE(tiny.error().message.find("must be between 4096"), std::string::npos) << tiny.error().message;
}

TEST(ServeConfig, TlsCertificateAndKeyComeTogether) {
  auto both = parse({"--tls-cert", "/etc/tessera/server.crt", "--tls-key=/etc/tessera/server.key"});
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->tls_cert, "/etc/tessera/server.crt");
  EXPECT_EQ(both->tls_key, "/etc/tessera/server.key");
  EXPECT_TRUE(parse({})->tls_cert.empty());
  auto env = parse({}, {{"TESSERA_TLS_CERT", "c.pem"}, {"TESSERA_TLS_KEY", "k.pem"}});
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->tls_cert, "c.pem");
  auto cert_alone = parse({"--tls-cert", "c.pem"});
  ASSERT_FALSE(cert_alone);
  EXPECT_NE(cert_alone.error().message.find("--tls-cert c.pem needs --tls-key"), std::string::npos)
      << cert_alone.error().message;
  auto key_alone = parse({}, {{"TESSERA_TLS_KEY", "k.pem"}});
  ASSERT_FALSE(key_alone);
  EXPECT_NE(key_alone.error().message.find("needs --tls-cert"), std::string::npos) << key_alone.error().message;
  EXPECT_FALSE(parse({"--tls-cert", "", "--tls-key", "k.pem"}));
}

TEST(ServeConfig, ReadsFlagsWithSpaceOrEquals) {
  auto c = parse({"--port", "9000", "--token=abc", "--log-level", "debug", "--log-json", "--max-pipelines=3",
                  "--max-frame-pixels", "1M", "--cache-size", "256M", "--memory-budget", "1G"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_TRUE(c->log_json);
  EXPECT_EQ(c->max_pipelines, 3u);
  EXPECT_EQ(c->max_frame_pixels, 1u << 20);
  EXPECT_EQ(c->cache_bytes, 256ull << 20);
  EXPECT_EQ(c->memory_budget_bytes, 1ull << 30);
  EXPECT_EQ(parse({})->memory_budget_bytes, std::nullopt);  // the default comes from the memory limit
  EXPECT_EQ(parse({}, {{"TESSERA_MEMORY_BUDGET", "256M"}})->memory_budget_bytes, 256ull << 20);
}

TEST(ServeConfig, EveryFlagAlsoReadsItsEnvironmentVariable) {
  auto c = parse({}, {{"TESSERA_PORT", "7000"}, {"TESSERA_TOKEN", "t"}, {"TESSERA_LOG_JSON", "1"},
                      {"TESSERA_MAX_PIPELINES", "5"}, {"TESSERA_DEMO", "true"},
                      {"TESSERA_ALLOW_ORIGIN", "http://a.example,https://b.example:8443"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 7000);
  EXPECT_EQ(c->token, "t");
  EXPECT_TRUE(c->log_json);
  EXPECT_TRUE(c->demo);
  EXPECT_EQ(c->max_pipelines, 5u);
  EXPECT_EQ(c->allow_origins, (std::vector<std::string>{"http://a.example", "https://b.example:8443"}));
}

TEST(ServeConfig, WebRootComesFromTheEnvironmentOrTheFlagAndMustExist) {
  // The container sets TESSERA_WEB_ROOT to where it installed the UI.
  const auto dir = std::filesystem::temp_directory_path();
  auto c = parse({}, {{"TESSERA_WEB_ROOT", dir.string()}});
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->web_root);
  EXPECT_TRUE(std::filesystem::equivalent(*c->web_root, dir));
  EXPECT_FALSE(parse({}).value().web_root) << "no web root given: the build's web/ is served";
  auto bad = parse({"--web-root", "/definitely/not/here"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/definitely/not/here"), std::string::npos) << bad.error().message;
}

TEST(ServeConfig, FlagsWinOverTheEnvironment) {
  auto c = parse({"--port", "9001", "--allow-origin", "http://c.example"},
                 {{"TESSERA_PORT", "7000"}, {"TESSERA_ALLOW_ORIGIN", "http://a.example"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 9001);
  EXPECT_EQ(c->allow_origins, std::vector<std::string>{"http://c.example"});
}

TEST(ServeConfig, AllowOriginRepeats) {
  auto c = parse({"--allow-origin", "http://a.example", "--allow-origin=http://b.example"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->allow_origins.size(), 2u);
}

TEST(ServeConfig, RefusesNonLoopbackBindWithoutToken) {
  auto c = parse({"--bind", "0.0.0.0"});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("without a token"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("--insecure"), std::string::npos);
}

TEST(ServeConfig, RefusesNonLoopbackBindFromTheEnvironmentToo) {
  EXPECT_FALSE(parse({}, {{"TESSERA_BIND", "::"}}));
}

TEST(ServeConfig, AcceptsNonLoopbackBindWithTokenOrInsecure) {
  EXPECT_TRUE(parse({"--bind", "0.0.0.0", "--token", "x"}));
  EXPECT_TRUE(parse({"--bind", "0.0.0.0", "--insecure"}));
  EXPECT_TRUE(parse({"--bind", "::1"}));
  auto local = parse({"--bind", "localhost"});
  ASSERT_TRUE(local);
  EXPECT_EQ(local->bind, "127.0.0.1");
}

TEST(ServeConfig, BadValuesNameTheFlagAndTheValue) {
  const std::vector<std::vector<std::string_view>> bad = {
      {"--port", "70000"}, {"--port", "x"},           {"--bind", "example.com"}, {"--log-level", "loud"},
      {"--max-pipelines", "0"}, {"--cache-size", "lots"}, {"--allow-origin", "not an origin"},
      {"--memory-budget", "lots"}, {"--memory-budget", "1M"},
      {"--media-root", "/definitely/not/here"}, {"--token", ""}, {"--log-json=maybe"}};
  for (const auto& args : bad) {
    auto c = parse(args);
    ASSERT_FALSE(c) << args[0];
    EXPECT_NE(c.error().message.find(std::string(args[0]).substr(0, std::string(args[0]).find('='))),
              std::string::npos)
        << c.error().message;
  }
}

TEST(ServeConfig, BadEnvironmentValuesNameTheVariable) {
  auto c = parse({}, {{"TESSERA_PORT", "abc"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("TESSERA_PORT=abc"), std::string::npos) << c.error().message;
}

TEST(ServeConfig, UnknownOptionsAndMissingValuesAreErrors) {
  EXPECT_FALSE(parse({"--frobnicate"}));
  EXPECT_FALSE(parse({"--port"}));
  EXPECT_FALSE(parse({"stray"}));
}

TEST(ServeConfig, HelpIsNotAnError) {
  auto c = parse({"--help"});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->show_help);
}

TEST(ServeConfig, SizesTakeBinarySuffixes) {
  EXPECT_EQ(parse_size("1024"), 1024u);
  EXPECT_EQ(parse_size("64K"), 64u << 10);
  EXPECT_EQ(parse_size("2MiB"), 2u << 20);
  EXPECT_EQ(parse_size("1g"), 1ull << 30);
  EXPECT_FALSE(parse_size("12X"));
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("99999999999999999999T"));
}

}  // namespace serve_config_test
}  // namespace tessera::server
