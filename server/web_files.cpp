#include "server/web_files.hpp"

#include <fstream>
#include <sstream>

namespace tessera::server {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_web_file_bytes = 16u << 20;

std::string_view content_type(const fs::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return name.find("..") == std::string_view::npos;
}

}  // namespace

net::response serve_web_file(const fs::path& root, std::string_view name) {
  if (!plain_name(name))
    return net::response::error(net::status::bad_request,
                                "\"" + std::string(name) + "\" is not a web UI file name (letters, digits, '.', '-', '_')");
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec)
    return net::response::error(net::status::not_found,
                                "the web UI is not installed: " + root.string() + " does not exist");
  const fs::path file = fs::canonical(real_root / std::string(name), ec);
  if (ec || !fs::is_regular_file(file, ec)) {
    if (name == "index.html")
      return net::response::error(net::status::not_found, "the web UI is not installed: " +
                                                              (real_root / "index.html").string() + " does not exist");
    return net::response::error(net::status::not_found, "no web UI file \"" + std::string(name) + "\"");
  }
  // A symlink inside the directory must not lead out of it.
  if (file.parent_path() != real_root)
    return net::response::error(net::status::not_found, "no web UI file \"" + std::string(name) + "\"");
  if (fs::file_size(file, ec) > max_web_file_bytes || ec)
    return net::response::error(net::status::internal_server_error, "web UI file \"" + std::string(name) + "\" is too large");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  if (!in && !in.eof())
    return net::response::error(net::status::internal_server_error, "cannot read web UI file \"" + std::string(name) + "\"");
  auto r = net::response::text(net::status::ok, std::move(data).str(), std::string(content_type(file)));
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("Cache-Control", "no-cache");
  return r;
}

}  // namespace tessera::server
