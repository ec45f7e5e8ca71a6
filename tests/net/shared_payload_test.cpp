#include "net/shared_payload.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace shared_payload_test {

TEST(SharedPayload, FromStringKeepsTheStringsBytesWithoutCopying) {
  std::string s(4096, 'q');
  const char* original = s.data();
  auto p = shared_payload::from_string(std::move(s));
  EXPECT_EQ(p.size, 4096u);
  EXPECT_EQ(reinterpret_cast<const char*>(p.data.get()), original);
  EXPECT_EQ(p.text(), std::string(4096, 'q'));
}

TEST(SharedPayload, CopyOfOwnsItsOwnBytes) {
  std::string s = "frame";
  auto p = shared_payload::copy_of(std::string_view(s));
  s[0] = 'X';
  EXPECT_EQ(p.text(), "frame");
  EXPECT_EQ(p.bytes().size(), 5u);
  auto empty = shared_payload::copy_of(std::string_view());
  EXPECT_EQ(empty.size, 0u);
  EXPECT_NE(empty.data, nullptr);
}

TEST(SharedPayload, AliasingPointerKeepsTheOwnerAlive) {
  auto owner = std::make_shared<std::vector<std::byte>>(64, std::byte{7});
  std::weak_ptr<std::vector<std::byte>> watch = owner;
  shared_payload p{std::shared_ptr<const std::byte[]>(owner, owner->data() + 16), 32};
  owner.reset();
  EXPECT_FALSE(watch.expired()) << "the payload shares ownership of the frame";
  EXPECT_EQ(p.bytes()[0], std::byte{7});
  p = {};
  EXPECT_TRUE(watch.expired());
}

}  // namespace shared_payload_test
}  // namespace tessera::net
