#include "core/elements/file/filesink.hpp"

#include "core/base/base_src.hpp"
#include "core/elements/basic/fakesrc.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "core/memory/system_allocator.hpp"
#include "tests/core/support/file_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace tessera::core {
namespace filesink_test {

using namespace file_test;
using namespace std::chrono_literals;

/// A source of buffers made of several memories each (sizes 10, 1 and 50 bytes),
/// carrying test_bytes() in order, `count` buffers.
class multimem_src final : public base_src {
 public:
  static constexpr std::size_t sizes[] = {10, 1, 50};
  static constexpr std::size_t per_buffer = 61;
  static constexpr int count = 7;

  multimem_src(const element_factory& f, std::string name) : base_src(f, std::move(name)) {}
  static std::unique_ptr<element_factory> factory() {
    return make_factory<multimem_src>("multimemsrc", "Multi-memory source", "Source", "Tests",
                                      {pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
                                      {});
  }

 protected:
  flow create(buffer& out) override {
    if (produced_ == count) return flow::eos;
    const auto all = test_bytes(per_buffer * count);
    for (std::size_t s : sizes) {
      auto m = system_allocator().allocate(s);
      if (!m) return flow::error;
      {
        auto map = m->map(map_access::write);
        if (!map) return flow::error;
        std::memcpy(map->data(), all.data() + pos_, s);
      }
      if (!out.append_memory(std::move(m).value())) return flow::error;
      pos_ += s;
    }
    ++produced_;
    return flow::ok;
  }
  result<void> start() override {
    produced_ = 0;
    pos_ = 0;
    return {};
  }

 private:
  int produced_ = 0;
  std::size_t pos_ = 0;
};

element_registry& test_registry() {
  static element_registry r(test_runtime());
  static const bool filled = [] {
    r.add(filesink::factory());
    r.add(fakesrc::factory());
    r.add(multimem_src::factory());
    return true;
  }();
  (void)filled;
  return r;
}

/// fakesrc filltype=pattern fills each buffer with 00 01 02 ... ff 00 01 ...
std::vector<std::byte> pattern(std::size_t buffers, std::size_t size) {
  std::vector<std::byte> v;
  for (std::size_t b = 0; b < buffers; ++b)
    for (std::size_t i = 0; i < size; ++i) v.push_back(static_cast<std::byte>(i % 256));
  return v;
}

std::vector<std::byte> bytes_of(std::string_view s) {
  std::vector<std::byte> v;
  for (char c : s) v.push_back(static_cast<std::byte>(c));
  return v;
}

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Runs `desc` to EOS and back to NULL (which closes the file). Returns the error
/// text, or "" on EOS.
std::string run_to_end(const std::string& desc, pipeline_limits limits = {}) {
  auto p = build_pipeline(desc, test_registry(), "test", std::move(limits));
  if (!p) return "build: " + p.error().message;
  if ((*p)->set_state(state::playing) == state_change::failure) {
    auto err = wait_for_error(**p, 1000ms);
    return "set_state: " + (err ? err->source + ": " + err->get_string("message").value_or("") : std::string("no error posted"));
  }
  auto end = wait_for_end(**p);
  (*p)->set_state(state::null_state);
  if (!end) return "timeout";
  if (end->type != message_type::eos) return end->source + ": " + end->get_string("message").value_or("error without text");
  return "";
}

TEST(Filesink, WritesExactlyTheBytesOfEveryBuffer) {
  temp_dir dir;
  EXPECT_EQ(run_to_end("fakesrc num-buffers=10 size=300 filltype=pattern ! filesink location=" +
                       quoted(dir / "x.bin")),
            "");
  EXPECT_EQ(read_file(dir / "x.bin"), pattern(10, 300));
}

TEST(Filesink, TruncatesAnExistingFileByDefault) {
  temp_dir dir;
  write_file(dir / "x.bin", test_bytes(5000));
  EXPECT_EQ(run_to_end("fakesrc num-buffers=2 size=100 filltype=pattern ! filesink location=" + quoted(dir / "x.bin")),
            "");
  EXPECT_EQ(read_file(dir / "x.bin"), pattern(2, 100));
}

TEST(Filesink, AppendKeepsWhatWasThere) {
  temp_dir dir;
  write_file(dir / "x.bin", bytes_of("HEAD"));
  EXPECT_EQ(run_to_end("fakesrc num-buffers=3 size=40 filltype=pattern ! filesink append=true location=" +
                       quoted(dir / "x.bin")),
            "");
  EXPECT_EQ(read_file(dir / "x.bin"), concat(bytes_of("HEAD"), pattern(3, 40)));
}

TEST(Filesink, WritesEveryMemoryOfAMultiMemoryBufferInOrder) {
  temp_dir dir;
  EXPECT_EQ(run_to_end("multimemsrc ! filesink location=" + quoted(dir / "m.bin")), "");
  EXPECT_EQ(read_file(dir / "m.bin"), test_bytes(multimem_src::per_buffer * multimem_src::count));
}

TEST(Filesink, EmptyBuffersWriteNothing) {
  temp_dir dir;
  EXPECT_EQ(run_to_end("fakesrc num-buffers=5 size=0 ! filesink location=" + quoted(dir / "e.bin")), "");
  ASSERT_TRUE(fs::exists(dir / "e.bin"));
  EXPECT_EQ(fs::file_size(dir / "e.bin"), 0u);
}

TEST(Filesink, AWriteErrorNamesThePathAndTheReason) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string err = run_to_end("fakesrc num-buffers=3 size=100 ! filesink location=/dev/full");
  EXPECT_NE(err.find("filesink0"), std::string::npos) << err;
  EXPECT_NE(err.find("\"/dev/full\""), std::string::npos) << err;
  EXPECT_NE(err.find(std::strerror(ENOSPC)), std::string::npos) << err;
}

TEST(Filesink, AMissingDirectoryFailsAtOpenWithThePath) {
  temp_dir dir;
  const std::string err = run_to_end("fakesrc num-buffers=1 ! filesink location=" + quoted(dir / "no/such/x.bin"));
  EXPECT_EQ(err.rfind("set_state: ", 0), 0u) << err;
  EXPECT_NE(err.find((dir / "no/such/x.bin").string()), std::string::npos) << err;
  EXPECT_NE(err.find(std::strerror(ENOENT)), std::string::npos) << err;
}

TEST(Filesink, NoLocationIsAnError) {
  const std::string err = run_to_end("fakesrc num-buffers=1 ! filesink");
  EXPECT_NE(err.find("filesink0: no location"), std::string::npos) << err;
}

TEST(Filesink, SyncIsOffByDefault) {
  auto f = filesink::factory();
  const auto* sync = f->find_property("sync");
  ASSERT_NE(sync, nullptr);
  EXPECT_EQ(std::get<bool>(sync->default_value), false);
  const auto* append = f->find_property("append");
  ASSERT_NE(append, nullptr);
  EXPECT_EQ(std::get<bool>(append->default_value), false);
}

TEST(Filesink, TheFileIsClosedAndReopenedAcrossReady) {
  temp_dir dir;
  auto p = build_pipeline("fakesrc num-buffers=2 size=10 filltype=pattern ! filesink location=" + quoted(dir / "a.bin"),
                          test_registry(), "test");
  ASSERT_TRUE(p) << p.error().message;
  (*p)->set_state(state::playing);
  auto end = wait_for_end(**p);
  ASSERT_TRUE(end && end->type == message_type::eos);
  ASSERT_EQ((*p)->set_state(state::ready), state_change::success);
  EXPECT_EQ(read_file(dir / "a.bin"), pattern(2, 10));
  ASSERT_TRUE((*p)->find("filesink0")->set_property("location", property_value{(dir / "b.bin").string()}));
  (*p)->set_state(state::playing);
  end = wait_for_end(**p);
  ASSERT_TRUE(end && end->type == message_type::eos);
  (*p)->set_state(state::null_state);
  EXPECT_EQ(read_file(dir / "b.bin"), pattern(2, 10));
  EXPECT_EQ(read_file(dir / "a.bin"), pattern(2, 10));  // untouched by the second run
}

// --- media root (docs/deploy.md) ---

pipeline_limits rooted(const fs::path& root) {
  pipeline_limits l;
  l.media_root = root;
  return l;
}

std::string build_error(const std::string& location, const fs::path& root) {
  auto p = build_pipeline("fakesrc num-buffers=1 ! filesink location=" + location, test_registry(), "test",
                          rooted(root));
  return p ? std::string() : p.error().message;
}

TEST(FilesinkMediaRoot, ANewFileInsideTheRootIsCreated) {
  temp_dir root;
  fs::create_directory(root / "out");
  EXPECT_EQ(run_to_end("fakesrc num-buffers=4 size=25 filltype=pattern ! filesink location=out/new.bin",
                       rooted(root.path())),
            "");
  EXPECT_EQ(read_file(root / "out/new.bin"), pattern(4, 25));
}

TEST(FilesinkMediaRoot, AbsoluteAndDotDotAreRefusedWhenSet) {
  temp_dir root;
  std::string err = build_error(quoted(root / "x.bin"), root.path());
  EXPECT_NE(err.find("filesink0: location \"" + (root / "x.bin").string() + "\" is outside the media root"),
            std::string::npos)
      << err;
  const std::string escaped = root.path().filename().string() + ".escaped";  // a name nobody else uses
  err = build_error("../" + escaped, root.path());
  EXPECT_NE(err.find("filesink0: location \"../" + escaped + "\" is outside the media root"), std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(root.path().parent_path() / escaped));
}

TEST(FilesinkMediaRoot, ADirectorySymlinkOutOfTheRootIsRefusedAndNothingIsWritten) {
  temp_dir root;
  temp_dir outside;
  fs::create_directory_symlink(outside.path(), root / "out");
  const std::string err = build_error("out/x.bin", root.path());
  EXPECT_NE(err.find("filesink0: location \"out/x.bin\" is outside the media root"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(outside / "x.bin"));
}

TEST(FilesinkMediaRoot, TheFileItselfMustNotBeASymlink) {
  temp_dir root;
  temp_dir outside;
  write_file(outside / "victim.bin", bytes_of("keep me"));
  fs::create_symlink(outside / "victim.bin", root / "evil.bin");
  std::string err = build_error("evil.bin", root.path());
  EXPECT_NE(err.find("filesink0: location \"evil.bin\""), std::string::npos) << err;
  // A link to a file inside the root is refused too: a writer never follows one.
  write_file(root / "real.bin", bytes_of("inside"));
  fs::create_symlink("real.bin", root / "alias.bin");
  err = build_error("alias.bin", root.path());
  EXPECT_NE(err.find("symbolic link"), std::string::npos) << err;
  EXPECT_EQ(read_file(outside / "victim.bin"), bytes_of("keep me"));
  EXPECT_EQ(read_file(root / "real.bin"), bytes_of("inside"));
}

TEST(FilesinkMediaRoot, ASymlinkPlantedAfterTheCheckIsRefusedAtOpen) {
  temp_dir root;
  temp_dir outside;
  write_file(outside / "victim.bin", bytes_of("keep me"));
  auto p = build_pipeline("fakesrc num-buffers=1 ! filesink location=late.bin", test_registry(), "test",
                          rooted(root.path()));
  ASSERT_TRUE(p) << p.error().message;
  fs::create_symlink(outside / "victim.bin", root / "late.bin");
  EXPECT_EQ((*p)->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(**p);
  ASSERT_TRUE(err);
  const std::string text = err->get_string("message").value_or("");
  EXPECT_EQ(err->source, "filesink0");
  EXPECT_NE(text.find("location \"late.bin\" is a symbolic link"), std::string::npos) << text;
  EXPECT_EQ(read_file(outside / "victim.bin"), bytes_of("keep me"));
}

TEST(FilesinkMediaRoot, AParentDirectorySwappedForAnOutsideLinkIsRefusedAtOpen) {
  temp_dir root;
  temp_dir outside;
  fs::create_directory(root / "d");
  auto p = build_pipeline("fakesrc num-buffers=1 ! filesink location=d/x.bin", test_registry(), "test",
                          rooted(root.path()));
  ASSERT_TRUE(p) << p.error().message;
  fs::remove(root / "d");
  fs::create_directory_symlink(outside.path(), root / "d");
  EXPECT_EQ((*p)->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(**p);
  ASSERT_TRUE(err);
  EXPECT_NE(err->get_string("message").value_or("").find("is outside the media root"), std::string::npos);
  EXPECT_FALSE(fs::exists(outside / "x.bin"));
}

}  // namespace filesink_test
}  // namespace tessera::core
