#pragma once
/// The TLS settings of a server (its certificate and key) or of a local client, as one
/// opaque object: OpenSSL's headers stay inside net's TLS translation units.

#include "core/support/result.hpp"

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace tessera::net {

/// An OpenSSL context (asio::ssl::context), TLS 1.2 or newer. Shared by every
/// connection that uses it; not copyable. Thread safety: after creation it is only
/// read (OpenSSL's SSL_CTX may be shared between threads for new connections).
class tls_context {
 public:
  /// A server context with the PEM certificate chain `cert_file` and the PEM private key
  /// `key_file`. Errors name the file and the problem: unreadable, not PEM (or a key
  /// protected by a passphrase, which a server cannot ask for), or a key that does not
  /// belong to the certificate.
  static result<std::shared_ptr<tls_context>> load_server(const std::string& cert_file,
                                                          const std::string& key_file);

  /// A client context that does NOT verify the server's certificate. Only for checks of
  /// a server on this same machine (`tessera health --tls`): a self-signed certificate
  /// has no chain to verify, and the address asked is local.
  static std::shared_ptr<tls_context> local_client_without_verification();

  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  boost::asio::ssl::context& native() noexcept { return *context_; }
  bool is_server() const noexcept { return server_; }

 private:
  tls_context(std::unique_ptr<boost::asio::ssl::context> context, bool server);

  std::unique_ptr<boost::asio::ssl::context> context_;
  bool server_;
};

}  // namespace tessera::net
