#pragma once
// A self-signed certificate and key (and a second pair) for the TLS end-to-end tests,
// made at test time by the openssl command (no private key lives in the repository).

#include "net/http_server_config.hpp"
#include "tests/net/e2e/test_client.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <stdlib.h>

namespace tessera::net::testing {

namespace fs = std::filesystem;

/// A directory with a self-signed certificate and its key (and a second pair), made by
/// `openssl req` and removed at the end.
class test_certificates {
 public:
  test_certificates() {
    std::string templ = (fs::temp_directory_path() / "tessera-tls-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    make("server");
    make("other");
  }
  ~test_certificates() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string cert(const std::string& name = "server") const { return (dir_ / (name + ".crt")).string(); }
  std::string key(const std::string& name = "server") const { return (dir_ / (name + ".key")).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

 private:
  void make(const std::string& name) const {
    const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout '" +
                                key(name) + "' -out '" + cert(name) + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("`" + command + "` failed (is openssl installed?)");
  }
  fs::path dir_;
};

inline const test_certificates& certificates() {
  static const test_certificates made;
  return made;
}

/// test_config() serving TLS with the certificate above.
inline http_server_config tls_config() {
  auto c = test_config();
  c.tls_cert_file = certificates().cert();
  c.tls_key_file = certificates().key();
  return c;
}

}  // namespace tessera::net::testing
