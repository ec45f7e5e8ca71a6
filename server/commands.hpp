#pragma once
/// The `tessera` subcommands. Each takes the arguments after its own name and
/// returns the process exit code (README: 0 ok, 1 runtime error, 2 usage).

#include <span>
#include <string_view>

namespace tessera::server {

int run_serve(std::span<const std::string_view> args);
int run_launch(std::span<const std::string_view> args);
int run_inspect(std::span<const std::string_view> args);
int run_health(std::span<const std::string_view> args);

}  // namespace tessera::server
