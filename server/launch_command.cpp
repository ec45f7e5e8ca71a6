// tessera launch: one pipeline, run locally to EOS, like gst-launch-1.0 (README).
//   exit 0: EOS; 1: runtime error (one line on stderr); 2: bad usage, or a description
//   that does not parse, link or negotiate.
// Ctrl-C sends EOS so the sinks finish cleanly; a second Ctrl-C exits at once.
// -m prints every bus message it reads, -v every pad's negotiated caps when they are set
// (through the pipeline's caps observer, on the streaming thread that sets them), in
// gst-launch's shapes:
//   Got message #3 from element "fakesink0" (state-changed): old=null, new=ready, pending=void-pending
//   /pipeline0/testsrc0.src: caps = video/x-raw,format=RGBA,width=320,...
#include "server/commands.hpp"

#include "core/elements/builtin_elements.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "core/graph/runtime.hpp"
#include "server/serve_config.hpp"
#include "server/stats_json.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace tessera::server {

namespace {

volatile std::sig_atomic_t interrupts = 0;
extern "C" void on_sigint(int) { interrupts = interrupts + 1; }

constexpr const char* launch_usage =
    "usage: tessera launch [-m] [-v] [--stats] [--cache-size BYTES] [--swap-dir DIR]\n"
    "                      [--allow-uri PREFIX]... [--allow-device PATH]... \"<description>\"\n"
    "\n"
    "Runs one pipeline to end of stream, like gst-launch-1.0. Example:\n"
    "  tessera launch \"testsrc num-buffers=100 ! invert ! fakesink\"\n"
    "\n"
    "  -m, --messages     print every bus message (Got message #N from element ...)\n"
    "  -v, --verbose      print the negotiated caps of every pad when they are set\n"
    "  --stats            print one JSON object with counters on stdout at the end\n"
    "  --cache-size BYTES tile cache budget\n"
    "  --swap-dir DIR     where swapped-out tiles go\n"
    "  --allow-uri PREFIX avsrc may open network URIs under PREFIX (none otherwise)\n"
    "  --allow-device PATH avsrc may open this V4L2 device\n"
    "exit status: 0 end of stream, 1 runtime error, 2 bad usage or a description that\n"
    "does not parse, link or negotiate\n";

int launch_usage_error(const std::string& msg) {
  std::fprintf(stderr, "tessera launch: %s\n%s", msg.c_str(), launch_usage);
  return 2;
}

/// A field value as gst-launch shows structure values: plain when it is one word,
/// else in double quotes with '"' and '\\' escaped.
std::string field_text(const core::message_value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  const auto& text = std::get<std::string>(v);
  const bool plain = !text.empty() && text.find_first_of(" \t\n,;=\"\\") == std::string::npos;
  if (plain) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// gst-launch -m's line for message number `n`.
std::string message_line(std::uint64_t n, const core::message& m) {
  std::string line = "Got message #" + std::to_string(n) + " from element \"" + m.source + "\" (" +
                     std::string(core::to_string(m.type)) + "): ";
  if (m.fields.empty()) return line + "no message details\n";
  for (std::size_t i = 0; i < m.fields.size(); ++i)
    line += (i ? ", " : "") + m.fields[i].first + "=" + field_text(m.fields[i].second);
  return line + "\n";
}

}  // namespace

int run_launch(std::span<const std::string_view> args) {
  bool stats = false;
  bool messages = false;
  bool verbose = false;
  std::string description;
  std::optional<std::uint64_t> cache_bytes;
  std::filesystem::path swap_dir;
  core::pipeline_limits limits;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(launch_usage, stdout);
      return 0;
    }
    if (a == "--stats") {
      stats = true;
    } else if (a == "-m" || a == "--messages") {
      messages = true;
    } else if (a == "-v" || a == "--verbose") {
      verbose = true;
    } else if (a == "--allow-uri" || a == "--allow-device") {
      if (i + 1 >= args.size()) return launch_usage_error(std::string(a) + " needs a value");
      (a == "--allow-uri" ? limits.allowed_uri_prefixes : limits.allowed_devices).emplace_back(args[++i]);
    } else if (a == "--cache-size" || a == "--swap-dir" || a.starts_with("--cache-size=") ||
               a.starts_with("--swap-dir=")) {
      const auto eq = a.find('=');
      const auto flag = a.substr(0, eq);
      std::string_view value;
      if (eq != std::string_view::npos) {
        value = a.substr(eq + 1);
      } else {
        if (i + 1 >= args.size()) return launch_usage_error(std::string(a) + " needs a value");
        value = args[++i];
      }
      if (flag == "--swap-dir") {
        if (value.empty()) return launch_usage_error("--swap-dir needs a directory");
        swap_dir = std::filesystem::path(value);
      } else {
        cache_bytes = parse_size(value);
        if (!cache_bytes || *cache_bytes == 0)
          return launch_usage_error("--cache-size " + std::string(value) +
                             ": expected a number of bytes like 1048576, 64K, 512M or 2G");
      }
    } else if (a.starts_with("-") && a.size() > 1 && a.find_first_of(" =!") == std::string_view::npos) {
      return launch_usage_error("unknown option " + std::string(a));
    } else {
      // Like gst-launch, the description may come as several arguments.
      if (!description.empty()) description += ' ';
      description += a;
    }
  }
  if (description.empty()) return launch_usage_error("no pipeline description");
  core::runtime_config runtime_config;
  runtime_config.cache_bytes = cache_bytes;
  runtime_config.swap_dir = swap_dir;
  auto runtime = core::runtime::create(runtime_config);
  if (!runtime) return launch_usage_error("tile cache: " + runtime.error().message);
  core::register_builtin_elements((*runtime)->registry());

  spdlog::set_level(spdlog::level::warn);
  auto built = core::build_pipeline(description, (*runtime)->registry(), "pipeline0", limits);
  if (!built) {
    std::fprintf(stderr, "tessera launch: %s\n", built.error().message.c_str());
    return 2;
  }
  core::pipeline& p = **built;
  if (verbose)
    p.set_caps_observer([prefix = "/" + p.name() + "/"](const core::pad& pad, const core::caps& c) {
      // One call per line: stdio locks the stream, so lines from streaming threads never mix.
      std::fputs((prefix + pad.full_name() + ": caps = " + c.to_string() + "\n").c_str(), stdout);
    });
  std::uint64_t message_count = 0;
  auto show = [&](const core::message& m) {
    if (messages) std::fputs(message_line(++message_count, m).c_str(), stdout);
  };
  const auto started = std::chrono::steady_clock::now();
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);

  int status = 0;
  if (p.set_state(core::state::playing) == core::state_change::failure) status = -1;
  bool eos_sent = false;
  while (status == 0) {
    if (interrupts > 0 && !eos_sent) {
      eos_sent = true;
      p.send_eos();
    }
    if (interrupts > 1) {
      status = 1;
      std::fputs("tessera launch: interrupted\n", stderr);
      break;
    }
    auto m = p.bus().pop(std::chrono::milliseconds(50));
    if (!m) continue;
    show(*m);
    if (m->type == core::message_type::eos) break;
    if (m->type == core::message_type::error) {
      status = -1;
      std::fprintf(stderr, "tessera launch: ERROR from element %s: %s\n", m->source.c_str(),
                   m->get_string("message").value_or("").c_str());
      status = m->get_string("code").value_or("") == "not negotiated" ? 2 : 1;
    } else if (m->type == core::message_type::warning) {
      std::fprintf(stderr, "tessera launch: WARNING from element %s: %s\n", m->source.c_str(),
                   m->get_string("message").value_or("").c_str());
    }
  }
  if (status == -1) {
    // set_state failed: the reason is on the bus.
    status = 1;
    while (auto m = p.bus().pop(std::chrono::milliseconds(0))) {
      show(*m);
      if (m->type == core::message_type::error) {
        std::fprintf(stderr, "tessera launch: ERROR from element %s: %s\n", m->source.c_str(),
                     m->get_string("message").value_or("").c_str());
        if (m->get_string("code").value_or("") == "not negotiated") status = 2;
        break;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  p.set_state(core::state::null_state);
  if (stats) std::cout << boost::json::serialize(pipeline_stats(p, elapsed)) << std::endl;
  return status;
}

}  // namespace tessera::server
