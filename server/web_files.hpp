#pragma once
/// The web UI's static files (GET / and GET /{file}), read from one directory. Only
/// plain names directly inside it are served: no '/', no "..", no hidden files, and
/// the file must really lie inside the directory after symlinks are resolved.

#include "net/http_message.hpp"

#include <filesystem>
#include <string_view>

namespace tessera::server {

/// The file `name` of `root` with its content type, 404 naming what is missing, or
/// 400 for a name that could leave the directory.
net::response serve_web_file(const std::filesystem::path& root, std::string_view name);

}  // namespace tessera::server
