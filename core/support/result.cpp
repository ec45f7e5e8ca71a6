#include "core/support/result.hpp"

namespace tessera {
namespace {

class core_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tessera"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::out_of_range: return "out of range";
      case errc::not_writable: return "not writable";
      case errc::not_mapped: return "not mapped";
      case errc::bad_state: return "not allowed in this state";
      case errc::no_memory: return "out of memory";
      case errc::not_found: return "not found";
      case errc::not_negotiated: return "not negotiated";
      case errc::parse_error: return "parse error";
      case errc::io_error: return "i/o error";
      case errc::permission_denied: return "permission denied";
      case errc::limit_exceeded: return "limit exceeded";
      case errc::bind_failed: return "bind failed";
      case errc::closed: return "closed";
    }
    return "unknown tessera error";
  }
};

}  // namespace

const boost::system::error_category& core_category() noexcept {
  static const core_category_impl instance;
  return instance;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw error_exception(e);
}

}  // namespace tessera
