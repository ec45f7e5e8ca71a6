#include "net/error.hpp"

namespace tessera::net {
namespace {

class net_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tessera.net"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::parse_error: return "parse error";
      case errc::bind_failed: return "bind failed";
      case errc::limit_exceeded: return "limit exceeded";
      case errc::bad_state: return "not allowed in this state";
      case errc::closed: return "closed";
      case errc::io_error: return "i/o error";
    }
    return "unknown tessera.net error";
  }
};

}  // namespace

const boost::system::error_category& net_category() noexcept {
  static const net_category_impl instance;
  return instance;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw error_exception(e);
}

}  // namespace tessera::net
