#include "core/memory/cow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// One row per transition line of the GIMP design (gimp-cow-memory-manager.txt): the
// "Lifecycle State Transitions" list (L..), the "Smart Pointer Routines w/ State
// Transitions" list (R..) and footnote [1] (F1..), then one row per misuse.

namespace tessera::core {
namespace cow_test {

constexpr std::size_t storage_bytes = 256;
constexpr auto I = cow_state::uninit;
constexpr auto A = cow_state::unalloc;
constexpr auto S = cow_state::sharable;
constexpr auto U = cow_state::unsharable;
constexpr auto H = cow_state::shared;

std::vector<std::byte> pattern(unsigned seed) {
  std::vector<std::byte> v(storage_bytes);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::byte((i * 31 + seed * 17 + 3) & 0xff);
  return v;
}

/// How the world looks before the operation. "others" are pointers joined to the subject.
enum class setup {
  uninit,                    // subject UNINIT
  unalloc,                   // subject UNALLOC
  sharable,                  // subject alone on storage holding pattern(1), no uses
  sharable_readonly,         // ... with 1 read use
  sharable_two_reads,        // ... with 2 read uses
  unsharable,                // subject wrote pattern(1) and still holds that write use
  unsharable_two_uses,       // ... plus 1 read use
  unsharable_only_read_left, // wrote, read, released the write: 1 read use left
  shared_with_one,           // subject + 1 other on storage holding pattern(1), no uses
  shared_with_two,           // subject + 2 others
  shared_readonly,           // subject (1 read use) + 1 other
};

enum class op {
  init, uninit, alloc, unalloc, read, write, release_read, release_write,
  join,               // a fresh UNALLOC pointer (appended to "others") joins the subject
  split,
  // misuse only:
  join_into_subject,  // the subject joins a fresh SHARABLE pointer
  alloc_zero_bytes, alloc_alignment_3, alloc_alignment_8192,
};

/// Which pointer, if any, ended up on a new copy of the bytes.
enum class copy { none, subject_detached, joiner_copied };

struct uses {
  std::size_t read;
  std::size_t write;
};

struct transition_row {
  std::string_view name;
  std::string_view design_line;
  setup given;
  op operation;
  cow_state before;
  cow_state after;
  std::vector<cow_state> others_after;  // joiner last for op::join
  copy copies;
  std::size_t sp_count_after;  // of the subject's storage; 0 without storage
  uses uses_after;
  int live_storages_delta;
};

void PrintTo(const transition_row& row, std::ostream* os) { *os << row.design_line; }

struct world {
  cow_ptr subject;
  std::vector<std::unique_ptr<cow_ptr>> others;
  std::vector<std::unique_ptr<cow_ptr>> helpers;  // not part of the checked world

  cow_ptr& add_other() {
    others.push_back(std::make_unique<cow_ptr>());
    EXPECT_TRUE(others.back()->init());
    return *others.back();
  }
};

/// Fills the subject with pattern(1) through a write use, released unless `keep`.
void alloc_and_fill(cow_ptr& p, bool keep_write_use) {
  ASSERT_TRUE(p.init());
  ASSERT_TRUE(p.alloc(storage_bytes));
  auto w = p.write();
  ASSERT_TRUE(w);
  const auto bytes = pattern(1);
  std::copy(bytes.begin(), bytes.end(), w->begin());
  if (!keep_write_use) {
    ASSERT_TRUE(p.release(cow_access::write));
  }
}

void build(world& w, setup given) {
  switch (given) {
    case setup::uninit: return;
    case setup::unalloc: ASSERT_TRUE(w.subject.init()); return;
    case setup::sharable: alloc_and_fill(w.subject, false); return;
    case setup::sharable_readonly:
      alloc_and_fill(w.subject, false);
      ASSERT_TRUE(w.subject.read());
      return;
    case setup::sharable_two_reads:
      alloc_and_fill(w.subject, false);
      ASSERT_TRUE(w.subject.read());
      ASSERT_TRUE(w.subject.read());
      return;
    case setup::unsharable: alloc_and_fill(w.subject, true); return;
    case setup::unsharable_two_uses:
      alloc_and_fill(w.subject, true);
      ASSERT_TRUE(w.subject.read());
      return;
    case setup::unsharable_only_read_left:
      alloc_and_fill(w.subject, true);
      ASSERT_TRUE(w.subject.read());
      ASSERT_TRUE(w.subject.release(cow_access::write));
      return;
    case setup::shared_with_one:
    case setup::shared_with_two:
    case setup::shared_readonly:
      alloc_and_fill(w.subject, false);
      ASSERT_TRUE(w.add_other().join(w.subject));
      if (given == setup::shared_with_two) {
        ASSERT_TRUE(w.add_other().join(w.subject));
      }
      if (given == setup::shared_readonly) {
        ASSERT_TRUE(w.subject.read());
      }
      return;
  }
}

/// Runs `operation` on the world.
result<void> apply(world& w, op operation) {
  switch (operation) {
    case op::init: return w.subject.init();
    case op::uninit: w.subject.uninit(); return {};
    case op::alloc: return w.subject.alloc(storage_bytes);
    case op::unalloc: return w.subject.unalloc();
    case op::read: {
      auto r = w.subject.read();
      if (!r) return r.error();
      return {};
    }
    case op::write: {
      auto r = w.subject.write();
      if (!r) return r.error();
      return {};
    }
    case op::release_read: return w.subject.release(cow_access::read);
    case op::release_write: return w.subject.release(cow_access::write);
    case op::join: return w.add_other().join(w.subject);
    case op::split: return w.subject.split();
    case op::join_into_subject: {
      w.helpers.push_back(std::make_unique<cow_ptr>());
      cow_ptr& source = *w.helpers.back();
      EXPECT_TRUE(source.init());
      EXPECT_TRUE(source.alloc(storage_bytes));
      return w.subject.join(source);
    }
    case op::alloc_zero_bytes: return w.subject.alloc(0);
    case op::alloc_alignment_3: return w.subject.alloc(storage_bytes, 3);
    case op::alloc_alignment_8192: return w.subject.alloc(storage_bytes, 8192);
  }
  return {};
}

/// The data address of a pointer's storage and its bytes, seen through a read use that
/// is released again (net change: none). nullptr without storage.
struct view {
  const std::byte* data = nullptr;
  std::vector<std::byte> bytes;
};

view look(cow_ptr& p) {
  if (p.storage() == nullptr) return {};
  auto r = p.read();
  EXPECT_TRUE(r);
  if (!r) return {};
  view v{r->data(), std::vector<std::byte>(r->begin(), r->end())};
  EXPECT_TRUE(p.release(cow_access::read));
  return v;
}

// clang-format off
const std::vector<transition_row> transition_rows = {
  // Lifecycle State Transitions
  {"L01_init_created_an_SP", "UNINIT -> UNALLOC: d_init created an SP",
   setup::uninit, op::init, I, A, {}, copy::none, 0, {0, 0}, 0},
  {"L02_uninit_destroyed_an_SP", "UNALLOC -> UNINIT: d_uninit destroyed an SP",
   setup::unalloc, op::uninit, A, I, {}, copy::none, 0, {0, 0}, 0},
  {"L03_alloc_reserved_storage", "UNALLOC -> SHARABLE: d_alloc reserved storage for the SP",
   setup::unalloc, op::alloc, A, S, {}, copy::none, 1, {0, 0}, +1},
  {"L04_unalloc_killed_storage", "SHARABLE -> UNALLOC: d_unalloc killed storage for an SP",
   setup::sharable, op::unalloc, S, A, {}, copy::none, 0, {0, 0}, -1},
  {"L05_read_used_unused_SP", "SHARABLE -> SHARABLE: d_read used an unused/readonly SP",
   setup::sharable, op::read, S, S, {}, copy::none, 1, {1, 0}, 0},
  {"L06_release_let_go_of_readonly_SP", "SHARABLE -> SHARABLE: d_release let go of a readonly SP",
   setup::sharable_readonly, op::release_read, S, S, {}, copy::none, 1, {0, 0}, 0},
  {"L07_split_tried_readonly_SP", "SHARABLE -> SHARABLE: d_split tried to split an unused/readonly SP",
   setup::sharable_readonly, op::split, S, S, {}, copy::none, 1, {1, 0}, 0},
  {"L08_write_used_readonly_SP", "SHARABLE -> UNSHARABLE: d_write used an unused/readonly SP",
   setup::sharable_readonly, op::write, S, U, {}, copy::none, 1, {1, 1}, 0},
  {"L09_join_added_SP_to_readonly_SP", "SHARABLE -> SHARED: d_join added an SP to an unused/readonly SP",
   setup::sharable_readonly, op::join, S, H, {H}, copy::none, 2, {1, 0}, 0},
  {"L10_read_used_readwrite_SP", "UNSHARABLE -> UNSHARABLE: d_read used a readwrite SP",
   setup::unsharable, op::read, U, U, {}, copy::none, 1, {1, 1}, 0},
  {"L11_write_used_readwrite_SP", "UNSHARABLE -> UNSHARABLE: d_write used a readwrite SP",
   setup::unsharable, op::write, U, U, {}, copy::none, 1, {0, 2}, 0},
  {"L12_release_readwrite_not_last", "UNSHARABLE -> UNSHARABLE: d_release let go of a readwrite SP (not the last use though)",
   setup::unsharable_two_uses, op::release_write, U, U, {}, copy::none, 1, {1, 0}, 0},
  {"L13_join_copied_us_for_other", "UNSHARABLE -> UNSHARABLE: d_join made a copy of us for the other SP and left us alone",
   setup::unsharable, op::join, U, U, {S}, copy::joiner_copied, 1, {0, 1}, +1},
  {"L14_split_tried_readwrite_SP", "UNSHARABLE -> UNSHARABLE: d_split tried to split a readwrite SP",
   setup::unsharable, op::split, U, U, {}, copy::none, 1, {0, 1}, 0},
  {"L15_release_readwrite_last_use", "UNSHARABLE -> SHARABLE: d_release let go of a readwrite SP (the last use)",
   setup::unsharable, op::release_write, U, S, {}, copy::none, 1, {0, 0}, 0},
  {"L16_write_detached_one_left", "SHARED -> SHARABLE: d_write made a copy and detached one of our SP, we had 1 left",
   setup::shared_with_one, op::write, H, U, {S}, copy::subject_detached, 1, {0, 1}, +1},
  {"L17_split_detached_one_left", "SHARED -> SHARABLE: d_split made a copy and detached one of our SP, we had 1 left",
   setup::shared_with_one, op::split, H, S, {S}, copy::subject_detached, 1, {0, 0}, +1},
  {"L18_read_used_unused_SP", "SHARED -> SHARED: d_read used an unused/readonly SP",
   setup::shared_with_one, op::read, H, H, {H}, copy::none, 2, {1, 0}, 0},
  {"L19_write_detached_two_left", "SHARED -> SHARED: d_write made a copy and detached one of our SP, we had 2+ left",
   setup::shared_with_two, op::write, H, U, {H, H}, copy::subject_detached, 1, {0, 1}, +1},
  {"L20_release_let_go_of_readonly_SP", "SHARED -> SHARED: d_release let go of a readonly SP",
   setup::shared_readonly, op::release_read, H, H, {H}, copy::none, 2, {0, 0}, 0},
  {"L21_join_added_SP", "SHARED -> SHARED: d_join added an SP to an unused/readonly SP",
   setup::shared_with_one, op::join, H, H, {H, H}, copy::none, 3, {0, 0}, 0},
  {"L22_split_detached_two_left", "SHARED -> SHARED: d_split made a copy and detached one of our SP, we had 2+ left",
   setup::shared_with_two, op::split, H, S, {H, H}, copy::subject_detached, 1, {0, 0}, +1},
  {"L23_new_join_copied_readwrite_SP", "(new) -> SHARABLE: d_join made a copy of a readwrite SP and made it sharable",
   setup::unsharable_two_uses, op::join, U, U, {S}, copy::joiner_copied, 1, {1, 1}, +1},
  {"L24_new_split_copied_readonly_SP", "(new) -> SHARABLE: d_split made a copy of an unused/readonly SP and made it sharable",
   setup::shared_readonly, op::split, H, S, {S}, copy::subject_detached, 1, {1, 0}, +1},
  {"L25_new_write_detached_us", "(new) -> UNSHARABLE: d_write made a copy and detached us from our shared memory",
   setup::shared_readonly, op::write, H, U, {S}, copy::subject_detached, 1, {1, 1}, +1},

  // Smart Pointer Routines w/ State Transitions
  {"R01_init", "d_init UNINIT -> UNALLOC",
   setup::uninit, op::init, I, A, {}, copy::none, 0, {0, 0}, 0},
  {"R02_uninit", "d_uninit UNALLOC -> UNINIT [1]",
   setup::unalloc, op::uninit, A, I, {}, copy::none, 0, {0, 0}, 0},
  {"R03_alloc", "d_alloc UNALLOC -> SHARABLE",
   setup::unalloc, op::alloc, A, S, {}, copy::none, 1, {0, 0}, +1},
  {"R04_unalloc", "d_unalloc SHARABLE -> UNALLOC",
   setup::sharable, op::unalloc, S, A, {}, copy::none, 0, {0, 0}, -1},
  {"R05_read_sharable", "d_read SHARABLE -> SHARABLE",
   setup::sharable_readonly, op::read, S, S, {}, copy::none, 1, {2, 0}, 0},
  {"R06_read_unsharable", "d_read UNSHARABLE -> UNSHARABLE",
   setup::unsharable_two_uses, op::read, U, U, {}, copy::none, 1, {2, 1}, 0},
  {"R07_read_shared", "d_read SHARED -> SHARED",
   setup::shared_with_two, op::read, H, H, {H, H}, copy::none, 3, {1, 0}, 0},
  {"R08_write_sharable", "d_write SHARABLE -> UNSHARABLE",
   setup::sharable, op::write, S, U, {}, copy::none, 1, {0, 1}, 0},
  {"R09_write_unsharable", "d_write UNSHARABLE -> UNSHARABLE",
   setup::unsharable_two_uses, op::write, U, U, {}, copy::none, 1, {1, 2}, 0},
  {"R10_write_shared_stays_shared", "d_write SHARED -> SHARED + UNSHARABLE [2]",
   setup::shared_with_two, op::write, H, U, {H, H}, copy::subject_detached, 1, {0, 1}, +1},
  {"R11_write_shared_becomes_sharable", "d_write SHARED -> SHARABLE + UNSHARABLE [2]",
   setup::shared_with_one, op::write, H, U, {S}, copy::subject_detached, 1, {0, 1}, +1},
  {"R12_release_sharable", "d_release SHARABLE -> SHARABLE",
   setup::sharable_two_reads, op::release_read, S, S, {}, copy::none, 1, {1, 0}, 0},
  {"R13_release_unsharable", "d_release UNSHARABLE -> UNSHARABLE",
   setup::unsharable_two_uses, op::release_read, U, U, {}, copy::none, 1, {0, 1}, 0},
  {"R14_release_unsharable_last_use", "d_release UNSHARABLE -> SHARABLE [3]",
   setup::unsharable_only_read_left, op::release_read, U, S, {}, copy::none, 1, {0, 0}, 0},
  {"R15_release_shared", "d_release SHARED -> SHARED",
   setup::shared_readonly, op::release_read, H, H, {H}, copy::none, 2, {0, 0}, 0},
  {"R16_join_sharable", "d_join SHARABLE -> SHARED",
   setup::sharable, op::join, S, H, {H}, copy::none, 2, {0, 0}, 0},
  {"R17_join_shared", "d_join SHARED -> SHARED",
   setup::shared_with_two, op::join, H, H, {H, H, H}, copy::none, 4, {0, 0}, 0},
  {"R18_join_unsharable", "d_join UNSHARABLE -> UNSHARABLE + SHARABLE [4]",
   setup::unsharable, op::join, U, U, {S}, copy::joiner_copied, 1, {0, 1}, +1},
  {"R19_split_sharable", "d_split SHARABLE -> SHARABLE",
   setup::sharable, op::split, S, S, {}, copy::none, 1, {0, 0}, 0},
  {"R20_split_unsharable", "d_split UNSHARABLE -> UNSHARABLE",
   setup::unsharable_two_uses, op::split, U, U, {}, copy::none, 1, {1, 1}, 0},
  {"R21_split_shared_stays_shared", "d_split SHARED -> SHARED + SHARABLE",
   setup::shared_with_two, op::split, H, S, {H, H}, copy::subject_detached, 1, {0, 0}, +1},
  {"R22_split_shared_becomes_sharable", "d_split SHARED -> SHARABLE + SHARABLE [5]",
   setup::shared_with_one, op::split, H, S, {S}, copy::subject_detached, 1, {0, 0}, +1},

  // [1] uninit "can be called from any state": in tessera nothing bad happens.
  {"F1_uninit_from_uninit", "[1] d_uninit UNINIT -> UNINIT",
   setup::uninit, op::uninit, I, I, {}, copy::none, 0, {0, 0}, 0},
  {"F1_uninit_from_sharable_reading", "[1] d_uninit SHARABLE (readonly) -> UNINIT, storage freed",
   setup::sharable_readonly, op::uninit, S, I, {}, copy::none, 0, {0, 0}, -1},
  {"F1_uninit_from_unsharable", "[1] d_uninit UNSHARABLE -> UNINIT, storage freed",
   setup::unsharable_two_uses, op::uninit, U, I, {}, copy::none, 0, {0, 0}, -1},
  {"F1_uninit_from_shared_one_left", "[1] d_uninit SHARED (readonly) -> UNINIT, the other becomes SHARABLE",
   setup::shared_readonly, op::uninit, H, I, {S}, copy::none, 0, {0, 0}, 0},
  {"F1_uninit_from_shared_two_left", "[1] d_uninit SHARED -> UNINIT, the others stay SHARED",
   setup::shared_with_two, op::uninit, H, I, {H, H}, copy::none, 0, {0, 0}, 0},
};
// clang-format on

class CowTransition : public testing::TestWithParam<transition_row> {};

TEST_P(CowTransition, FollowsTheDesignLine) {
  const transition_row& row = GetParam();
  const std::size_t live_at_start = cow_storage::live_count();
  {
    world w;
    build(w, row.given);
    ASSERT_EQ(w.subject.state(), row.before) << "setup does not reach the line's start state";

    const view subject_before = look(w.subject);
    std::vector<view> others_before;
    for (auto& o : w.others) others_before.push_back(look(*o));
    const std::size_t live_before = cow_storage::live_count();

    ASSERT_TRUE(apply(w, row.operation));

    EXPECT_EQ(w.subject.state(), row.after);
    ASSERT_EQ(w.others.size(), row.others_after.size());
    for (std::size_t i = 0; i < w.others.size(); ++i) {
      EXPECT_EQ(w.others[i]->state(), row.others_after[i]) << "other pointer #" << i;
    }
    EXPECT_EQ(w.subject.storage() ? w.subject.storage()->sp_count() : 0, row.sp_count_after);
    EXPECT_EQ(w.subject.read_uses(), row.uses_after.read);
    EXPECT_EQ(w.subject.write_uses(), row.uses_after.write);
    EXPECT_EQ(static_cast<long>(cow_storage::live_count()) - static_cast<long>(live_before),
              row.live_storages_delta);

    // Data pointers: who moved to a copy, and who stayed where they were.
    const view subject_after = look(w.subject);
    std::vector<view> others_after;
    for (auto& o : w.others) others_after.push_back(look(*o));
    for (std::size_t i = 0; i < others_before.size(); ++i) {
      EXPECT_EQ(others_after[i].data, others_before[i].data) << "other #" << i << " moved";
    }
    const bool joined = row.operation == op::join;
    switch (row.copies) {
      case copy::none:
        if (subject_before.data && subject_after.data) {
          EXPECT_EQ(subject_after.data, subject_before.data);
        }
        if (joined) {
          EXPECT_EQ(others_after.back().data, subject_after.data) << "joiner got a copy";
        }
        break;
      case copy::subject_detached:
        ASSERT_NE(subject_after.data, nullptr);
        EXPECT_NE(subject_after.data, subject_before.data);
        for (const auto& o : others_after) EXPECT_NE(o.data, subject_after.data);
        break;
      case copy::joiner_copied:
        ASSERT_TRUE(joined);
        EXPECT_EQ(subject_after.data, subject_before.data);
        EXPECT_NE(others_after.back().data, subject_after.data);
        break;
    }

    // Content: no operation changes bytes; alloc yields zeros.
    const auto expected = row.operation == op::alloc ? std::vector<std::byte>(storage_bytes)
                                                     : pattern(1);
    if (subject_after.data) {
      EXPECT_EQ(subject_after.bytes, expected);
    }
    for (std::size_t i = 0; i < others_after.size(); ++i) {
      EXPECT_EQ(others_after[i].bytes, expected) << "other #" << i;
    }

    // A copy is isolated: writing through its holder leaves every other pointer alone.
    if (row.copies != copy::none) {
      cow_ptr& holder = row.copies == copy::joiner_copied ? *w.others.back() : w.subject;
      auto bytes = holder.write();
      ASSERT_TRUE(bytes);
      std::fill(bytes->begin(), bytes->end(), std::byte{0xA5});
      ASSERT_TRUE(holder.release(cow_access::write));
      EXPECT_EQ(look(holder).bytes, std::vector<std::byte>(storage_bytes, std::byte{0xA5}));
      if (&holder != &w.subject) {
        EXPECT_EQ(look(w.subject).bytes, expected);
      }
      for (auto& o : w.others) {
        if (o.get() != &holder) {
          EXPECT_EQ(look(*o).bytes, expected);
        }
      }
    }
  }
  EXPECT_EQ(cow_storage::live_count(), live_at_start) << "storage leaked";
}

INSTANTIATE_TEST_SUITE_P(DesignLines, CowTransition, testing::ValuesIn(transition_rows),
                         [](const auto& info) { return std::string(info.param.name); });

struct misuse_row {
  std::string_view name;
  setup given;
  op operation;
  errc code;
  std::vector<std::string_view> message_names;  // each must appear in the message
};

void PrintTo(const misuse_row& row, std::ostream* os) { *os << row.name; }

// clang-format off
const std::vector<misuse_row> misuse_rows = {
  {"init_when_unalloc", setup::unalloc, op::init, errc::bad_state, {"init()", "UNALLOC"}},
  {"init_when_shared", setup::shared_with_one, op::init, errc::bad_state, {"init()", "SHARED"}},
  {"alloc_when_uninit", setup::uninit, op::alloc, errc::bad_state, {"alloc()", "UNINIT"}},
  {"alloc_when_sharable", setup::sharable, op::alloc, errc::bad_state, {"alloc()", "SHARABLE"}},
  {"alloc_when_unsharable", setup::unsharable, op::alloc, errc::bad_state, {"alloc()", "UNSHARABLE"}},
  {"alloc_when_shared", setup::shared_with_one, op::alloc, errc::bad_state, {"alloc()", "SHARED"}},
  {"alloc_zero_bytes", setup::unalloc, op::alloc_zero_bytes, errc::invalid_argument, {"alloc(size_bytes=0)"}},
  {"alloc_alignment_not_power_of_two", setup::unalloc, op::alloc_alignment_3, errc::invalid_argument, {"alignment=3", "power of two"}},
  {"alloc_alignment_too_large", setup::unalloc, op::alloc_alignment_8192, errc::invalid_argument, {"alignment=8192", "4096"}},
  {"unalloc_when_uninit", setup::uninit, op::unalloc, errc::bad_state, {"unalloc()", "UNINIT"}},
  {"unalloc_when_unalloc", setup::unalloc, op::unalloc, errc::bad_state, {"unalloc()", "UNALLOC"}},
  {"unalloc_when_unsharable", setup::unsharable, op::unalloc, errc::bad_state, {"unalloc()", "UNSHARABLE", "1 write use"}},
  {"unalloc_when_shared", setup::shared_with_one, op::unalloc, errc::bad_state, {"unalloc()", "SHARED", "uninit()"}},
  {"unalloc_when_sharable_but_reading", setup::sharable_readonly, op::unalloc, errc::bad_state, {"unalloc()", "SHARABLE", "1 read use"}},
  {"read_when_uninit", setup::uninit, op::read, errc::bad_state, {"read()", "UNINIT"}},
  {"read_when_unalloc", setup::unalloc, op::read, errc::bad_state, {"read()", "UNALLOC", "no storage"}},
  {"write_when_uninit", setup::uninit, op::write, errc::bad_state, {"write()", "UNINIT"}},
  {"write_when_unalloc", setup::unalloc, op::write, errc::bad_state, {"write()", "UNALLOC"}},
  {"release_when_uninit", setup::uninit, op::release_read, errc::bad_state, {"release()", "UNINIT"}},
  {"release_when_unalloc", setup::unalloc, op::release_read, errc::bad_state, {"release()", "UNALLOC"}},
  {"release_read_without_read_use", setup::sharable, op::release_read, errc::bad_state, {"release()", "SHARABLE", "no read use"}},
  {"release_write_when_readonly", setup::sharable_readonly, op::release_write, errc::bad_state, {"release()", "SHARABLE", "no write use"}},
  {"release_write_when_shared", setup::shared_with_one, op::release_write, errc::bad_state, {"release()", "SHARED", "no write use"}},
  {"release_read_when_only_writing", setup::unsharable, op::release_read, errc::bad_state, {"release()", "UNSHARABLE", "no read use"}},
  {"split_when_uninit", setup::uninit, op::split, errc::bad_state, {"split()", "UNINIT"}},
  {"split_when_unalloc", setup::unalloc, op::split, errc::bad_state, {"split()", "UNALLOC"}},
  {"join_source_uninit", setup::uninit, op::join, errc::bad_state, {"join()", "source", "UNINIT"}},
  {"join_source_unalloc", setup::unalloc, op::join, errc::bad_state, {"join()", "source", "UNALLOC"}},
  {"join_into_uninit_pointer", setup::uninit, op::join_into_subject, errc::bad_state, {"join()", "UNINIT", "init()"}},
  {"join_into_sharable_pointer", setup::sharable, op::join_into_subject, errc::bad_state, {"join()", "SHARABLE", "unalloc()"}},
  {"join_into_shared_pointer", setup::shared_with_one, op::join_into_subject, errc::bad_state, {"join()", "SHARED"}},
};
// clang-format on

class CowMisuse : public testing::TestWithParam<misuse_row> {};

TEST_P(CowMisuse, IsAnErrorNamingOperationAndStateAndChangesNothing) {
  const misuse_row& row = GetParam();
  world w;
  build(w, row.given);
  const cow_state before = w.subject.state();
  const std::size_t reads = w.subject.read_uses();
  const std::size_t writes = w.subject.write_uses();
  const cow_storage* storage = w.subject.storage();
  std::vector<cow_state> others_before;
  for (auto& o : w.others) others_before.push_back(o->state());
  const bool adds_joiner = row.operation == op::join;
  const std::size_t live_before = cow_storage::live_count();

  auto r = apply(w, row.operation);

  ASSERT_FALSE(r) << "misuse must fail";
  EXPECT_TRUE(r.error() == row.code) << r.error().code.message();
  for (auto name : row.message_names) {
    EXPECT_NE(r.error().message.find(name), std::string::npos)
        << "message \"" << r.error().message << "\" does not name " << name;
  }
  EXPECT_EQ(w.subject.state(), before);
  EXPECT_EQ(w.subject.read_uses(), reads);
  EXPECT_EQ(w.subject.write_uses(), writes);
  EXPECT_EQ(w.subject.storage(), storage);
  for (std::size_t i = 0; i < others_before.size(); ++i) EXPECT_EQ(w.others[i]->state(), others_before[i]);
  if (adds_joiner) {
    EXPECT_EQ(w.others.back()->state(), cow_state::unalloc);
  }
  const std::size_t helper_storages = row.operation == op::join_into_subject ? 1 : 0;
  EXPECT_EQ(cow_storage::live_count(), live_before + helper_storages);
}

INSTANTIATE_TEST_SUITE_P(Misuse, CowMisuse, testing::ValuesIn(misuse_rows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CowPtr, JoiningItselfIsAnError) {
  cow_ptr p;
  ASSERT_TRUE(p.init());
  auto r = p.join(p);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::invalid_argument);
  EXPECT_NE(r.error().message.find("itself"), std::string::npos);
  EXPECT_EQ(p.state(), cow_state::unalloc);
}

TEST(CowPtr, StateNamesAreTheDesigns) {
  EXPECT_EQ(to_string(cow_state::uninit), "UNINIT");
  EXPECT_EQ(to_string(cow_state::unalloc), "UNALLOC");
  EXPECT_EQ(to_string(cow_state::sharable), "SHARABLE");
  EXPECT_EQ(to_string(cow_state::unsharable), "UNSHARABLE");
  EXPECT_EQ(to_string(cow_state::shared), "SHARED");
}

TEST(CowPtr, NeverMovesOnceItExists) {
  static_assert(!std::is_copy_constructible_v<cow_ptr> && !std::is_copy_assignable_v<cow_ptr>);
  static_assert(!std::is_move_constructible_v<cow_ptr> && !std::is_move_assignable_v<cow_ptr>);
  SUCCEED();
}

TEST(CowPtr, AllocHonoursSizeAndAlignment) {
  for (std::size_t alignment : {1u, 16u, 64u, 4096u}) {
    cow_ptr p;
    ASSERT_TRUE(p.init());
    ASSERT_TRUE(p.alloc(100, alignment));
    EXPECT_EQ(p.size_bytes(), 100u);
    EXPECT_EQ(p.storage()->alignment(), alignment);
    auto bytes = p.read();
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes->size(), 100u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(bytes->data()) % alignment, 0u);
    ASSERT_TRUE(p.release(cow_access::read));
  }
}

TEST(CowPtr, DestructionLetsGoOfStorageLikeUninit) {
  const std::size_t live = cow_storage::live_count();
  cow_ptr keeper;
  ASSERT_TRUE(keeper.init());
  ASSERT_TRUE(keeper.alloc(32));
  {
    cow_ptr joined;
    ASSERT_TRUE(joined.init());
    ASSERT_TRUE(joined.join(keeper));
    ASSERT_TRUE(joined.read());  // destroyed while reading: the use ends with it
    EXPECT_EQ(keeper.storage()->use_count(), 1u);
    EXPECT_EQ(keeper.state(), cow_state::shared);
  }
  EXPECT_EQ(keeper.state(), cow_state::sharable);
  EXPECT_EQ(keeper.storage()->use_count(), 0u);
  EXPECT_EQ(cow_storage::live_count(), live + 1);
}

}  // namespace cow_test
}  // namespace tessera::core
