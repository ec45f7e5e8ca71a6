#include "core/caps/caps.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace caps_test {

caps parsed(std::string_view text) {
  auto c = caps::parse(text);
  EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
  return c ? *c : caps();
}

TEST(Caps, DefaultIsEmptyAndAnyIsNotEmpty) {
  caps none;
  EXPECT_TRUE(none.is_empty());
  EXPECT_FALSE(none.is_any());
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.to_string(), "EMPTY");
  caps any = caps::new_any();
  EXPECT_TRUE(any.is_any());
  EXPECT_FALSE(any.is_empty());
  EXPECT_EQ(any.size(), 0u);
  EXPECT_EQ(any.to_string(), "ANY");
  EXPECT_EQ(any.structure_at(0), nullptr);
}

TEST(Caps, CopySharesStorageUntilOneIsModified) {
  caps a = parsed("video/x-raw,format={RGBA,RGB},width=[1,8192]");
  caps b = a;
  EXPECT_TRUE(b.shares_storage_with(a));
  EXPECT_EQ(&a.structures()[0], &b.structures()[0]);
  b.append(structure::make("audio/x-raw").value());
  EXPECT_FALSE(b.shares_storage_with(a));
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(a.to_string(), "video/x-raw,format={RGBA,RGB},width=[1,8192]");
}

TEST(Caps, AppendAfterCopyLeavesTheCopyUntouched) {
  caps a = parsed("x/a");
  a.append(structure::make("x/b").value());
  caps b = a;
  a.append(structure::make("x/c").value());
  EXPECT_EQ(b.to_string(), "x/a; x/b");
  EXPECT_EQ(a.to_string(), "x/a; x/b; x/c");
}

TEST(Caps, AppendKeepsAnyAndMakesAny) {
  caps any = caps::new_any();
  any.append(structure::make("x/a").value());
  EXPECT_TRUE(any.is_any());
  caps a = parsed("x/a");
  a.append(caps::new_any());
  EXPECT_TRUE(a.is_any());
  caps b = parsed("x/a");
  b.append(caps());
  EXPECT_EQ(b.to_string(), "x/a");
  caps c;
  c.append(parsed("x/a; x/b"));
  EXPECT_EQ(c.to_string(), "x/a; x/b");
  c.append(c);
  EXPECT_EQ(c.to_string(), "x/a; x/b; x/a; x/b");
}

TEST(Caps, MergeSkipsWhatIsAlreadyAllowed) {
  caps a = parsed("v,x=[1,10]");
  a.merge(parsed("v,x=5"));
  EXPECT_EQ(a.to_string(), "v,x=[1,10]");
  a.merge(parsed("v,x=20; v,x=7"));
  EXPECT_EQ(a.to_string(), "v,x=[1,10]; v,x=20");
  a.merge(a);
  EXPECT_EQ(a.size(), 2u);
  a.merge(caps::new_any());
  EXPECT_TRUE(a.is_any());
}

TEST(Caps, IsFixedMeansOneFixedStructure) {
  EXPECT_TRUE(parsed("video/x-raw,format=RGBA,width=640").is_fixed());
  EXPECT_FALSE(parsed("video/x-raw,format={RGBA,RGB}").is_fixed());
  EXPECT_FALSE(parsed("x/a; x/b").is_fixed());
  EXPECT_FALSE(caps::new_any().is_fixed());
  EXPECT_FALSE(caps().is_fixed());
}

TEST(Caps, FixateTakesTheFirstStructureWithEveryFieldFixed) {
  auto fixed = parsed("video/x-raw,format={GRAY8,RGB},width=[16,4096],framerate=[1/1,60/1]; x/a")
                   .fixate();
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(fixed->is_fixed());
  EXPECT_EQ(fixed->to_string(), "video/x-raw,format=GRAY8,width=16,framerate=1/1");
  auto any = caps::new_any().fixate();
  ASSERT_FALSE(any);
  EXPECT_TRUE(any.error() == errc::not_negotiated);
  EXPECT_EQ(any.error().message, "cannot fixate ANY caps");
  EXPECT_EQ(caps().fixate().error().message, "cannot fixate EMPTY caps");
}

TEST(Caps, TruncateKeepsTheFirstStructure) {
  EXPECT_EQ(parsed("x/a,y=1; x/b").truncate().to_string(), "x/a,y=1");
  EXPECT_TRUE(caps::new_any().truncate().is_any());
  EXPECT_TRUE(caps().truncate().is_empty());
}

TEST(Caps, NormalizeExpandsListsInOrder) {
  auto n = parsed("v,x={1,2},y={a,b},z=[1,3]; w").normalize();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->to_string(),
            "v,x=1,y=a,z=[1,3]; v,x=1,y=b,z=[1,3]; v,x=2,y=a,z=[1,3]; v,x=2,y=b,z=[1,3]; w");
  caps plain = parsed("v,x=1");
  EXPECT_TRUE(plain.normalize()->shares_storage_with(plain));
}

TEST(Caps, NormalizeRefusesToExplode) {
  std::string text = "v";
  for (int i = 0; i < 13; ++i) text += ",f" + std::to_string(i) + "={1,2}";  // 2^13 = 8192
  auto n = parsed(text).normalize();
  ASSERT_FALSE(n);
  EXPECT_TRUE(n.error() == errc::limit_exceeded);
  EXPECT_TRUE(parsed(text).normalize(8192));
}

TEST(Caps, FromStructuresKeepsThemAsGiven) {
  caps c = caps::from_structures({structure::make("x/a").value(), structure::make("x/a").value()});
  EXPECT_EQ(c.size(), 2u);
  EXPECT_TRUE(caps::from_structures({}).is_empty());
  EXPECT_EQ(c.structure_at(1)->name(), "x/a");
  EXPECT_EQ(c.structure_at(2), nullptr);
}

}  // namespace caps_test
}  // namespace tessera::core
