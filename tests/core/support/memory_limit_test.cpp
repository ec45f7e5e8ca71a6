// cgroup memory limits read from fake /proc and /sys trees (a temporary directory
// standing for "/"), one per layout a container or a host shows.
#include "core/support/memory_limit.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace tessera::core {
namespace memory_limit_test {

namespace fs = std::filesystem;

class fake_root {
 public:
  fake_root() {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("tessera-cgroup-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(root_);
  }
  ~fake_root() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fake_root(const fake_root&) = delete;
  fake_root& operator=(const fake_root&) = delete;

  /// Writes `text` to root/relative, creating directories.
  void write(const std::string& relative, const std::string& text) const {
    const fs::path p = root_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  const fs::path& path() const { return root_; }

 private:
  fs::path root_;
};

// The mountinfo of a hybrid host (v1 controllers plus an unused cgroup2 at unified/).
constexpr const char* hybrid_mountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(MemoryLimit, ParsesNumbersAndTreatsMaxAndV1UnlimitedAsNoLimit) {
  EXPECT_EQ(parse_cgroup_limit("268435456\n"), std::optional<std::uint64_t>(268435456));
  EXPECT_EQ(parse_cgroup_limit("max\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_limit("9223372036854771712\n"), std::nullopt);  // v1 "unlimited"
  EXPECT_EQ(parse_cgroup_limit(""), std::nullopt);
  EXPECT_EQ(parse_cgroup_limit("12abc"), std::nullopt);
  EXPECT_EQ(parse_cgroup_limit("-1"), std::nullopt);
}

TEST(MemoryLimit, CgroupV2ContainerWithItsOwnNamespace) {
  fake_root r;
  r.write("proc/self/cgroup", "0::/\n");
  r.write("proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n");
  r.write("sys/fs/cgroup/memory.max", "268435456\n");
  const auto limit = cgroup_memory_limit(r.path());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 268435456u);
  EXPECT_EQ(limit->source, "cgroup v2 /sys/fs/cgroup/memory.max");
}

TEST(MemoryLimit, CgroupV2MaxMeansNoLimit) {
  fake_root r;
  r.write("proc/self/cgroup", "0::/\n");
  r.write("sys/fs/cgroup/memory.max", "max\n");
  EXPECT_FALSE(cgroup_memory_limit(r.path()));
}

TEST(MemoryLimit, CgroupV2NestedPathTakesTheSmallestLimitOfItsAncestors) {
  fake_root r;
  r.write("proc/self/cgroup", "0::/kubepods.slice/pod1/ctr\n");
  r.write("proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  r.write("sys/fs/cgroup/kubepods.slice/memory.max", "max\n");
  r.write("sys/fs/cgroup/kubepods.slice/pod1/memory.max", "536870912\n");
  r.write("sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.max", "max\n");
  const auto limit = cgroup_memory_limit(r.path());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 536870912u);
  EXPECT_EQ(limit->source, "cgroup v2 /sys/fs/cgroup/kubepods.slice/pod1/memory.max");
}

TEST(MemoryLimit, CgroupV1ContainerWhoseMountIsItsOwnCgroup) {
  // podman/docker on a v1 host: /proc/self/cgroup names the host's path, the mount
  // shows that directory as its root.
  fake_root r;
  r.write("proc/self/cgroup",
          "12:pids:/libpod_parent/libpod-abc\n4:memory:/libpod_parent/libpod-abc\n1:name=systemd:/x\n0::/\n");
  r.write("proc/self/mountinfo",
          "800 790 0:32 /libpod_parent/libpod-abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
          "801 790 0:38 / /sys/fs/cgroup/unified ro - cgroup2 cgroup2 rw\n");
  r.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n");
  const auto limit = cgroup_memory_limit(r.path());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 268435456u);
  EXPECT_EQ(limit->source, "cgroup v1 /sys/fs/cgroup/memory/memory.limit_in_bytes");
}

TEST(MemoryLimit, CgroupV1HostPathNestedUnderTheMount) {
  fake_root r;
  r.write("proc/self/cgroup", "4:memory:/process_api/abc\n0::/\n");
  r.write("proc/self/mountinfo", hybrid_mountinfo);
  r.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  r.write("sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "1073741824\n");
  r.write("sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "2147483648\n");
  // v2 at unified/ has a smaller number that must not be read: memory is a v1 controller here.
  r.write("sys/fs/cgroup/unified/memory.max", "1048576\n");
  const auto limit = cgroup_memory_limit(r.path());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 1073741824u);
  EXPECT_EQ(limit->source, "cgroup v1 /sys/fs/cgroup/memory/process_api/memory.limit_in_bytes");
}

TEST(MemoryLimit, CgroupV1UnlimitedEverywhereIsNoLimit) {
  fake_root r;
  r.write("proc/self/cgroup", "4:memory:/process_api/abc\n0::/\n");
  r.write("proc/self/mountinfo", hybrid_mountinfo);
  r.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  r.write("sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_FALSE(cgroup_memory_limit(r.path()));
}

TEST(MemoryLimit, WithoutProcFilesTheUsualMountPointsAreRead) {
  fake_root v1;
  v1.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "134217728\n");
  auto limit = cgroup_memory_limit(v1.path());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 134217728u);
  EXPECT_EQ(limit->source, "cgroup v1 /sys/fs/cgroup/memory/memory.limit_in_bytes");

  fake_root v2;
  v2.write("sys/fs/cgroup/memory.max", "67108864\n");
  limit = cgroup_memory_limit(v2.path());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->bytes, 67108864u);
}

TEST(MemoryLimit, NoFilesAtAllIsNoLimit) {
  fake_root r;
  EXPECT_FALSE(cgroup_memory_limit(r.path()));
  r.write("proc/self/cgroup", "0::/some/where\n");  // a cgroup whose files are not mounted
  EXPECT_FALSE(cgroup_memory_limit(r.path()));
}

TEST(MemoryLimit, ProcessLimitIsTheCgroupLimitOrPhysicalMemoryWhicheverIsSmaller) {
  fake_root r;
  r.write("proc/self/cgroup", "0::/\n");
  r.write("sys/fs/cgroup/memory.max", "268435456\n");
  auto limit = process_memory_limit(8ull << 30, r.path());
  EXPECT_EQ(limit.bytes, 268435456u);
  EXPECT_EQ(limit.source, "cgroup v2 /sys/fs/cgroup/memory.max");

  limit = process_memory_limit(128ull << 20, r.path());  // a limit above RAM: RAM
  EXPECT_EQ(limit.bytes, 128ull << 20);
  EXPECT_EQ(limit.source, "physical memory");

  fake_root empty;
  EXPECT_EQ(process_memory_limit(8ull << 30, empty.path()).source, "physical memory");
  EXPECT_GT(process_memory_limit().bytes, 0u);
}

}  // namespace memory_limit_test
}  // namespace tessera::core
