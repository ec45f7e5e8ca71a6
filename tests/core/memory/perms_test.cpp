#include "core/memory/perms.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace perms_test {

TEST(Perms, PrintAsNamesJoinedByBars) {
  EXPECT_EQ(to_string(perm::none), "none");
  EXPECT_EQ(to_string(perm::read | perm::write), "read|write");
  EXPECT_EQ(to_string(perm_all), "read|write|preserve|reuse|reuse2|align");
  EXPECT_EQ(to_string(perm::align | perm::preserve), "preserve|align");
  EXPECT_EQ(to_string(static_cast<perm>(0x41)), "read|0x40");
}

TEST(Perms, ParseWhatTheyPrint) {
  EXPECT_EQ(parse_perms("read|write").value(), perm::read | perm::write);
  EXPECT_EQ(parse_perms(" read | reuse2 ").value(), perm::read | perm::reuse2);
  EXPECT_EQ(parse_perms("none").value(), perm::none);
  EXPECT_EQ(parse_perms("all").value(), perm_all);
  for (unsigned bits = 0; bits < 64; ++bits) {
    const auto p = static_cast<perm>(bits);
    EXPECT_EQ(parse_perms(to_string(p)).value(), p) << bits;
  }
}

TEST(Perms, UnknownNamesAreParseErrorsNamingTheWord) {
  auto r = parse_perms("read|wirte");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::parse_error);
  EXPECT_EQ(r.error().message,
            "unknown permission \"wirte\" in \"read|wirte\" (expected read, write, preserve, "
            "reuse, reuse2, align, none or all, joined by |)");
  EXPECT_FALSE(parse_perms(""));
  EXPECT_FALSE(parse_perms("read|"));
}

TEST(Perms, BitOperationsWorkOnPermissions) {
  perm p = perm_all;
  p &= ~perm::write;
  EXPECT_FALSE(has_any(p, perm::write));
  EXPECT_TRUE(has_all(p, perm::read | perm::preserve));
  EXPECT_FALSE(has_all(p, perm::read | perm::write));
  p |= perm::write;
  EXPECT_EQ(p, perm_all);
  EXPECT_EQ(perm::read ^ perm::read, perm::none);
  EXPECT_EQ(static_cast<unsigned>(perm_all), 63u);
}

}  // namespace perms_test
}  // namespace tessera::core
