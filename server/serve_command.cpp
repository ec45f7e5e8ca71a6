// tessera serve: comes with the "Server" issue (net/ is being built). Until then it
// says so plainly instead of pretending to serve.
#include "server/commands.hpp"

#include <cstdio>

namespace tessera::server {

int run_serve(std::span<const std::string_view> args) {
  for (auto a : args)
    if (a == "-h" || a == "--help") {
      std::puts("tessera serve: not yet built (comes with the \"Server\" issue)");
      return 0;
    }
  std::fputs("tessera serve: not yet built (comes with the \"Server\" issue)\n", stderr);
  return 1;
}

}  // namespace tessera::server
