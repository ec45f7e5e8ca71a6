// The FFmpeg reference rules on a link (design/ffmpeg-buffer-ownership.txt), one
// test per rule: a pushed reference is given away; references arriving on a sink
// pad carry its min_perms and none of its rej_perms; an output pad's rej_perms are
// removed; WRITE on a shared buffer copies only the shared memories; PRESERVE and
// REUSE cost no copy; ALIGN gets aligned data.
#include "core/graph/pad.hpp"

#include "tests/core/support/test_elements.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace tessera::core {
namespace pad_perms_test {

using test::counters_since;
using test::probe_sink;
using test::harness_src;

/// probesrc.src -> probesink.sink with the given permission masks on the templates.
struct perm_link {
  std::unique_ptr<element_factory> src_factory, sink_factory;
  std::unique_ptr<element> src_element, sink_element;

  perm_link(perm src_rej, perm sink_min, perm sink_rej) {
    src_factory = test::test_factory<harness_src>("permsrc", {test::src_template(caps::new_any(), src_rej)});
    sink_factory =
        test::test_factory<probe_sink>("permsink", {test::sink_template(caps::new_any(), sink_min, sink_rej)});
    src_element = src_factory->create(*src_factory, "up");
    sink_element = sink_factory->create(*sink_factory, "down");
    link(src(), *sink().find_pad("sink")).value();
  }
  pad& src() { return *src_element->find_pad("src"); }
  probe_sink& sink() { return static_cast<probe_sink&>(*sink_element); }
};

bool aligned16(const std::byte* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

TEST(PadPerms, PushedReferenceIsGivenAwayNotShared) {
  perm_link l(perm::none, perm::none, perm::none);
  buffer b = test::pattern_buffer(64);
  const std::byte* data = b.peek_memory(0).data();

  ASSERT_EQ(l.src().push(std::move(b)), flow::ok);

  // The caller's buffer is empty: the reference moved, nothing was added to it.
  EXPECT_EQ(b.n_memory(), 0u);  // NOLINT(bugprone-use-after-move): that is the point
  ASSERT_EQ(l.sink().buffers.size(), 1u);
  const memory& got = l.sink().buffers[0].peek_memory(0);
  EXPECT_EQ(got.data(), data);
  EXPECT_EQ(got.use_count(), 1) << "the receiver must be the only owner of the reference";
}

TEST(PadPerms, SinkPadReceivesAllMinPermsAndNoneOfItsRejectedPerms) {
  perm_link l(perm::none, perm::preserve | perm::reuse, perm::reuse2);
  buffer b = test::pattern_buffer(32);
  b.set_perms(perm::read | perm::write | perm::reuse2);

  ASSERT_EQ(l.src().push(std::move(b)), flow::ok);

  ASSERT_EQ(l.sink().buffers.size(), 1u);
  EXPECT_EQ(to_string(l.sink().buffers[0].perms()), to_string(perm::read | perm::write | perm::preserve | perm::reuse));
}

TEST(PadPerms, OutputPadRejectedPermsAreRemovedFromLeavingReferences) {
  perm_link l(perm::write | perm::reuse2, perm::none, perm::none);
  buffer b = test::pattern_buffer(32);  // all permissions

  ASSERT_EQ(l.src().push(std::move(b)), flow::ok);

  ASSERT_EQ(l.sink().buffers.size(), 1u);
  EXPECT_EQ(to_string(l.sink().buffers[0].perms()), to_string(perm::read | perm::preserve | perm::reuse | perm::align));
}

TEST(PadPerms, WriteOnSharedBufferCopiesOnlyTheSharedMemory) {
  perm_link l(perm::none, perm::write, perm::none);
  memory shared = system_allocator().allocate(1000).value();
  memory own = system_allocator().allocate(3000).value();
  {
    auto m = shared.map(map_access::write).value();
    for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<std::byte>(i * 7);
  }
  const memory kept = shared;  // someone else holds the first memory: it is not writable
  const std::byte* shared_data = shared.data();
  const std::byte* own_data = own.data();
  buffer b;
  b.append_memory(std::move(shared)).value();
  b.append_memory(std::move(own)).value();
  b.set_perms(perm::read);
  ASSERT_FALSE(b.is_writable());

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(l.src().push(std::move(b)), flow::ok);
  const auto d = counters_since(before);

  EXPECT_EQ(d.copies, 1u);
  EXPECT_EQ(d.copied_bytes, 1000u) << "only the shared memory may be copied";
  ASSERT_EQ(l.sink().buffers.size(), 1u);
  buffer& got = l.sink().buffers[0];
  EXPECT_TRUE(got.is_writable());
  EXPECT_NE(static_cast<unsigned>(got.perms()) & static_cast<unsigned>(perm::write), 0u);
  EXPECT_EQ(got.peek_memory(1).data(), own_data) << "the exclusively owned memory must be kept";
  EXPECT_NE(got.peek_memory(0).data(), shared_data);
  EXPECT_EQ(kept.use_count(), 1) << "the other owner's memory is left alone";
  for (std::size_t i = 0; i < 1000; ++i)
    ASSERT_EQ(got.peek_memory(0).data()[i], static_cast<std::byte>(i * 7)) << "byte " << i;
}

TEST(PadPerms, PreserveAndReuseAreGrantedWithoutACopy) {
  perm_link l(perm::none, perm::preserve | perm::reuse, perm::none);
  buffer b = test::pattern_buffer(4096);
  b.set_perms(perm::read);
  const std::byte* data = b.peek_memory(0).data();

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(l.src().push(std::move(b)), flow::ok);
  const auto d = counters_since(before);

  EXPECT_EQ(d.copies, 0u);
  EXPECT_EQ(d.allocations, 0u);
  ASSERT_EQ(l.sink().buffers.size(), 1u);
  EXPECT_EQ(l.sink().buffers[0].peek_memory(0).data(), data);
  EXPECT_EQ(to_string(l.sink().buffers[0].perms()), to_string(perm::read | perm::preserve | perm::reuse));
}

TEST(PadPerms, UnalignedShareReachingAnAlignPadGetsAnAlignedCopy) {
  perm_link l(perm::none, perm::align, perm::none);
  buffer whole = test::pattern_buffer(256);
  buffer region = whole.share_region(1, 200).value();  // a crop at an odd offset, no copy
  ASSERT_FALSE(aligned16(region.peek_memory(0).data()));

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(l.src().push(std::move(region)), flow::ok);
  const auto d = counters_since(before);

  ASSERT_EQ(l.sink().buffers.size(), 1u);
  buffer& got = l.sink().buffers[0];
  for (const memory& m : got.memories()) EXPECT_TRUE(aligned16(m.data()));
  EXPECT_EQ(d.copied_bytes, 200u);
  EXPECT_NE(static_cast<unsigned>(got.perms()) & static_cast<unsigned>(perm::align), 0u);
  const auto bytes = test::bytes_of(got);
  ASSERT_EQ(bytes.size(), 200u);
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], (i + 1) & 0xff) << "byte " << i;
}

TEST(PadPerms, UnalignedReferenceWithoutAlignPermGetsAnAlignedCopy) {
  perm_link l(perm::none, perm::align, perm::none);
  buffer whole = test::pattern_buffer(256);
  buffer region = whole.share_region(3, 100).value();
  region.set_perms(perm::read);

  ASSERT_EQ(l.src().push(std::move(region)), flow::ok);

  ASSERT_EQ(l.sink().buffers.size(), 1u);
  EXPECT_TRUE(aligned16(l.sink().buffers[0].peek_memory(0).data()));
  EXPECT_EQ(test::bytes_of(l.sink().buffers[0])[0], 3);
}

TEST(PadPerms, AlignedDataIsGrantedAlignWithoutACopy) {
  perm_link l(perm::none, perm::align, perm::none);
  buffer b = test::pattern_buffer(512);
  b.set_perms(perm::read);
  const std::byte* data = b.peek_memory(0).data();
  ASSERT_TRUE(aligned16(data));

  const memory_counters before = memory_counters_snapshot();
  ASSERT_EQ(l.src().push(std::move(b)), flow::ok);

  EXPECT_EQ(counters_since(before).copies, 0u);
  ASSERT_EQ(l.sink().buffers.size(), 1u);
  EXPECT_EQ(l.sink().buffers[0].peek_memory(0).data(), data);
  EXPECT_NE(static_cast<unsigned>(l.sink().buffers[0].perms()) & static_cast<unsigned>(perm::align), 0u);
}

TEST(PadPerms, PushWithoutPeerIsNotLinkedAndPushIntoFlushingPadIsFlushing) {
  perm_link l(perm::none, perm::none, perm::none);
  l.sink().find_pad("sink")->set_flushing(true);
  EXPECT_EQ(l.src().push(test::pattern_buffer(8)), flow::flushing);
  EXPECT_TRUE(l.sink().buffers.empty());
  unlink(l.src(), *l.sink().find_pad("sink"));
  EXPECT_EQ(l.src().push(test::pattern_buffer(8)), flow::not_linked);
}

}  // namespace pad_perms_test
}  // namespace tessera::core
