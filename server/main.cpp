// build/bin/tessera: one binary, four subcommands (README).
#include "server/commands.hpp"

#include <cstdio>
#include <string_view>
#include <vector>

namespace {

constexpr const char* usage_text =
    "usage: tessera <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve    run the HTTP + WebSocket server (tessera serve --help)\n"
    "  launch   run one pipeline to end of stream, like gst-launch (tessera launch --help)\n"
    "  inspect  list elements, or describe one (tessera inspect --help)\n"
    "  health   exit 0 if the local server answers /healthz (tessera health --help)\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the version\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(usage_text, stderr);
    return 2;
  }
  const std::string_view command = args.front();
  const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(usage_text, stdout);
    return 0;
  }
  if (command == "-V" || command == "--version") {
    std::printf("tessera %s\n", TESSERA_VERSION);
    return 0;
  }
  if (command == "serve") return tessera::server::run_serve(rest);
  if (command == "launch") return tessera::server::run_launch(rest);
  if (command == "inspect") return tessera::server::run_inspect(rest);
  if (command == "health") return tessera::server::run_health(rest);
  std::fprintf(stderr, "tessera: unknown command \"%.*s\"\n%s", static_cast<int>(command.size()),
               command.data(), usage_text);
  return 2;
}
