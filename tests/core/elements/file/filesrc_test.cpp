#include "core/elements/file/filesrc.hpp"

#include "core/graph/pipeline_builder.hpp"
#include "tests/core/support/file_test_support.hpp"
#include "tests/core/support/harness.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace tessera::core {
namespace filesrc_test {

using namespace file_test;
using test::harness_sink;
using namespace std::chrono_literals;

/// A sink that pulls: its pad asks to be activated in pull mode, and it pulls one
/// range while going READY -> PAUSED, before the source upstream has been started
/// (elements change state sinks first).
class pull_sink final : public element {
 public:
  pull_sink(const element_factory& f, std::string name) : element(f, std::move(name)) {}
  static std::unique_ptr<element_factory> factory() {
    return make_factory<pull_sink>("pullsink", "Pulling sink", "Sink", "Pulls ranges (tests)",
                                   {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                                   {});
  }
  pad& sinkpad() const { return *static_pad(pad_direction::sink); }

  flow early_flow = flow::error;
  buffer early;

 protected:
  bool wants_pull(const pad&) const override { return true; }
  state_change change_state(state from, state to) override {
    const state_change r = element::change_state(from, to);
    if (from == state::ready && to == state::paused && r != state_change::failure)
      early_flow = sinkpad().pull_range(0, 16, early);
    return r;
  }
};

element_registry& test_registry() {
  static element_registry r(test_runtime());
  static const bool filled = [] {
    r.add(filesrc::factory());
    r.add(harness_sink::factory());
    r.add(pull_sink::factory());
    return true;
  }();
  (void)filled;
  return r;
}

std::unique_ptr<pipeline> build(const std::string& desc, pipeline_limits limits = {}) {
  auto p = build_pipeline(desc, test_registry(), "test", std::move(limits));
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

std::vector<std::byte> slice(const std::vector<std::byte>& v, std::size_t from, std::size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(from + n)};
}

TEST(Filesrc, PushModeReadsTheFileInBlocksWithByteOffsets) {
  temp_dir dir;
  const auto data = test_bytes(10'300);
  write_file(dir / "data.bin", data);
  auto p = build("filesrc location=" + quoted(dir / "data.bin") + " blocksize=1000 ! harnesssink");
  ASSERT_TRUE(p);
  ASSERT_NE(p->set_state(state::playing), state_change::failure);
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
  auto* sink = static_cast<harness_sink*>(p->find("harnesssink0"));
  const auto recs = sink->records();
  ASSERT_EQ(recs.size(), 11u);  // ten full blocks and one of 300 bytes
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const std::size_t expect_size = i < 10 ? 1000 : 300;
    EXPECT_EQ(recs[i].bytes.size(), expect_size) << "buffer " << i;
    EXPECT_EQ(recs[i].offset, i * 1000) << "buffer " << i;
    EXPECT_EQ(recs[i].offset_end, i * 1000 + expect_size) << "buffer " << i;
    EXPECT_EQ(recs[i].discont, i == 0) << "buffer " << i;
  }
  EXPECT_EQ(sink->all_bytes(), data);
}

TEST(Filesrc, DefaultBlocksizeIs4096) {
  temp_dir dir;
  const auto data = test_bytes(9000);
  write_file(dir / "d.bin", data);
  auto p = build("filesrc location=" + quoted(dir / "d.bin") + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::playing);
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end && end->type == message_type::eos);
  const auto recs = static_cast<harness_sink*>(p->find("harnesssink0"))->records();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].bytes.size(), 4096u);
  EXPECT_EQ(recs[1].bytes.size(), 4096u);
  EXPECT_EQ(recs[2].bytes.size(), 9000u - 2 * 4096);
  EXPECT_EQ(recs[2].offset, 8192u);
}

TEST(Filesrc, EmptyFileEndsAtOnce) {
  temp_dir dir;
  write_file(dir / "empty.bin", {});
  auto p = build("filesrc location=" + quoted(dir / "empty.bin") + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::playing);
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->type, message_type::eos);
  EXPECT_TRUE(static_cast<harness_sink*>(p->find("harnesssink0"))->records().empty());
}

TEST(Filesrc, ByteSeekInPushModeRestartsAtTheOffset) {
  temp_dir dir;
  const auto data = test_bytes(8000);
  write_file(dir / "data.bin", data);
  auto p = build("filesrc location=" + quoted(dir / "data.bin") + " blocksize=500 ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(5000ms), state::paused);  // prerolled on the first block
  seek_request seek;
  seek.format = seek_format::bytes;
  seek.flags = seek_flags::flush;
  seek.start = 5250;
  ASSERT_TRUE(p->seek(seek)) << "seek refused";
  p->set_state(state::playing);
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end);
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
  const auto recs = static_cast<harness_sink*>(p->find("harnesssink0"))->records();
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.front().offset, 5250u);
  EXPECT_TRUE(recs.front().discont);
  std::vector<std::byte> got;
  for (const auto& r : recs) got.insert(got.end(), r.bytes.begin(), r.bytes.end());
  EXPECT_EQ(got, slice(data, 5250, 8000 - 5250));
}

TEST(Filesrc, ByteSeekWithStopEndsThere) {
  temp_dir dir;
  const auto data = test_bytes(8000);
  write_file(dir / "data.bin", data);
  auto p = build("filesrc location=" + quoted(dir / "data.bin") + " blocksize=1000 ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(5000ms), state::paused);
  seek_request seek;
  seek.format = seek_format::bytes;
  seek.start = 100;
  seek.stop = 2600;
  ASSERT_TRUE(p->seek(seek));
  p->set_state(state::playing);
  auto end = wait_for_end(*p);
  ASSERT_TRUE(end && end->type == message_type::eos);
  const auto recs = static_cast<harness_sink*>(p->find("harnesssink0"))->records();
  ASSERT_EQ(recs.size(), 3u);  // 100..1100, 1100..2100, 2100..2600
  EXPECT_EQ(recs[2].offset, 2100u);
  EXPECT_EQ(recs[2].offset_end, 2600u);
  EXPECT_EQ(static_cast<harness_sink*>(p->find("harnesssink0"))->all_bytes(), slice(data, 100, 2500));
}

TEST(Filesrc, TimeSeekIsRefused) {
  temp_dir dir;
  write_file(dir / "data.bin", test_bytes(100'000));
  auto p = build("filesrc location=" + quoted(dir / "data.bin") + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(5000ms), state::paused);
  seek_request seek;  // time format
  seek.start = 1'000'000'000;
  EXPECT_FALSE(p->seek(seek));
}

TEST(Filesrc, PullModeAnswersExactRangesShortAtTheEndAndEosPastIt) {
  temp_dir dir;
  const auto data = test_bytes(1000);
  write_file(dir / "data.bin", data);
  auto p = build("filesrc location=" + quoted(dir / "data.bin") + " ! pullsink");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->set_state(state::paused), state_change::success);
  auto* src = static_cast<filesrc*>(p->find("filesrc0"));
  auto* sink = static_cast<pull_sink*>(p->find("pullsink0"));
  EXPECT_EQ(src->srcpad().mode(), pad_mode::pull);
  EXPECT_EQ(sink->sinkpad().mode(), pad_mode::pull);

  // Pulled while the sink went to PAUSED, before filesrc's own READY -> PAUSED.
  ASSERT_EQ(sink->early_flow, flow::ok);
  EXPECT_EQ(sink->early.size(), 16u);

  buffer b;
  ASSERT_EQ(sink->sinkpad().pull_range(100, 250, b), flow::ok);
  ASSERT_EQ(b.size(), 250u);
  EXPECT_EQ(b.offset, 100u);
  EXPECT_EQ(b.offset_end, 350u);
  {
    auto m = b.map(map_access::read);
    ASSERT_TRUE(m);
    EXPECT_EQ(std::vector<std::byte>(m->data(), m->data() + m->size()), slice(data, 100, 250));
  }
  buffer tail;
  ASSERT_EQ(sink->sinkpad().pull_range(900, 4096, tail), flow::ok);
  ASSERT_EQ(tail.size(), 100u);  // short: only 100 bytes remain
  EXPECT_EQ(tail.offset_end, 1000u);
  {
    auto m = tail.map(map_access::read);
    ASSERT_TRUE(m);
    EXPECT_EQ(std::vector<std::byte>(m->data(), m->data() + m->size()), slice(data, 900, 100));
  }
  buffer none;
  EXPECT_EQ(sink->sinkpad().pull_range(1000, 10, none), flow::eos);
  EXPECT_EQ(sink->sinkpad().pull_range(5000, 10, none), flow::eos);
  // No task pushed anything in pull mode.
  EXPECT_EQ(src->srcpad().counters().buffers.load(), 3u);  // the three successful pulls
}

TEST(Filesrc, PullModeSeesTheFileAgainAfterARestart) {
  temp_dir dir;
  write_file(dir / "data.bin", test_bytes(64));
  auto p = build("filesrc location=" + quoted(dir / "data.bin") + " ! pullsink");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->set_state(state::paused), state_change::success);
  ASSERT_EQ(p->set_state(state::ready), state_change::success);
  const auto v2 = test_bytes(64, 99);
  write_file(dir / "data.bin", v2);
  ASSERT_EQ(p->set_state(state::paused), state_change::success);
  auto* sink = static_cast<pull_sink*>(p->find("pullsink0"));
  buffer b;
  ASSERT_EQ(sink->sinkpad().pull_range(0, 64, b), flow::ok);
  auto m = b.map(map_access::read);
  ASSERT_TRUE(m);
  EXPECT_EQ(std::vector<std::byte>(m->data(), m->data() + m->size()), v2);
}

TEST(Filesrc, MissingFileFailsWithThePathAndTheReason) {
  temp_dir dir;
  const auto path = dir / "nope.bin";
  auto p = build("filesrc location=" + quoted(path) + " ! harnesssink");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(*p);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->source, "filesrc0");
  const std::string text = err->get_string("message").value_or("");
  EXPECT_FALSE(text.starts_with("filesrc0")) << "the source names the element; the text does not repeat it: " << text;
  EXPECT_NE(text.find(path.string()), std::string::npos) << text;
  EXPECT_NE(text.find(std::strerror(ENOENT)), std::string::npos) << text;
}

TEST(Filesrc, DirectoryFailsWithThePathAndTheReason) {
  temp_dir dir;
  auto p = build("filesrc location=" + quoted(dir.path()) + " ! harnesssink");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(*p);
  ASSERT_TRUE(err);
  const std::string text = err->get_string("message").value_or("");
  EXPECT_NE(text.find(dir.path().string()), std::string::npos) << text;
  EXPECT_NE(text.find(std::strerror(EISDIR)), std::string::npos) << text;
}

TEST(Filesrc, UnreadableFileFailsWithTheReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  temp_dir dir;
  write_file(dir / "secret.bin", test_bytes(10));
  fs::permissions(dir / "secret.bin", fs::perms::none);
  auto p = build("filesrc location=" + quoted(dir / "secret.bin") + " ! harnesssink");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(*p);
  ASSERT_TRUE(err);
  EXPECT_NE(err->get_string("message").value_or("").find(std::strerror(EACCES)), std::string::npos);
}

TEST(Filesrc, NoLocationIsAnError) {
  auto p = build("filesrc ! harnesssink");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(*p);
  ASSERT_TRUE(err);
  EXPECT_NE(err->get_string("message").value_or("").find("no location"), std::string::npos);
}

TEST(Filesrc, LocationCannotChangeWhilePaused) {
  temp_dir dir;
  write_file(dir / "a.bin", test_bytes(100'000));
  auto p = build("filesrc location=" + quoted(dir / "a.bin") + " ! harnesssink");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(5000ms), state::paused);
  auto r = p->find("filesrc0")->set_property("location", property_value{std::string("b.bin")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::bad_state));
  p->set_state(state::ready);
  EXPECT_TRUE(p->find("filesrc0")->set_property("location", property_value{std::string("b.bin")}));
}

// --- media root (docs/deploy.md) ---

pipeline_limits rooted(const fs::path& root) {
  pipeline_limits l;
  l.media_root = root;
  return l;
}

std::string build_error(const std::string& desc, const fs::path& root) {
  auto p = build_pipeline(desc, test_registry(), "test", rooted(root));
  return p ? std::string() : p.error().message;
}

TEST(FilesrcMediaRoot, RelativeLocationReadsInsideTheRoot) {
  temp_dir root;
  fs::create_directory(root / "clips");
  const auto data = test_bytes(3000);
  write_file(root / "clips/a.bin", data);
  auto p = build_pipeline("filesrc location=clips/a.bin ! harnesssink", test_registry(), "test", rooted(root.path()));
  ASSERT_TRUE(p) << p.error().message;
  (*p)->set_state(state::playing);
  auto end = wait_for_end(**p);
  ASSERT_TRUE(end && end->type == message_type::eos);
  EXPECT_EQ(static_cast<harness_sink*>((*p)->find("harnesssink0"))->all_bytes(), data);
}

TEST(FilesrcMediaRoot, AbsolutePathIsRefusedWhenSet) {
  temp_dir root;
  write_file(root / "a.bin", test_bytes(10));
  // Even an absolute path that names a file inside the root.
  const std::string err = build_error("filesrc location=" + quoted(root / "a.bin") + " ! harnesssink", root.path());
  EXPECT_NE(err.find("filesrc0: location \"" + (root / "a.bin").string() + "\" is outside the media root"),
            std::string::npos)
      << err;
}

TEST(FilesrcMediaRoot, DotDotIsRefusedWhenSet) {
  temp_dir root;
  const std::string err = build_error("filesrc location=../etc/passwd ! harnesssink", root.path());
  EXPECT_NE(err.find("filesrc0: location \"../etc/passwd\" is outside the media root"), std::string::npos) << err;
  // Also when it would come back inside.
  fs::create_directory(root / "a");
  write_file(root / "x.bin", test_bytes(10));
  EXPECT_NE(build_error("filesrc location=a/../x.bin ! harnesssink", root.path()).find("outside the media root"),
            std::string::npos);
}

TEST(FilesrcMediaRoot, SymlinkOutOfTheRootIsRefusedWhenSet) {
  temp_dir root;
  temp_dir outside;
  write_file(outside / "secret.bin", test_bytes(10));
  fs::create_directory_symlink(outside.path(), root / "out");
  const std::string err = build_error("filesrc location=out/secret.bin ! harnesssink", root.path());
  EXPECT_NE(err.find("filesrc0: location \"out/secret.bin\" is outside the media root"), std::string::npos) << err;
  // A link to the file itself, and a relative link climbing out.
  fs::create_symlink(outside / "secret.bin", root / "direct.bin");
  EXPECT_NE(build_error("filesrc location=direct.bin ! harnesssink", root.path()).find("outside the media root"),
            std::string::npos);
  fs::create_symlink("../../../../../../../../etc/passwd", root / "climb.bin");
  EXPECT_NE(build_error("filesrc location=climb.bin ! harnesssink", root.path()).find("outside the media root"),
            std::string::npos);
}

TEST(FilesrcMediaRoot, SymlinksThatStayInsideAreFollowed) {
  temp_dir root;
  fs::create_directories(root / "store/deep");
  fs::create_directory(root / "links");
  const auto data = test_bytes(700);
  write_file(root / "store/deep/a.bin", data);
  fs::create_symlink("../store/deep/a.bin", root / "links/rel.bin");  // relative, via ".."
  fs::create_symlink(root / "store/deep/a.bin", root / "links/abs.bin");  // absolute, under the root
  fs::create_directory_symlink("store/deep", root / "dirlink");           // a directory link on the way
  for (const char* loc : {"links/rel.bin", "links/abs.bin", "dirlink/a.bin"}) {
    SCOPED_TRACE(loc);
    auto p = build_pipeline(std::string("filesrc location=") + loc + " ! harnesssink", test_registry(), "test",
                            rooted(root.path()));
    ASSERT_TRUE(p) << p.error().message;
    (*p)->set_state(state::playing);
    auto end = wait_for_end(**p);
    ASSERT_TRUE(end);
    ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
    EXPECT_EQ(static_cast<harness_sink*>((*p)->find("harnesssink0"))->all_bytes(), data);
  }
}

TEST(FilesrcMediaRoot, ASymlinkPlantedAfterTheCheckIsRefusedAtOpen) {
  temp_dir root;
  temp_dir outside;
  write_file(outside / "secret.bin", test_bytes(10));
  // "later" does not exist when the property is set: nothing to refuse yet.
  auto p = build_pipeline("filesrc location=later/secret.bin ! harnesssink", test_registry(), "test",
                          rooted(root.path()));
  ASSERT_TRUE(p) << p.error().message;
  fs::create_directory_symlink(outside.path(), root / "later");
  EXPECT_EQ((*p)->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(**p);
  ASSERT_TRUE(err);
  const std::string text = err->get_string("message").value_or("");
  EXPECT_EQ(err->source, "filesrc0");
  EXPECT_NE(text.find("location \"later/secret.bin\" is outside the media root"), std::string::npos) << text;
  EXPECT_TRUE(static_cast<harness_sink*>((*p)->find("harnesssink0"))->records().empty());
}

TEST(FilesrcMediaRoot, MissingFileInsideTheRootIsReportedAtOpen) {
  temp_dir root;
  auto p = build_pipeline("filesrc location=none.bin ! harnesssink", test_registry(), "test", rooted(root.path()));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)->set_state(state::paused), state_change::failure);
  auto err = wait_for_error(**p);
  ASSERT_TRUE(err);
  const std::string text = err->get_string("message").value_or("");
  EXPECT_NE(text.find("\"none.bin\""), std::string::npos) << text;
  EXPECT_NE(text.find(std::strerror(ENOENT)), std::string::npos) << text;
}

}  // namespace filesrc_test
}  // namespace tessera::core
