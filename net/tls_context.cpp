// Loading a server's certificate and key with errors a user can act on. The files are
// read and parsed here first (instead of handing the paths to OpenSSL) so that each
// failure names its file and its cause: unreadable, not PEM, a passphrase-protected key
// (OpenSSL would prompt on the terminal), or a key of another certificate.
#include "net/tls_context.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tessera::net {
namespace {

namespace ssl = boost::asio::ssl;

/// The reason of OpenSSL's most recent error ("no start line"), and the queue cleared.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  std::string reason = e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "error " + std::to_string(e)
                         : "no detail";
  ERR_clear_error();
  return reason;
}

result<std::string> read_whole(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::io_error, std::string(what) + " " + path + ": cannot read it: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(errc::io_error, std::string(what) + " " + path + ": read failed: " + std::strerror(errno));
  if (text.empty()) return fail(errc::parse_error, std::string(what) + " " + path + ": the file is empty");
  return text;
}

// A passphrase callback that gives none, so OpenSSL never prompts on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

struct bio_free {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct x509_free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, bio_free> memory_bio(const std::string& text) {
  return std::unique_ptr<BIO, bio_free>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

}  // namespace

tls_context::tls_context(std::unique_ptr<ssl::context> context, bool server)
    : context_(std::move(context)), server_(server) {}

tls_context::~tls_context() = default;

result<std::shared_ptr<tls_context>> tls_context::load_server(const std::string& cert_file,
                                                             const std::string& key_file) {
  ERR_clear_error();
  auto cert_pem = read_whole(cert_file, "TLS certificate");
  if (!cert_pem) return cert_pem.error();
  auto key_pem = read_whole(key_file, "TLS key");
  if (!key_pem) return key_pem.error();

  const std::unique_ptr<X509, x509_free> cert(
      PEM_read_bio_X509(memory_bio(*cert_pem).get(), nullptr, no_passphrase, nullptr));
  if (!cert) {
    return fail(errc::parse_error,
                "TLS certificate " + cert_file + ": not a PEM certificate (OpenSSL: " + openssl_reason() + ")");
  }
  const std::unique_ptr<EVP_PKEY, pkey_free> key(
      PEM_read_bio_PrivateKey(memory_bio(*key_pem).get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return fail(errc::parse_error, "TLS key " + key_file +
                                       ": not a PEM private key, or one protected by a passphrase (OpenSSL: " +
                                       openssl_reason() + ")");
  }

  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  boost::system::error_code ec;
  // The whole file: the server's certificate followed by its intermediates.
  context->use_certificate_chain(boost::asio::buffer(*cert_pem), ec);
  if (ec) {
    ERR_clear_error();
    return fail(errc::parse_error, "TLS certificate " + cert_file + ": " + ec.message());
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return fail(errc::invalid_argument,
                "TLS key " + key_file + " does not match the certificate in " + cert_file);
  }
  return std::shared_ptr<tls_context>(new tls_context(std::move(context), true));
}

std::shared_ptr<tls_context> tls_context::local_client_without_verification() {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  // Deliberately no verification: this context only asks a server on the same machine
  // (tessera health), whose certificate is usually self-signed. Never use it to reach
  // another host.
  context->set_verify_mode(ssl::verify_none);
  return std::shared_ptr<tls_context>(new tls_context(std::move(context), false));
}

}  // namespace tessera::net
