// Fault injection over the swap file's system calls: for each way a disk fails (full,
// I/O error, short transfer; once or from then on) and for each pwrite or pread the
// swap-out and swap-in of frame tiles make, the failure is reported and no tile reads
// back wrong: a tile either gives its own bytes or an error, never other bytes. A
// transient failure loses nothing (the next map gives the bytes), and a swap file cut
// short under swapped-out tiles is an error for those tiles only.
#include "core/tiles/frame_tile_allocator.hpp"

#include "core/memory/memory.hpp"
#include "tile_cache_test_support.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

namespace tessera::core {
namespace swap_fault_sweep_test {

using namespace tile_cache_test;
using fault = swap_file::fault;

constexpr std::size_t tile = 64 * 64 * 4;
constexpr std::size_t tiles = 12;  // under a 4-tile budget: 8 or more go to the swap file

struct outcome {
  std::size_t right = 0, refused = 0, wrong = 0;
  bool reported = false;  // a swap error the manager noted, or a refused map
  std::uint64_t calls = 0;  // calls of the fault's kind
};

/// Fills `tiles` tile memories (swap-outs happen as the budget is passed), then maps
/// each twice and compares with what was written.
outcome run(std::optional<fault> f, const std::string& name, bool compress) {
  temp_dir d(name);
  auto mgr = make_mgr(d.path, 4 * tile, compress);
  frame_tile_allocator alloc(*mgr);
  mgr->swap().inject(f);
  std::vector<memory> mems;
  std::vector<std::vector<std::byte>> expected;
  for (std::size_t i = 0; i < tiles; ++i) {
    auto m = alloc.allocate(tile);
    EXPECT_TRUE(m) << "a swap failure made an allocation fail: " << m.error().message;
    if (!m) return {};
    expected.push_back(noise(64, 64, static_cast<unsigned>(i + 3)));
    auto map = m->map(map_access::write);
    EXPECT_TRUE(map);
    std::memcpy(map->data(), expected.back().data(), tile);
    mems.push_back(std::move(*m));
  }
  outcome o;
  o.reported = mgr->last_swap_error().has_value();
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < tiles; ++i) {
      auto map = mems[i].map(map_access::read);
      if (!map) {
        ++o.refused;
        o.reported = true;
        EXPECT_FALSE(map.error().message.empty());
        continue;
      }
      if (map->size() == tile && std::memcmp(map->data(), expected[i].data(), tile) == 0) ++o.right;
      else ++o.wrong;
    }
  }
  o.calls = mgr->swap().fault_calls();
  // Swap-outs happen while reading too (a tile coming in pushes another out).
  o.reported = o.reported || mgr->last_swap_error().has_value();
  return o;
}

struct kind {
  const char* name;
  fault::call on;
  int error;
  bool once;
};

constexpr kind kinds[] = {
    {"pwrite_enospc", fault::call::pwrite, ENOSPC, false}, {"pwrite_eio_once", fault::call::pwrite, EIO, true},
    {"pwrite_short_once", fault::call::pwrite, 0, true},   {"pwrite_fills_up", fault::call::pwrite, 0, false},
    {"pread_eio_once", fault::call::pread, EIO, true},     {"pread_eio", fault::call::pread, EIO, false},
    {"pread_short_once", fault::call::pread, 0, true},     {"pread_cut_short", fault::call::pread, 0, false},
};

TEST(SwapFaultSweep, NoFailureOfAnySwapCallGivesAWrongByte) {
  // A fault past every call fails nothing and counts the calls a sweep goes through.
  constexpr std::uint64_t never = ~std::uint64_t{0};
  std::uint64_t calls[2][2] = {};  // [pwrite|pread][raw|lz4]
  for (bool compress : {false, true})
    for (fault::call on : {fault::call::pwrite, fault::call::pread}) {
      const outcome clean = run(fault{on, never, EIO, false}, "sweep_clean", compress);
      ASSERT_EQ(clean.right, 2 * tiles);
      ASSERT_FALSE(clean.reported);
      calls[on == fault::call::pread][compress] = clean.calls;
    }
  ASSERT_GE(calls[0][0], tiles - 4) << "fewer swap-outs than tiles over the budget";
  ASSERT_GE(calls[1][0], tiles - 4) << "fewer swap-ins than tiles that were out";
  std::size_t runs = 0;
  for (const kind& k : kinds) {
    for (bool compress : {false, true}) {
      const std::uint64_t n = calls[k.on == fault::call::pread][compress];
      for (std::uint64_t at = 0; at < n; ++at) {
        SCOPED_TRACE(std::string(k.name) + (compress ? " lz4" : " raw") + " at call " + std::to_string(at) + " of " +
                     std::to_string(n));
        const outcome o = run(fault{k.on, at, k.error, k.once}, std::string("sweep_") + k.name, compress);
        ++runs;
        EXPECT_EQ(o.wrong, 0u) << "a tile read back other bytes than it was given";
        EXPECT_EQ(o.right + o.refused, 2 * tiles);
        if (k.once) {
          // A failure that happens once loses nothing: a refused map is followed by one
          // that gives the bytes, and a short transfer is finished by the next call.
          EXPECT_GE(o.right, tiles) << "a transient failure lost a tile";
        }
        if (k.error != 0 && k.on == fault::call::pwrite) EXPECT_TRUE(o.reported) << "a failed swap-out went unreported";
        if (k.on == fault::call::pread && !k.once) EXPECT_GT(o.refused, 0u) << "a failing read was not refused";
      }
    }
  }
  EXPECT_GE(runs, std::size(kinds) * 2 * (tiles - 4));
}

TEST(SwapFaultSweep, ASwapFileCutShortIsAnErrorForTheTilesInItOnly) {
  temp_dir d("cut_short");
  auto mgr = make_mgr(d.path, 4 * tile, false);
  frame_tile_allocator alloc(*mgr);
  std::vector<memory> mems;
  std::vector<std::vector<std::byte>> expected;
  for (std::size_t i = 0; i < tiles; ++i) {
    auto m = alloc.allocate(tile).value();
    expected.push_back(noise(64, 64, static_cast<unsigned>(i + 11)));
    std::memcpy(m.map(map_access::write)->data(), expected.back().data(), tile);
    mems.push_back(std::move(m));
  }
  std::vector<bool> resident;
  for (const memory& m : mems) resident.push_back(frame_tile_allocator::is_resident(m));
  ASSERT_EQ(::truncate(mgr->swap().path().c_str(), 0), 0);
  std::size_t refused = 0;
  for (std::size_t i = 0; i < tiles; ++i) {
    auto map = mems[i].map(map_access::read);
    if (resident[i]) {
      ASSERT_TRUE(map) << "tile " << i << " was in memory: " << map.error().message;
    }
    if (!map) {
      ++refused;
      EXPECT_NE(map.error().message.find("swap"), std::string::npos) << map.error().message;
      continue;
    }
    EXPECT_EQ(std::memcmp(map->data(), expected[i].data(), tile), 0) << "tile " << i;
  }
  EXPECT_GT(refused, 0u) << "no tile was in the swap file";
}

}  // namespace swap_fault_sweep_test
}  // namespace tessera::core
