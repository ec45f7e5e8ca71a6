#include "core/tiles/shm_allocator.hpp"

#include "../memory/leak_check.hpp"
#include "core/memory/buffer.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

// ShmMgr: segments with regions (ShmPtr) and the shared-memory allocator, whose
// memory another process maps by name.

namespace tessera::core {
namespace shm_test {

TEST(ShmSegment, CarvesAlignedRegionsAndMergesThemBack) {
  auto s = shm_segment::create(4096).value();
  EXPECT_EQ(s->free_bytes(), 4096u);
  const auto a = s->carve(100, 64).value();
  const auto b = s->carve(100, 64).value();
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 128u);  // 100 rounded up to the next 64-byte boundary
  EXPECT_EQ(s->free_bytes(), 4096u - 200u);
  s->give_back(a, 100);
  EXPECT_EQ(s->carve(64, 64).value(), 0u);  // the hole is reused
  s->give_back(0, 64);
  s->give_back(b, 100);
  EXPECT_EQ(s->free_bytes(), 4096u);
  EXPECT_EQ(s->carve(4096, 64).value(), 0u);  // merged back into one extent
  EXPECT_EQ(s->carve(1, 1).error(), errc::no_memory);
}

TEST(ShmSegment, OpeningAMissingSegmentNamesIt) {
  auto r = shm_segment::open("/tessera-no-such-segment");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_found);
  EXPECT_NE(r.error().message.find("/tessera-no-such-segment"), std::string::npos);
}

class ShmAllocator : public test::leak_checked {};

TEST_F(ShmAllocator, MemoryIsVisibleThroughTheSegmentByName) {
  shm_allocator alloc(1 << 16);
  auto m = alloc.allocate(1000).value();
  EXPECT_TRUE(m.is_writable());
  EXPECT_EQ(m.allocator_name(), "shm");
  {
    auto map = m.map(map_access::write).value();
    for (std::size_t i = 0; i < map.size(); ++i) map.data()[i] = std::byte(i * 7);
  }
  const auto where = alloc.locate(m).value();
  auto other = shm_segment::open(where.segment_name).value();  // a second mapping, as another process has
  for (std::size_t i = 0; i < 1000; ++i) ASSERT_EQ(other->data()[where.offset + i], std::byte(i * 7));
  other->data()[where.offset + 3] = std::byte{0xEE};
  EXPECT_EQ(m.data()[3], std::byte{0xEE});
}

TEST_F(ShmAllocator, ReleasedRegionsAreReusedAndSegmentsAddedWhenFull) {
  shm_allocator alloc(4096);
  std::size_t first_offset = 0;
  {
    auto m = alloc.allocate(1000).value();
    first_offset = alloc.locate(m)->offset;
  }
  auto again = alloc.allocate(1000).value();
  EXPECT_EQ(alloc.locate(again)->offset, first_offset);
  auto more = alloc.allocate(3500).value();  // does not fit beside `again`: a second segment
  EXPECT_EQ(alloc.segments().segment_count(), 2u);
  EXPECT_NE(alloc.locate(more)->segment_name, alloc.locate(again)->segment_name);
}

TEST_F(ShmAllocator, AnotherProcessWritesIntoABufferByName) {
  shm_allocator alloc(1 << 16);
  auto b = buffer::wrap(alloc.allocate(256).value()).value();
  const auto where = alloc.locate(b.peek_memory(0)).value();
  const std::string name = where.segment_name;
  const char* name_c = name.c_str();
  const std::size_t offset = where.offset;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only system calls here: the parent may have other threads.
    const int fd = ::shm_open(name_c, O_RDWR, 0);
    if (fd < 0) ::_exit(2);
    void* p = ::mmap(nullptr, offset + 256, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) ::_exit(3);
    std::memset(static_cast<char*>(p) + offset, 0x5A, 256);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto map = b.map(map_access::read).value();
  for (std::size_t i = 0; i < 256; ++i) ASSERT_EQ(map.data()[i], std::byte{0x5A});
}

}  // namespace shm_test
}  // namespace tessera::core
