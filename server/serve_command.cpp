// tessera serve: the HTTP + WebSocket server (README, docs/api.md, docs/deploy.md).
//
// configuration (flags over TESSERA_* variables) -> logging -> the pipeline registry
// -> net::http_server with the security policy and the routes -> start (prints the URL)
// -> optional demo pipeline -> run the io threads until SIGINT/SIGTERM -> every
// pipeline to NULL -> exit 0. Exit 2 on bad usage (including an unsafe bind), 1 when
// the server cannot start (e.g. the port is taken).
#include "server/commands.hpp"

#include "core/elements/builtin_elements.hpp"
#include "core/graph/runtime.hpp"
#include "core/support/memory_limit.hpp"
#include "net/http_server.hpp"
#include "server/memory_budgets.hpp"
#include "server/pipeline_service.hpp"
#include "server/rest_routes.hpp"
#include "server/rpc_route.hpp"
#include "server/security_policy.hpp"
#include "server/serve_config.hpp"
#include "server/serve_logging.hpp"
#include "server/shutdown_deadline.hpp"
#include "server/stream_metrics.hpp"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

namespace tessera::server {

namespace {

constexpr std::string_view demo_description = "testsrc pattern=ball is-live=true ! videoconvert ! websink name=preview";
// Real media, when the media root holds the clip `make run` makes with the ffmpeg CLI
// (scripts/run-demo): decoded by FFmpeg, looped, paced by the sink's clock.
constexpr std::string_view demo_clip_file = "demo.mp4";
constexpr std::string_view demo_clip_description = "avsrc location=demo.mp4 loop=true ! websink name=clip";

std::string url_of(const std::string& bind, std::uint16_t port, bool tls) {
  // A wildcard bind is reachable on loopback too; show the address a user can open.
  std::string host = bind == "0.0.0.0" ? "127.0.0.1" : bind == "::" ? "::1" : bind;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(port) + "/";
}

void start_pipeline(pipeline_service& service, const std::string& name, std::string_view description) {
  auto created = service.create(name, description);
  if (!created) {
    spdlog::error("demo pipeline: {}", created.error().message);
    return;
  }
  if (auto played = service.set_state(name, "playing"); !played)
    spdlog::error("demo pipeline: {}", played.error().message);
  else
    spdlog::info("demo pipeline \"{}\" playing: {}", name, description);
}

void start_demo(pipeline_service& service, const std::optional<std::filesystem::path>& media_root) {
  start_pipeline(service, "demo", demo_description);
  std::error_code ec;
  if (media_root && std::filesystem::is_regular_file(*media_root / demo_clip_file, ec))
    start_pipeline(service, "clip", demo_clip_description);
}

}  // namespace

int run_serve(std::span<const std::string_view> args) {
  auto parsed = parse_serve_config(args, process_env());
  if (!parsed) {
    std::fprintf(stderr, "tessera serve: %s\n(see tessera serve --help)\n", parsed.error().message.c_str());
    return 2;
  }
  const serve_config config = std::move(*parsed);
  if (config.show_help) {
    std::fputs(serve_usage(), stdout);
    return 0;
  }
  configure_logging(config.log_level, config.log_json);
  // First of the objects that stop: destroyed last, it bounds the shutdown through
  // every destructor below (the service's control pool, the runtime's threads).
  shutdown_deadline deadline(std::chrono::seconds(config.shutdown_timeout_s));
  if (config.media_root_is_default) {
    // The default media root is made, not required: a first start works, and the
    // server still never reads or writes outside it unless told (--media-root /).
    std::error_code ec;
    std::filesystem::create_directories(*config.media_root, ec);
    if (ec || !std::filesystem::is_directory(*config.media_root)) {
      std::fprintf(stderr, "tessera serve: cannot create the default media root %s: %s (give --media-root DIR)\n",
                   config.media_root->c_str(), ec ? ec.message().c_str() : "not a directory");
      return 2;
    }
  }
  const auto limit = core::process_memory_limit();
  auto budgets = resolve_memory_budgets(config.memory_budget_bytes, config.cache_bytes, limit);
  if (!budgets) {
    std::fprintf(stderr, "tessera serve: %s\n(see tessera serve --help)\n", budgets.error().message.c_str());
    return 2;
  }
  // The runtime (streaming pool, tile cache, elements) is made now, so a bad
  // --swap-dir stops the start with a clear message instead of failing the first
  // tiled pipeline. Declared before the service, so it outlives every pipeline.
  core::runtime_config runtime_config;
  runtime_config.cache_bytes = budgets->tile_cache_budget_bytes;
  runtime_config.swap_dir = config.swap_dir.value_or(std::filesystem::path{});
  runtime_config.memory_budget_bytes = budgets->memory_budget_bytes;
  auto runtime = core::runtime::create(runtime_config);
  if (!runtime) {
    std::fprintf(stderr, "tessera serve: tile cache: %s\n", runtime.error().message.c_str());
    return 2;
  }
  core::register_builtin_elements((*runtime)->registry());
  spdlog::info("memory limit {} bytes ({}), memory budget {} bytes{}", limit.bytes, limit.source,
               budgets->memory_budget_bytes, budgets->memory_budget_given ? " (--memory-budget)" : "");
  if (budgets->memory_budget_bytes > limit.bytes)
    spdlog::warn("--memory-budget {} bytes is above the memory limit {} bytes ({}): the kernel may stop the "
                 "process before the budget is reached",
                 budgets->memory_budget_bytes, limit.bytes, limit.source);
  spdlog::info("tile cache budget {} bytes, swap dir {}", (*runtime)->tile_cache().cache_bytes(),
               config.swap_dir ? config.swap_dir->string() : std::string("the system's temporary directory"));

  stream_metrics streams;
  service_options options;
  options.max_pipelines = config.max_pipelines;
  options.max_elements = config.max_elements;
  options.max_frame_pixels = config.max_frame_pixels;
  options.max_subscribers_per_sink = config.max_subscribers;
  options.max_batch_entries = config.max_batch;
  options.max_reply_bytes = config.max_reply_bytes;
  options.request_timeout = std::chrono::seconds(config.request_timeout_s);
  // A request waiting for an earlier one of its pipeline gives up well inside its own
  // timeout, so the client hears "busy" (naming the earlier request) rather than a timeout.
  options.control_wait = std::min<std::chrono::milliseconds>(std::chrono::seconds(5), options.request_timeout / 2);
  options.media_root = config.media_root;
  options.budgets = *budgets;
  options.allowed_uri_prefixes = config.allow_uris;
  options.allowed_devices = config.allow_devices;
  pipeline_service service(**runtime, options);

  boost::asio::io_context ioc(static_cast<int>(config.threads));
  net::http_server_config net_config;
  net_config.bind_address = config.bind;
  net_config.port = config.port;
  net_config.tls_cert_file = config.tls_cert;
  net_config.tls_key_file = config.tls_key;
  net_config.max_body_bytes = config.max_request_bytes;
  net_config.max_websocket_message_bytes = config.max_request_bytes;
  net_config.max_connections_per_address = config.max_connections_per_address;
  net::http_server server(ioc, net_config);

  security_policy policy(config);
  if (auto ok = server.routes().set_pre_route([&policy](const net::request_context& ctx) { return policy.check(ctx); });
      !ok) {
    std::fprintf(stderr, "tessera serve: %s\n", ok.error().message.c_str());
    return 1;
  }
  // An installed server (the container) gives its own web root; a build serves the
  // source tree's web/ as it is edited.
  const std::string web_root = config.web_root ? config.web_root->string() : std::string(TESSERA_WEB_ROOT);
  rest_context rest{service, streams, [&server] { return server.metrics(); }, web_root, policy.tickets()};
  if (auto ok = add_rest_routes(server.routes(), rest); !ok) {
    std::fprintf(stderr, "tessera serve: %s\n", ok.error().message.c_str());
    return 1;
  }
  if (auto ok = register_rpc_and_stream_routes(server.routes(), rest, streams); !ok) {
    std::fprintf(stderr, "tessera serve: %s\n", ok.error().message.c_str());
    return 1;
  }
  if (auto ok = server.start(); !ok) {
    std::fprintf(stderr, "tessera serve: %s\n", ok.error().message.c_str());
    return 1;
  }
  policy.set_port(server.port());
  std::printf("tessera: serving on %s\n", url_of(config.bind, server.port(), !config.tls_cert.empty()).c_str());
  std::fflush(stdout);
  if (config.media_root) spdlog::info("media root {}", config.media_root->string());
  if (config.whole_filesystem) spdlog::warn("--media-root /: filesrc and filesink reach the whole filesystem");
  if (config.token.empty()) spdlog::warn("no --token: the API is open to every local user of this machine");

  if (config.demo) start_demo(service, config.media_root);
  server.stop_on_signals([&deadline](int) { deadline.arm(); });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < config.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();

  deadline.arm();
  spdlog::info("stopping: every pipeline to NULL");
  service.shutdown([&deadline](const std::string& names) {
    spdlog::info("stopping pipelines {}", names);
    deadline.stopping("stopping pipelines " + names);
  });
  deadline.stopping("releasing the control threads and the runtime");
  std::printf("tessera: stopped\n");
  return 0;
}

}  // namespace tessera::server
