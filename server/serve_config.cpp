// `tessera serve` options: one table drives both the command line and the environment,
// so every flag has its variable and the two can never drift apart.
#include "server/serve_config.hpp"

#include "net/host_origin.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace tessera::server {

namespace {

enum class kind { text, number, size, flag, list };

/// One option: its flag name (without "--"), what it takes, and how it is stored.
/// `apply` returns an error text naming what is wrong with the value, or "".
struct option {
  std::string_view name;
  kind type;
  std::function<std::string(serve_config&, std::string_view)> apply;
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t v = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || text.empty()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty()) return false;
  return std::nullopt;
}

// A count with a lower and upper bound, as every limit needs.
template <class T>
std::function<std::string(serve_config&, std::string_view)> bounded(T serve_config::*field, std::uint64_t min,
                                                                     std::uint64_t max, bool sizes) {
  return [field, min, max, sizes](serve_config& c, std::string_view v) -> std::string {
    const auto n = sizes ? parse_size(v) : parse_number(v);
    if (!n) return sizes ? "expected a number of bytes like 1048576, 64K, 512M or 2G" : "expected a whole number";
    if (*n < min || *n > max)
      return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    c.*field = static_cast<T>(*n);
    return {};
  };
}

std::function<std::string(serve_config&, std::string_view)> boolean(bool serve_config::*field) {
  return [field](serve_config& c, std::string_view v) -> std::string {
    const auto b = parse_bool(v);
    if (!b) return "expected true or false";
    c.*field = *b;
    return {};
  };
}

std::string set_bind(serve_config& c, std::string_view v) {
  auto addr = parse_bind_address(v);
  if (!addr) return "expected an IP address such as 127.0.0.1, 0.0.0.0 or ::1";
  c.bind = *addr;
  return {};
}

std::string set_log_level(serve_config& c, std::string_view v) {
  static constexpr std::string_view levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), v) == std::end(levels))
    return "expected trace, debug, info, warn, error, critical or off";
  c.log_level = std::string(v);
  return {};
}

std::string add_origin(serve_config& c, std::string_view v) {
  auto o = net::parse_origin(v);
  if (!o) return "expected an origin such as https://example.com or http://host:8080 (" + o.error().message + ")";
  c.allow_origins.emplace_back(v);
  return {};
}

std::string set_dir(std::optional<std::filesystem::path>& field, std::string_view v, bool must_exist) {
  if (v.empty()) return "expected a directory";
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(std::filesystem::path(v), ec);
  if (ec) return ec.message();
  if (must_exist && !std::filesystem::is_directory(p, ec)) return "\"" + p.string() + "\" is not a directory";
  field = p.lexically_normal();
  return {};
}

const std::vector<option>& options() {
  static const std::vector<option> table = {
      {"bind", kind::text, set_bind},
      {"port", kind::number, bounded(&serve_config::port, 0, 65535, false)},
      {"token", kind::text,
       [](serve_config& c, std::string_view v) -> std::string {
         if (v.empty()) return "expected a non-empty token";
         for (unsigned char ch : v)
           if (ch <= ' ' || ch >= 0x7f) return "a token may only contain visible ASCII characters";
         c.token = std::string(v);
         return {};
       }},
      {"tls-cert", kind::text,
       [](serve_config& c, std::string_view v) -> std::string {
         if (v.empty()) return "expected a PEM certificate file";
         c.tls_cert = std::string(v);
         return {};
       }},
      {"tls-key", kind::text,
       [](serve_config& c, std::string_view v) -> std::string {
         if (v.empty()) return "expected a PEM private key file";
         c.tls_key = std::string(v);
         return {};
       }},
      {"allow-origin", kind::list, add_origin},
      {"allow-uri", kind::list,
       [](serve_config& c, std::string_view v) -> std::string {
         // scheme://host at least: a bare "http" or "rtsp://" would allow every host.
         const auto scheme_end = v.find("://");
         if (scheme_end == std::string_view::npos || scheme_end == 0 || v.size() <= scheme_end + 3)
           return "expected a URI prefix with a host, such as rtsp://cam1.local/ or udp://127.0.0.1:5000";
         c.allow_uris.emplace_back(v);
         return {};
       }},
      {"allow-device", kind::list,
       [](serve_config& c, std::string_view v) -> std::string {
         if (!v.starts_with("/dev/")) return "expected a device path such as /dev/video0";
         c.allow_devices.emplace_back(v);
         return {};
       }},
      {"media-root", kind::text,
       [](serve_config& c, std::string_view v) {
         auto why = set_dir(c.media_root, v, true);
         c.whole_filesystem = false;
         // "/" is the explicit way to reach the whole filesystem: no confinement at all.
         if (why.empty() && c.media_root && *c.media_root == c.media_root->root_path()) {
           c.media_root.reset();
           c.whole_filesystem = true;
         }
         return why;
       }},
      {"cache-size", kind::size,
       [](serve_config& c, std::string_view v) -> std::string {
         const auto n = parse_size(v);
         if (!n || *n == 0) return "expected a number of bytes like 268435456, 256M or 2G";
         c.cache_bytes = *n;
         return {};
       }},
      {"memory-budget", kind::size,
       [](serve_config& c, std::string_view v) -> std::string {
         const auto n = parse_size(v);
         if (!n) return "expected a number of bytes like 268435456, 256M or 2G";
         if (*n < (std::uint64_t{16} << 20)) return "must be at least 16M (16777216 bytes)";
         c.memory_budget_bytes = *n;
         return {};
       }},
      {"swap-dir", kind::text, [](serve_config& c, std::string_view v) { return set_dir(c.swap_dir, v, true); }},
      {"web-root", kind::text, [](serve_config& c, std::string_view v) { return set_dir(c.web_root, v, true); }},
      {"log-level", kind::text, set_log_level},
      {"log-json", kind::flag, boolean(&serve_config::log_json)},
      {"insecure", kind::flag, boolean(&serve_config::insecure)},
      {"demo", kind::flag, boolean(&serve_config::demo)},
      {"threads", kind::number, bounded(&serve_config::threads, 1, 256, false)},
      {"max-pipelines", kind::number, bounded(&serve_config::max_pipelines, 1, 100000, false)},
      {"max-elements", kind::number, bounded(&serve_config::max_elements, 1, 100000, false)},
      {"max-frame-pixels", kind::size,
       bounded(&serve_config::max_frame_pixels, 1, std::uint64_t{1} << 40, true)},
      {"max-subscribers", kind::number, bounded(&serve_config::max_subscribers, 1, 65536, false)},
      {"max-request-bytes", kind::size, bounded(&serve_config::max_request_bytes, 1024, 1u << 30, true)},
      {"max-batch", kind::number, bounded(&serve_config::max_batch, 1, 10000, false)},
      {"request-timeout", kind::number, bounded(&serve_config::request_timeout_s, 1, 3600, false)},
      {"shutdown-timeout", kind::number, bounded(&serve_config::shutdown_timeout_s, 1, 3600, false)},
      {"max-reply-bytes", kind::size, bounded(&serve_config::max_reply_bytes, 4096, 1u << 30, true)},
      {"max-connections-per-address", kind::number,
       bounded(&serve_config::max_connections_per_address, 1, 1024, false)},
  };
  return table;
}

std::string env_name(std::string_view flag) {
  std::string name = "TESSERA_";
  for (char c : flag) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

const option* find_option(std::string_view name) {
  for (const auto& o : options())
    if (o.name == name) return &o;
  return nullptr;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const auto n = parse_number(text.substr(0, digits));
  if (!n) return std::nullopt;
  std::string unit(text.substr(digits));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KIB") shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") shift = 30;
  else if (unit == "T" || unit == "TB" || unit == "TIB") shift = 40;
  else return std::nullopt;
  if (shift > 0 && *n > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
  return *n << shift;
}

std::optional<std::string> parse_bind_address(std::string_view text) {
  std::string addr(text);
  if (addr == "localhost") addr = "127.0.0.1";
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (!net::is_ip_literal(addr)) return std::nullopt;
  return addr;
}

env_lookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    if (const char* v = std::getenv(std::string(name).c_str())) return std::string(v);
    return std::nullopt;
  };
}

result<serve_config> parse_serve_config(std::span<const std::string_view> args, const env_lookup& env) {
  serve_config c;
  // The environment first, so flags override it.
  for (const auto& o : options()) {
    const auto var = env_name(o.name);
    const auto value = env(var);
    if (!value) continue;
    std::vector<std::string_view> values;
    if (o.type == kind::list) {
      std::string_view rest = *value;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        auto item = rest.substr(0, comma);
        if (!item.empty()) values.push_back(item);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    } else {
      values.push_back(*value);
    }
    for (auto v : values)
      if (auto why = o.apply(c, v); !why.empty())
        return fail(errc::invalid_argument, var + "=" + *value + ": " + why);
  }

  bool origins_from_flags = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      c.show_help = true;
      return c;
    }
    if (!a.starts_with("--")) return fail(errc::invalid_argument, "unexpected argument \"" + std::string(a) + "\"");
    a.remove_prefix(2);
    std::optional<std::string_view> value;
    if (const auto eq = a.find('='); eq != std::string_view::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    const option* o = find_option(a);
    if (!o) return fail(errc::invalid_argument, "unknown option --" + std::string(a));
    if (!value) {
      if (o->type == kind::flag) {
        value = "true";
      } else {
        if (i + 1 >= args.size()) return fail(errc::invalid_argument, "--" + std::string(a) + " needs a value");
        value = args[++i];
      }
    }
    if (o->type == kind::list && !origins_from_flags) {
      c.allow_origins.clear();  // flags replace the variable's list
      origins_from_flags = true;
    }
    if (auto why = o->apply(c, *value); !why.empty())
      return fail(errc::invalid_argument, "--" + std::string(a) + " " + std::string(*value) + ": " + why);
  }

  if (!c.media_root && !c.whole_filesystem) {
    std::error_code ec;
    const auto cwd = std::filesystem::current_path(ec);
    if (ec) return fail(errc::invalid_argument, "no --media-root and no working directory for ./media: " + ec.message());
    c.media_root = (cwd / "media").lexically_normal();
    c.media_root_is_default = true;
  }
  if (c.tls_cert.empty() != c.tls_key.empty())
    return fail(errc::invalid_argument, c.tls_cert.empty()
                                            ? "--tls-key " + c.tls_key + " needs --tls-cert (give both or neither)"
                                            : "--tls-cert " + c.tls_cert + " needs --tls-key (give both or neither)");
  if (c.token.empty() && !c.insecure && !net::is_loopback_host(c.bind))
    return fail(errc::permission_denied,
                "refusing to serve on " + c.bind +
                    " without a token: anyone who can reach this address could control the server. "
                    "Give --token T (or TESSERA_TOKEN), bind to 127.0.0.1, or pass --insecure to accept it.");
  return c;
}

const char* serve_usage() noexcept {
  return "usage: tessera serve [options]\n"
         "\n"
         "Runs the HTTP + WebSocket server (REST API, JSON-RPC, frame streams, web UI).\n"
         "Every option also reads TESSERA_<OPTION> from the environment (--media-root ->\n"
         "TESSERA_MEDIA_ROOT; lists comma-separated); the command line wins.\n"
         "\n"
         "  --bind ADDR            address to listen on (default 127.0.0.1)\n"
         "  --port N               port (default 8080; 0 picks a free one)\n"
         "  --token T              require 'Authorization: Bearer T' on /api and /metrics\n"
         "  --tls-cert FILE        serve HTTPS and WSS with this PEM certificate (chain);\n"
         "                         needs --tls-key; the token then never crosses the\n"
         "                         network in clear\n"
         "  --tls-key FILE         the certificate's PEM private key (no passphrase)\n"
         "  --allow-origin O       also accept this Origin (and its host); repeatable\n"
         "  --allow-uri PREFIX     avsrc may open network URIs starting with PREFIX (at a\n"
         "                         '/', ':', '?' boundary); none by default; repeatable\n"
         "  --allow-device PATH    avsrc may open this V4L2 device; repeatable\n"
         "  --media-root DIR       filesrc/filesink locations resolve inside DIR only\n"
         "                         (default ./media, created when missing; / for all)\n"
         "  --cache-size BYTES     tile cache budget (default: a quarter of the cgroup\n"
         "                         memory limit, else of physical memory; e.g. 256M)\n"
         "  --memory-budget BYTES  memory budget of all pipelines (default: three\n"
         "                         quarters of the same limit; at least 16M)\n"
         "  --swap-dir DIR         where swapped-out tiles go\n"
         "  --web-root DIR         the web UI's files (default: the source tree's web/)\n"
         "  --log-level L          trace|debug|info|warn|error|critical|off (default info)\n"
         "  --log-json             log one JSON object per line\n"
         "  --insecure             allow a non-loopback --bind without --token\n"
         "  --demo                 create and play the pipeline \"demo\" (websink \"preview\")\n"
         "  --threads N            network threads (default 2)\n"
         "  --max-pipelines N      pipelines at once (default 64)\n"
         "  --max-elements N       elements per pipeline (default 256)\n"
         "  --max-frame-pixels N   pixels per frame (default 64M)\n"
         "  --max-subscribers N    viewers per websink (default 256)\n"
         "  --max-request-bytes N  request body / WebSocket message size (default 1M)\n"
         "  --max-batch N          JSON-RPC requests in one batch (default 64)\n"
         "  --request-timeout S    seconds a control request is waited for (default 15)\n"
         "  --shutdown-timeout S   seconds SIGTERM/SIGINT may take; then the process\n"
         "                         exits at once, naming what was stuck (default 10)\n"
         "  --max-reply-bytes N    JSON-RPC reply to one message; later batch entries get\n"
         "                         an error instead (default 8M)\n"
         "  --max-connections-per-address N\n"
         "                         connections open at once from one client address;\n"
         "                         more are answered 503 (default 64, at most 1024)\n"
         "  -h, --help             show this help\n"
         "\n"
         "Binding a non-loopback address without --token is refused unless --insecure.\n";
}

}  // namespace tessera::server
