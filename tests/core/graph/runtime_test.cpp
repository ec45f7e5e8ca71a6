// The runtime: made by its owner with the tile cache it asks for, its registry empty
// until the owner registers elements, and pipelines keeping to one runtime.

#include "core/graph/pipeline.hpp"
#include "core/graph/runtime.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tessera::core {
namespace runtime_test {

TEST(Runtime, CreateNamesABadSwapDir) {
  runtime_config c;
  c.cache_bytes = std::uint64_t{1} << 20;
  c.swap_dir = "/nonexistent/tessera-swap";
  auto bad = runtime::create(c);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/nonexistent/tessera-swap"), std::string::npos);
}

TEST(Runtime, HasTheCacheItWasMadeWithAndAnEmptyRegistry) {
  runtime_config c;
  c.cache_bytes = std::uint64_t{3} << 20;
  c.swap_dir = ::testing::TempDir();
  c.threads = 3;
  auto rt = runtime::create(c);
  ASSERT_TRUE(rt) << rt.error().message;
  EXPECT_EQ((*rt)->tile_cache().cache_bytes(), std::uint64_t{3} << 20);
  EXPECT_EQ((*rt)->tile_cache().counters().resident_bytes, 0u);
  EXPECT_EQ((*rt)->pool().size(), 3u);
  EXPECT_TRUE((*rt)->registry().list().empty()) << "the core names no element; its owner registers them";
  EXPECT_FALSE((*rt)->take_tile_cache_warning());
}

TEST(Runtime, APipelineRefusesAnElementOfAnotherRuntime) {
  auto other = make_test_runtime();
  pipeline p("p", test_runtime());
  auto e = other->registry().make("fakesink");
  ASSERT_TRUE(e);
  auto added = p.add(std::move(*e));
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("another runtime"), std::string::npos) << added.error().message;
}

TEST(Runtime, AnElementOfAFactoryInNoRegistryIsRefused) {
  auto f = make_factory<element>("loose", "Loose", "Test", "In no registry", {}, {});
  EXPECT_THROW((void)f->create(*f, "loose0"), std::logic_error);
}

TEST(Runtime, ElementsStreamOnTheirRegistrysRuntime) {
  auto rt = make_test_runtime();
  auto e = rt->registry().make("queue");
  ASSERT_TRUE(e);
  EXPECT_EQ(&(*e)->runtime(), rt.get());
  EXPECT_TRUE((*e)->executor() == rt->executor());
}

}  // namespace runtime_test
}  // namespace tessera::core
