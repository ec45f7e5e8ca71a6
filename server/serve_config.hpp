#pragma once
/// The configuration of `tessera serve` (README and docs/deploy.md): command-line flags,
/// each also read from the environment as TESSERA_<FLAG> (upper case, dashes as
/// underscores: --media-root -> TESSERA_MEDIA_ROOT). A flag given on the command line
/// wins over its variable; a repeatable flag (--allow-origin) given at least once
/// replaces the variable's list (comma-separated there).
///
/// Parsing also applies the security rule of section 8: a non-loopback bind address
/// without a token is refused unless --insecure says the user accepts an open server.

#include "core/support/result.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::server {

/// What `tessera serve` runs with. A plain value.
struct serve_config {
  std::string bind = "127.0.0.1";     ///< IPv4/IPv6 literal ("localhost" is taken as 127.0.0.1)
  std::uint16_t port = 8080;          ///< 0: an ephemeral port (printed at start)
  std::string token;                  ///< empty: no authentication (loopback only, or --insecure)
  /// HTTPS/WSS (--tls-cert, --tls-key): PEM files, both or neither; empty: plain HTTP.
  std::string tls_cert;
  std::string tls_key;
  std::vector<std::string> allow_origins;  ///< extra Origins (and their hosts) the server accepts
  std::vector<std::string> allow_uris;     ///< URI prefixes avsrc may open (--allow-uri)
  std::vector<std::string> allow_devices;  ///< device paths avsrc may open (--allow-device)
  /// Absolute; filesrc/filesink confinement. Without --media-root: ./media of the
  /// working directory (`media_root_is_default`), which serve creates when missing; the
  /// whole filesystem only with an explicit --media-root /.
  std::optional<std::filesystem::path> media_root;
  bool media_root_is_default = false;
  bool whole_filesystem = false;  ///< --media-root /: locations are not confined
  std::optional<std::uint64_t> cache_bytes;         ///< tile cache budget (--cache-size)
  /// Global memory budget of all pipelines (--memory-budget); empty: 3/4 of the
  /// cgroup or physical memory limit (server/memory_budgets.hpp).
  std::optional<std::uint64_t> memory_budget_bytes;
  std::optional<std::filesystem::path> swap_dir;    ///< where swapped-out tiles go
  std::optional<std::filesystem::path> web_root;    ///< the UI's files; empty: the build's web/
  std::string log_level = "info";     ///< trace|debug|info|warn|error|critical|off
  bool log_json = false;              ///< one JSON object per log line
  bool insecure = false;              ///< allow a non-loopback bind without a token
  bool demo = false;                  ///< create and play the demo pipeline "demo"
  std::size_t threads = 2;            ///< io threads serving connections

  // Limits (section 8).
  std::size_t max_pipelines = 64;
  std::size_t max_elements = 256;                        ///< per pipeline
  std::uint64_t max_frame_pixels = 64ull * 1024 * 1024;  ///< per frame
  std::size_t max_subscribers = 256;                     ///< viewers per websink
  std::size_t max_request_bytes = 1 << 20;               ///< HTTP body and WebSocket message
  std::size_t max_batch = 64;                            ///< JSON-RPC requests per batch
  std::size_t max_reply_bytes = std::size_t{8} << 20;    ///< JSON-RPC reply per message
  std::size_t max_connections_per_address = 64;          ///< open connections per client address
  std::size_t request_timeout_s = 15;                    ///< the longest a control request is waited for
  std::size_t shutdown_timeout_s = 10;                   ///< the longest SIGTERM/SIGINT takes to end the process

  bool show_help = false;  ///< --help was given: print serve_usage() and exit 0
};

/// Looks an environment variable up; std::getenv in production, a map in tests.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment.
env_lookup process_env();

/// Flags (the arguments after "serve") over environment over defaults. Errors name the
/// flag or variable and the bad value (exit status 2), including the refusal of a
/// non-loopback bind without a token.
result<serve_config> parse_serve_config(std::span<const std::string_view> args, const env_lookup& env);

/// The help text of `tessera serve`.
const char* serve_usage() noexcept;

/// --bind's value as serve uses it: an IP literal, "localhost" as 127.0.0.1, an IPv6
/// literal without its brackets; nothing for anything else.
std::optional<std::string> parse_bind_address(std::string_view text);

/// "1048576", "64K", "512M", "2G" (also KiB/MiB/GiB; powers of 1024) as a number.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace tessera::server
