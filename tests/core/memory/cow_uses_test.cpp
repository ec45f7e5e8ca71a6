#include "core/memory/cow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

// Uses of a cow_ptr: the RAII guards, and pins (a pointer that detaches from SHARED
// storage while reading keeps its old spans valid and unwritten).

namespace tessera::core {
namespace cow_uses_test {

constexpr std::size_t n = 128;

std::vector<std::byte> filled(std::byte b) { return std::vector<std::byte>(n, b); }

void make(cow_ptr& p, std::byte value) {
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(n));
  auto w = p.write();
  ASSERT_TRUE(w);
  std::fill(w->begin(), w->end(), value);
  ASSERT_TRUE(p.release(cow_access::write));
}

std::vector<std::byte> contents(cow_ptr& p) {
  auto g = p.read_guard();
  EXPECT_TRUE(g);
  if (!g) return {};
  return {g->bytes().begin(), g->bytes().end()};
}

TEST(CowGuard, ReadGuardHoldsOneReadUseForItsScope) {
  cow_ptr p;
  make(p, std::byte{1});
  {
    auto g = p.read_guard();
    ASSERT_TRUE(g);
    EXPECT_TRUE(g->holds_use());
    EXPECT_EQ(g->size(), n);
    EXPECT_EQ(g->bytes()[5], std::byte{1});
    EXPECT_EQ(p.read_uses(), 1u);
    EXPECT_EQ(p.storage()->use_count(), 1u);
  }
  EXPECT_EQ(p.read_uses(), 0u);
  EXPECT_EQ(p.storage()->use_count(), 0u);
}

TEST(CowGuard, WriteGuardMakesUnsharableUntilItEnds) {
  cow_ptr p;
  make(p, std::byte{1});
  {
    auto g = p.write_guard();
    ASSERT_TRUE(g);
    EXPECT_EQ(p.state(), cow_state::unsharable);
    g->bytes()[0] = std::byte{9};
  }
  EXPECT_EQ(p.state(), cow_state::sharable);  // [3]
  EXPECT_EQ(contents(p)[0], std::byte{9});
}

TEST(CowGuard, WriteGuardOnSharedStorageCopiesFirst) {
  cow_ptr a, b;
  make(a, std::byte{3});
  ASSERT_TRUE(b.init());
  ASSERT_TRUE(b.join(a));
  {
    auto g = b.write_guard();
    ASSERT_TRUE(g);
    std::fill(g->bytes().begin(), g->bytes().end(), std::byte{4});
  }
  EXPECT_FALSE(a.shares_storage_with(b));
  EXPECT_EQ(contents(a), filled(std::byte{3}));
  EXPECT_EQ(contents(b), filled(std::byte{4}));
}

TEST(CowGuard, GuardOnAPointerWithoutStorageIsTheErrorOfTheUse) {
  cow_ptr p;
  ASSERT_TRUE(p.init());
  auto g = p.read_guard();
  ASSERT_FALSE(g);
  EXPECT_TRUE(g.error() == errc::bad_state);
  EXPECT_NE(g.error().message.find("read()"), std::string::npos);
  auto w = p.write_guard();
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("write()"), std::string::npos);
}

TEST(CowGuard, MovedGuardReleasesItsUseOnce) {
  cow_ptr p;
  make(p, std::byte{1});
  auto first = p.read_guard();
  ASSERT_TRUE(first);
  ASSERT_TRUE(p.read());  // a second, explicit use that must survive the guard
  {
    cow_read_guard moved(std::move(*first));
    EXPECT_FALSE(first->holds_use());
    EXPECT_TRUE(first->bytes().empty());
    EXPECT_EQ(p.read_uses(), 2u);
  }
  EXPECT_EQ(p.read_uses(), 1u);
  first->release();  // moved-from: nothing to end
  EXPECT_EQ(p.read_uses(), 1u);
  ASSERT_TRUE(p.release(cow_access::read));
}

TEST(CowGuard, MoveAssignmentEndsTheTargetsOwnUse) {
  cow_ptr p, q;
  make(p, std::byte{1});
  make(q, std::byte{2});
  auto gp = p.write_guard();
  auto gq = q.write_guard();
  ASSERT_TRUE(gp && gq);
  *gp = std::move(*gq);
  EXPECT_EQ(p.write_uses(), 0u);
  EXPECT_EQ(p.state(), cow_state::sharable);
  EXPECT_EQ(q.write_uses(), 1u);
  EXPECT_EQ(gp->data()[0], std::byte{2});
  gp->release();
  EXPECT_EQ(q.state(), cow_state::sharable);
}

TEST(CowGuard, ExplicitReleaseEndsTheUseEarly) {
  cow_ptr p;
  make(p, std::byte{1});
  auto g = p.write_guard();
  ASSERT_TRUE(g);
  g->release();
  EXPECT_FALSE(g->holds_use());
  EXPECT_EQ(p.state(), cow_state::sharable);
}

TEST(CowGuard, GuardOutlivingUninitEndsNothingOfTheNextLife) {
  cow_ptr p;
  make(p, std::byte{1});
  auto old = p.read_guard();
  ASSERT_TRUE(old);
  p.uninit();  // [1]: ends the guard's use itself
  EXPECT_EQ(p.state(), cow_state::uninit);
  make(p, std::byte{2});
  ASSERT_TRUE(p.read());
  old->release();
  EXPECT_EQ(p.read_uses(), 1u) << "the stale guard released a use of the new storage";
  ASSERT_TRUE(p.release(cow_access::read));
}

TEST(CowPin, ReaderThatDetachesKeepsItsOldSpanValidAndUnchanged) {
  const std::size_t live = cow_storage::live_count();
  {
    cow_ptr a, b;
    make(a, std::byte{7});
    ASSERT_TRUE(b.init());
    ASSERT_TRUE(b.join(a));
    auto old_span = a.read();
    ASSERT_TRUE(old_span);
    cow_storage* old_storage = a.storage();

    auto w = a.write();  // readonly SHARED pointer writes: (new) -> UNSHARABLE [2]
    ASSERT_TRUE(w);
    EXPECT_EQ(a.state(), cow_state::unsharable);
    EXPECT_NE(w->data(), old_span->data());
    EXPECT_EQ(old_storage->sp_count(), 1u);
    EXPECT_EQ(old_storage->pin_count(), 1u);
    EXPECT_EQ(old_storage->use_count(), 1u) << "the pinned read use";
    EXPECT_EQ(a.storage()->use_count(), 2u) << "the read use followed the pointer, plus the write";
    EXPECT_EQ(b.state(), cow_state::sharable);
    EXPECT_FALSE(old_storage->writable_in_place());

    std::fill(w->begin(), w->end(), std::byte{8});
    EXPECT_EQ(std::vector<std::byte>(old_span->begin(), old_span->end()), filled(std::byte{7}));

    // b is alone on the pinned storage but must not write where a still reads.
    auto bw = b.write();
    ASSERT_TRUE(bw);
    EXPECT_NE(bw->data(), old_span->data());
    std::fill(bw->begin(), bw->end(), std::byte{9});
    EXPECT_EQ(std::vector<std::byte>(old_span->begin(), old_span->end()), filled(std::byte{7}));
    EXPECT_EQ(cow_storage::live_count(), live + 3) << "old storage lives on for the pin";

    ASSERT_TRUE(a.release(cow_access::read));  // last read use: the pin goes
    EXPECT_EQ(cow_storage::live_count(), live + 2);
    ASSERT_TRUE(a.release(cow_access::write));
    ASSERT_TRUE(b.release(cow_access::write));
    EXPECT_EQ(contents(a), filled(std::byte{8}));
    EXPECT_EQ(contents(b), filled(std::byte{9}));
  }
  EXPECT_EQ(cow_storage::live_count(), live);
}

TEST(CowPin, PinEndsWithTheLastReadUseAndThenInPlaceWritesResume) {
  cow_ptr a, b;
  make(a, std::byte{1});
  ASSERT_TRUE(b.init());
  ASSERT_TRUE(b.join(a));
  ASSERT_TRUE(a.read());
  ASSERT_TRUE(a.read());
  cow_storage* old_storage = a.storage();
  ASSERT_TRUE(a.split());  // (new) -> SHARABLE [5], readonly
  EXPECT_EQ(a.state(), cow_state::sharable);
  EXPECT_EQ(a.read_uses(), 2u);
  EXPECT_EQ(old_storage->pin_count(), 1u);

  ASSERT_TRUE(a.release(cow_access::read));
  EXPECT_EQ(old_storage->pin_count(), 1u) << "one read use may still be an old span";
  ASSERT_TRUE(a.release(cow_access::read));
  EXPECT_EQ(old_storage->pin_count(), 0u);
  EXPECT_EQ(old_storage->use_count(), 0u);
  EXPECT_TRUE(old_storage->writable_in_place());

  ASSERT_EQ(b.storage(), old_storage);
  auto peek = b.read();
  ASSERT_TRUE(peek);
  const std::byte* b_data = peek->data();
  ASSERT_TRUE(b.release(cow_access::read));
  auto bw = b.write();
  ASSERT_TRUE(bw);
  EXPECT_EQ(bw->data(), b_data) << "no pin left: b writes in place";
}

TEST(CowPin, DetachingTwiceWhileReadingPinsBothOldStorages) {
  const std::size_t live = cow_storage::live_count();
  {
    cow_ptr a, b, c;
    make(a, std::byte{1});
    ASSERT_TRUE(b.init() && c.init());
    ASSERT_TRUE(b.join(a));
    auto first = a.read();
    ASSERT_TRUE(first);
    ASSERT_TRUE(a.split());
    ASSERT_TRUE(c.join(a));  // a is SHARED again, still reading
    auto second = a.read();
    ASSERT_TRUE(second);
    ASSERT_TRUE(a.split());
    EXPECT_EQ(a.read_uses(), 2u);
    EXPECT_EQ(b.storage()->pin_count(), 1u);
    EXPECT_EQ(c.storage()->pin_count(), 1u);
    EXPECT_EQ(cow_storage::live_count(), live + 3);

    b.uninit();
    c.uninit();  // both old storages now live only for a's pins
    EXPECT_EQ(cow_storage::live_count(), live + 3);
    EXPECT_EQ((*first)[0], std::byte{1});
    EXPECT_EQ((*second)[0], std::byte{1});
    ASSERT_TRUE(a.release(cow_access::read));
    ASSERT_TRUE(a.release(cow_access::read));
    EXPECT_EQ(cow_storage::live_count(), live + 1);
  }
  EXPECT_EQ(cow_storage::live_count(), live);
}

TEST(CowPin, UninitLetsGoOfPins) {
  const std::size_t live = cow_storage::live_count();
  cow_ptr b;
  {
    cow_ptr a;
    make(a, std::byte{1});
    ASSERT_TRUE(b.init());
    ASSERT_TRUE(b.join(a));
    ASSERT_TRUE(a.read());
    ASSERT_TRUE(a.write());
    EXPECT_EQ(b.storage()->pin_count(), 1u);
    a.uninit();
    EXPECT_EQ(b.storage()->pin_count(), 0u);
    EXPECT_EQ(b.storage()->use_count(), 0u);
  }
  EXPECT_EQ(cow_storage::live_count(), live + 1);
}

}  // namespace cow_uses_test
}  // namespace tessera::core
