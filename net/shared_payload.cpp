#include "net/shared_payload.hpp"

#include <cstring>

namespace tessera::net {

shared_payload shared_payload::from_string(std::string s) {
  auto owner = std::make_shared<const std::string>(std::move(s));
  const auto* first = reinterpret_cast<const std::byte*>(owner->data());
  const std::size_t n = owner->size();
  return {std::shared_ptr<const std::byte[]>(std::move(owner), first), n};
}

shared_payload shared_payload::copy_of(std::span<const std::byte> bytes) {
  std::shared_ptr<std::byte[]> copy(new std::byte[bytes.size() == 0 ? 1 : bytes.size()]);
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  return {std::move(copy), bytes.size()};
}

shared_payload shared_payload::copy_of(std::string_view text) {
  return copy_of(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace tessera::net
