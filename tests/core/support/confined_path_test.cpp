#include "core/support/confined_path.hpp"

#include "tests/core/support/file_test_support.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace tessera::core {
namespace confined_path_test {

using file_test::temp_dir;
using file_test::write_file;
namespace fs = std::filesystem;

std::string read_fd(const unique_fd& fd) {
  std::string s(256, '\0');
  const ssize_t n = ::pread(fd.get(), s.data(), s.size(), 0);
  s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return s;
}

void write_text(const fs::path& p, std::string_view text) {
  std::vector<std::byte> v;
  for (char c : text) v.push_back(static_cast<std::byte>(c));
  write_file(p, v);
}

TEST(ConfinedPath, LexicalRulesRefuseAbsoluteDotDotEmptyAndNul) {
  EXPECT_TRUE(check_relative_location("a/b.bin"));
  EXPECT_TRUE(check_relative_location("./a//b.bin"));
  EXPECT_TRUE(check_relative_location("a..b/..c"));  // dots inside names are fine
  auto abs = check_relative_location("/etc/passwd");
  ASSERT_FALSE(abs);
  EXPECT_EQ(abs.error().code, make_error_code(errc::permission_denied));
  EXPECT_NE(abs.error().message.find("\"/etc/passwd\" is outside the media root"), std::string::npos);
  for (const char* bad : {"..", "../x", "a/../b", "a/..", "a/b/../../.."}) {
    SCOPED_TRACE(bad);
    auto r = check_relative_location(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::permission_denied));
  }
  EXPECT_FALSE(check_relative_location(""));
  EXPECT_FALSE(check_relative_location(std::string_view("a\0/../../x", 10)));
}

TEST(ConfinedPath, WithoutAMediaRootNothingIsChecked) {
  EXPECT_TRUE(check_location(std::nullopt, "/etc/passwd", false));
  EXPECT_TRUE(check_location(std::nullopt, "../../x", true));
}

TEST(ConfinedPath, CheckAcceptsMissingTailsInsideTheRoot) {
  temp_dir root;
  EXPECT_TRUE(check_location(root.path(), "new.bin", false));
  EXPECT_TRUE(check_location(root.path(), "no/such/dir/new.bin", true));
  EXPECT_TRUE(check_location(root.path(), "", true));  // not set yet
}

TEST(ConfinedPath, OpenReadsAFileInsideTheRoot) {
  temp_dir root;
  fs::create_directory(root / "a");
  write_text(root / "a/f.txt", "hello");
  auto fd = open_location(root.path(), "a/f.txt", open_request{O_RDONLY, 0, true});
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_EQ(read_fd(*fd), "hello");
}

TEST(ConfinedPath, OpenWithoutARootOpensThePathAsGiven) {
  temp_dir dir;
  write_text(dir / "f.txt", "plain");
  auto fd = open_location(std::nullopt, (dir / "f.txt").string(), open_request{O_RDONLY, 0, true});
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_EQ(read_fd(*fd), "plain");
  auto missing = open_location(std::nullopt, (dir / "none").string(), open_request{O_RDONLY, 0, true});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, make_error_code(errc::not_found));
  EXPECT_NE(missing.error().message.find(std::strerror(ENOENT)), std::string::npos);
}

TEST(ConfinedPath, OpenCreatesAFileInsideTheRootAndRefusesALinkAsTheFile) {
  temp_dir root;
  auto fd = open_location(root.path(), "made.bin", open_request{O_WRONLY | O_CREAT | O_TRUNC, 0644, false});
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_TRUE(fs::is_regular_file(root / "made.bin"));
  fs::create_symlink("made.bin", root / "link.bin");
  auto refused = open_location(root.path(), "link.bin", open_request{O_WRONLY | O_CREAT | O_TRUNC, 0644, false});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(errc::permission_denied));
  EXPECT_NE(refused.error().message.find("is a symbolic link"), std::string::npos) << refused.error().message;
  // A dangling link is not followed to create its target either.
  fs::create_symlink("ghost.bin", root / "dangling.bin");
  EXPECT_FALSE(open_location(root.path(), "dangling.bin", open_request{O_WRONLY | O_CREAT, 0644, false}));
  EXPECT_FALSE(fs::exists(root / "ghost.bin"));
}

TEST(ConfinedPath, LinksMayClimbWithDotDotButNotAboveTheRoot) {
  temp_dir root;
  fs::create_directories(root / "a/b");
  write_text(root / "top.txt", "top");
  fs::create_symlink("../../top.txt", root / "a/b/up.txt");
  auto fd = open_location(root.path(), "a/b/up.txt", open_request{O_RDONLY, 0, true});
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_EQ(read_fd(*fd), "top");
  fs::create_symlink("../../../top.txt", root / "a/b/over.txt");
  auto over = open_location(root.path(), "a/b/over.txt", open_request{O_RDONLY, 0, true});
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("is outside the media root"), std::string::npos) << over.error().message;
  EXPECT_FALSE(check_location(root.path(), "a/b/over.txt", true));
}

TEST(ConfinedPath, AbsoluteLinksAreFollowedOnlyUnderTheRoot) {
  temp_dir root;
  temp_dir outside;
  write_text(root / "in.txt", "in");
  write_text(outside / "out.txt", "out");
  fs::create_symlink(root / "in.txt", root / "abs_in.txt");
  fs::create_symlink(outside / "out.txt", root / "abs_out.txt");
  auto in = open_location(root.path(), "abs_in.txt", open_request{O_RDONLY, 0, true});
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(read_fd(*in), "in");
  auto out = open_location(root.path(), "abs_out.txt", open_request{O_RDONLY, 0, true});
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("points to \"" + (outside / "out.txt").string() + "\""), std::string::npos)
      << out.error().message;
  // A root given through a link: targets may name either spelling of it.
  temp_dir holder;
  fs::create_directory_symlink(root.path(), holder / "root_alias");
  fs::create_symlink(holder / "root_alias/in.txt", root / "via_alias.txt");
  auto via = open_location(holder / "root_alias", "via_alias.txt", open_request{O_RDONLY, 0, true});
  ASSERT_TRUE(via) << via.error().message;
  EXPECT_EQ(read_fd(*via), "in");
}

TEST(ConfinedPath, ALinkLoopEndsWithAnError) {
  temp_dir root;
  fs::create_symlink("b", root / "a");
  fs::create_symlink("a", root / "b");
  auto r = open_location(root.path(), "a", open_request{O_RDONLY, 0, true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(std::strerror(ELOOP)), std::string::npos) << r.error().message;
}

TEST(ConfinedPath, AFileOnTheWayIsNotADirectory) {
  temp_dir root;
  write_text(root / "f", "x");
  auto r = open_location(root.path(), "f/g", open_request{O_RDONLY, 0, true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(std::strerror(ENOTDIR)), std::string::npos) << r.error().message;
}

TEST(ConfinedPath, TheRootItselfIsNotAFile) {
  temp_dir root;
  EXPECT_FALSE(open_location(root.path(), ".", open_request{O_RDONLY, 0, true}));
  fs::create_symlink(root.path(), root / "self");
  EXPECT_FALSE(open_location(root.path(), "self", open_request{O_RDONLY, 0, true}));
}

TEST(ConfinedPath, AMissingMediaRootIsReported) {
  temp_dir dir;
  auto r = open_location(dir / "no-root", "x", open_request{O_RDONLY, 0, true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("media root"), std::string::npos);
  EXPECT_NE(r.error().message.find((dir / "no-root").string()), std::string::npos);
}

}  // namespace confined_path_test
}  // namespace tessera::core
