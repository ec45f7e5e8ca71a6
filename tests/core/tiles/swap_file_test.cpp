// Swap file names and stale files: a name cannot be planted ahead of the server, and
// the files of a process that was killed are removed by the next one.

#include "core/tiles/swap_file.hpp"

#include "tile_cache_test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tessera::core {
namespace swap_file_test {

namespace fs = std::filesystem;
using tile_cache_test::temp_dir;

void plant(const fs::path& p) { std::ofstream(p) << "planted"; }

/// The pid of a child that has exited and been reaped: no process has it (until the
/// kernel hands it out again, which takes a full turn of the pid space).
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

// Names were tessera-swap-<pid>-<counter>: planting the next few stopped the start.
TEST(SwapFile, PlantedFilesWithPredictableNamesDoNotStopCreation) {
  temp_dir d("swap_planted");
  const auto pid = std::to_string(::getpid());
  for (int i = 0; i < 4096; ++i) plant(d.path / ("tessera-swap-" + pid + "-" + std::to_string(i)));
  std::error_code ec;
  fs::create_symlink("/dev/null", d.path / ("tessera-swap-" + pid + "-4096"), ec);
  auto f = swap_file::create(d.path, 0);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(fs::exists(d.path / ("tessera-swap-" + pid + "-0"))) << "our own pid's files are not touched";
}

TEST(SwapFile, NamesAreRandomAndTheFileIsPrivate) {
  temp_dir d("swap_names");
  auto a = swap_file::create(d.path, 0).value();
  auto b = swap_file::create(d.path, 0).value();
  const std::regex form("tessera-swap-" + std::to_string(::getpid()) + "-[0-9a-f]{16}");
  EXPECT_TRUE(std::regex_match(a->path().filename().string(), form)) << a->path();
  EXPECT_TRUE(std::regex_match(b->path().filename().string(), form)) << b->path();
  EXPECT_NE(a->path(), b->path());
  struct stat st {};
  ASSERT_EQ(::stat(a->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(SwapFile, FilesOfDeadProcessesAreRemovedAtCreation) {
  temp_dir d("swap_stale");
  const auto dead = std::to_string(dead_pid());
  const fs::path stale_old = d.path / ("tessera-swap-" + dead + "-0");
  const fs::path stale_new = d.path / ("tessera-swap-" + dead + "-0123456789abcdef");
  const fs::path alive = d.path / "tessera-swap-1-0";  // init is always alive
  const fs::path ours = d.path / ("tessera-swap-" + std::to_string(::getpid()) + "-77");
  const fs::path other = d.path / ("not-tessera-swap-" + dead + "-0");
  const fs::path malformed = d.path / "tessera-swap-x-0";
  for (const auto& p : {stale_old, stale_new, alive, ours, other, malformed}) plant(p);
  std::error_code ec;
  const fs::path stale_dir = d.path / ("tessera-swap-" + dead + "-dir");
  fs::create_directory(stale_dir, ec);

  auto f = swap_file::create(d.path, 0);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_FALSE(fs::exists(stale_old)) << "the old-style name of a dead pid";
  EXPECT_FALSE(fs::exists(stale_new)) << "the new-style name of a dead pid";
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(ours));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(malformed));
  EXPECT_TRUE(fs::exists(stale_dir)) << "only regular files are removed";
  EXPECT_EQ(swap_file::remove_stale_swap_files(d.path), 0u) << "nothing stale is left";
}

}  // namespace swap_file_test
}  // namespace tessera::core
