// shmsink / shmsrc in one process: the protocol end to end (caps, buffers, release,
// EOS), no copy, readers and writers that go away, a full segment, confinement of
// the control socket. The two-process run is tests/integration/shm_two_process.sh.
#include "core/elements/shm/shmsink.hpp"
#include "core/elements/shm/shmsrc.hpp"
#include "core/elements/routing/appsink.hpp"
#include "core/memory/counters.hpp"
#include "tests/core/support/file_test_support.hpp"
#include "tests/core/elements/routing/routing_test_support.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace tessera::core {
namespace shm_elements_test {

using namespace routing_test;
using namespace std::chrono_literals;
using file_test::temp_dir;

std::vector<std::byte> bytes_of(const buffer& b) {
  auto copy = b.share();
  auto map = copy.map(map_access::read);
  EXPECT_TRUE(map);
  return map ? std::vector<std::byte>(map->data(), map->data() + map->size()) : std::vector<std::byte>{};
}

/// The frames `testsrc <props>` makes, pulled from an appsink.
std::vector<std::vector<std::byte>> reference_frames(const std::string& props, std::size_t n) {
  auto p = build("testsrc " + props + " ! appsink name=out sync=false");
  EXPECT_NE(p->set_state(state::playing), state_change::failure);
  std::vector<std::vector<std::byte>> out;
  auto* sink = get<appsink>(*p, "out");
  while (out.size() < n) {
    auto s = sink->pull_sample(5s);
    if (!s) break;
    out.push_back(bytes_of(s->buffer));
  }
  p->set_state(state::null_state);
  return out;
}

/// Polls `pred` for up to 10 s.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string text_of(const message& m) {
  const auto* v = m.find("message");
  return v ? std::get<std::string>(*v) : std::string();
}

/// The messages up to and including EOS or an error (at most 20 s).
std::vector<message> messages_until_end(pipeline& p) {
  std::vector<message> out;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.bus().pop_filtered(50ms, {message_type::eos, message_type::error, message_type::warning});
    if (!m) continue;
    out.push_back(*m);
    if (m->type != message_type::warning) break;
  }
  return out;
}

/// The first message of `type` within 10 s, skipping others.
std::optional<message> wait_for(pipeline& p, message_type type) {
  return p.bus().pop_filtered(10s, {type});
}

TEST(ShmElements, FramesReachTheReaderWithTheirCapsAndWithoutACopy) {
  temp_dir dir;
  const std::string sock = (dir / "frames.sock").string();
  const std::string src_props = "num-buffers=10 width=64 height=48 pattern=ball";
  const auto expected = reference_frames(src_props, 10);
  ASSERT_EQ(expected.size(), 10u);

  const auto copied_before = memory_counters_snapshot().copied_bytes;
  auto writer = build("testsrc " + src_props + " ! shmsink name=sink sync=false socket-path=" + sock);
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  auto reader = build("shmsrc socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto* out = get<appsink>(*reader, "out");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto s = out->pull_sample(10s);
    ASSERT_TRUE(s) << "frame " << i;
    EXPECT_EQ(s->caps.to_string(),
              "video/x-raw,format=RGBA,width=64,height=48,framerate=30/1,layout=linear,pixel-aspect-ratio=1/1");
    EXPECT_EQ(bytes_of(s->buffer), expected[i]) << "frame " << i;
    EXPECT_EQ(s->buffer.offset, i);
    ASSERT_EQ(s->buffer.n_memory(), 1u);
    EXPECT_TRUE(s->buffer.peek_memory(0).is_readonly());  // the writer's pages, read-only here
  }
  EXPECT_TRUE(eventually([&] { return out->is_eos(); }));  // the writer's EOS came through
  // testsrc pad-allocated in the segment: the frames went across without a copy.
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, copied_before);
  // Every buffer was released back to the writer when its sample died.
  auto* sink = get<shmsink>(*writer, "sink");
  EXPECT_TRUE(eventually([&] { return sink->held_buffers() == 0; }));
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

TEST(ShmElements, BuffersStayHeldUntilTheReadersReferenceDies) {
  temp_dir dir;
  const std::string sock = (dir / "hold.sock").string();
  auto writer = build("testsrc num-buffers=3 width=16 height=16 ! shmsink name=sink sync=false socket-path=" + sock);
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  auto reader = build("shmsrc socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto* out = get<appsink>(*reader, "out");
  auto* sink = get<shmsink>(*writer, "sink");
  std::vector<buffer> kept;
  for (int i = 0; i < 3; ++i) {
    auto s = out->pull_sample(10s);
    ASSERT_TRUE(s);
    kept.push_back(std::move(s->buffer));
  }
  EXPECT_EQ(sink->held_buffers(), 3u);
  kept.pop_back();
  EXPECT_TRUE(eventually([&] { return sink->held_buffers() == 2; }));
  kept.clear();
  EXPECT_TRUE(eventually([&] { return sink->held_buffers() == 0; }));
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

TEST(ShmElements, BuffersNotFromTheSegmentAreCopiedInOnce) {
  temp_dir dir;
  const std::string sock = (dir / "copy.sock").string();
  auto writer = build("testsrc num-buffers=4 width=16 height=8 peer-alloc=false ! shmsink sync=false socket-path=" + sock);
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  const auto before = memory_counters_snapshot().copied_bytes;
  auto reader = build("shmsrc socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto* out = get<appsink>(*reader, "out");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(out->pull_sample(10s));
  EXPECT_EQ(memory_counters_snapshot().copied_bytes - before, 4u * 16 * 8 * 4);
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

TEST(ShmElements, AReaderThatGoesAwayIsDroppedWithAWarningAndTheWriterGoesOn) {
  temp_dir dir;
  const std::string sock = (dir / "leave.sock").string();
  // sync=true: 40 frames at 30/s, so the stream is still going when the reader leaves.
  auto writer = build("testsrc num-buffers=40 width=16 height=16 ! shmsink name=sink socket-path=" + sock);
  auto reader = build("shmsrc socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto* out = get<appsink>(*reader, "out");
  std::vector<buffer> kept;  // the departed reader held these: the writer must not wait for them
  for (int i = 0; i < 3; ++i) {
    auto s = out->pull_sample(10s);
    ASSERT_TRUE(s);
    kept.push_back(std::move(s->buffer));
  }
  reader->set_state(state::null_state);
  const auto messages = messages_until_end(*writer);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().type, message_type::eos) << text_of(messages.back());
  bool warned = false;
  for (const auto& m : messages)
    warned = warned || (m.type == message_type::warning && text_of(m).find("reader 1 dropped") != std::string::npos);
  EXPECT_TRUE(warned);
  EXPECT_EQ(get<shmsink>(*writer, "sink")->rendered(), 40u);
  EXPECT_EQ(get<shmsink>(*writer, "sink")->held_buffers(), 0u);
  writer->set_state(state::null_state);
}

TEST(ShmElements, AWriterThatGoesWithoutEosIsAnErrorForTheReader) {
  temp_dir dir;
  const std::string sock = (dir / "gone.sock").string();
  auto writer = build("testsrc width=16 height=16 ! shmsink sync=false socket-path=" + sock);
  auto reader = build("shmsrc socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  ASSERT_TRUE(get<appsink>(*reader, "out")->pull_sample(10s));
  writer->set_state(state::null_state);
  auto e = wait_for(*reader, message_type::error);
  ASSERT_TRUE(e);
  EXPECT_NE(text_of(*e).find("Control socket has closed"), std::string::npos) << text_of(*e);
  reader->set_state(state::null_state);
}

TEST(ShmElements, AFullSegmentDropsBuffersWithAWarningInsteadOfStalling) {
  temp_dir dir;
  const std::string sock = (dir / "full.sock").string();
  // Room for 2 frames of 32x32 RGBA (4096 bytes); the reader never lets go of any.
  auto writer = build("testsrc num-buffers=10 width=32 height=32 ! shmsink name=sink sync=false shm-size=8192 "
                      "full-timeout=0 socket-path=" + sock);
  auto reader = build("shmsrc socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto warning = wait_for(*writer, message_type::warning);
  ASSERT_TRUE(warning);
  EXPECT_NE(text_of(*warning).find("stayed full"), std::string::npos) << text_of(*warning);
  EXPECT_TRUE(wait_eos(*writer));
  auto* out = get<appsink>(*reader, "out");
  EXPECT_TRUE(eventually([&] { return out->got_eos(); }));
  EXPECT_EQ(out->pull_all(100ms).size(), 2u);
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

TEST(ShmElements, ABufferLargerThanTheSegmentIsAnErrorNamingBoth) {
  temp_dir dir;
  const std::string sock = (dir / "big.sock").string();
  auto writer = build("testsrc num-buffers=1 width=64 height=64 peer-alloc=false ! shmsink sync=false "
                      "shm-size=4096 socket-path=" + sock);
  auto reader = build("shmsrc socket-path=" + sock + " ! fakesink");
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto e = wait_for(*writer, message_type::error);
  ASSERT_TRUE(e);
  EXPECT_NE(text_of(*e).find("segment of 4096 bytes is smaller than a buffer of 16384 bytes"), std::string::npos) << text_of(*e);
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

TEST(ShmElements, ReadersWithoutAWriterAndTwoWritersOnOnePathAreRefused) {
  temp_dir dir;
  const std::string sock = (dir / "one.sock").string();
  auto lonely = build("shmsrc socket-path=" + sock + " ! fakesink");
  EXPECT_EQ(lonely->set_state(state::paused), state_change::failure);
  auto e = wait_for(*lonely, message_type::error);
  ASSERT_TRUE(e);
  EXPECT_NE(text_of(*e).find(sock), std::string::npos) << text_of(*e);

  auto first = build("testsrc ! shmsink socket-path=" + sock);
  ASSERT_NE(first->set_state(state::paused), state_change::failure);
  auto second = build("testsrc ! shmsink socket-path=" + sock);
  EXPECT_EQ(second->set_state(state::paused), state_change::failure);
  e = wait_for(*second, message_type::error);
  ASSERT_TRUE(e);
  EXPECT_NE(text_of(*e).find("in use by another writer"), std::string::npos) << text_of(*e);
  first->set_state(state::null_state);
  second->set_state(state::null_state);
  EXPECT_FALSE(std::filesystem::exists(sock));  // the writer removes its socket file
}

TEST(ShmElements, AStaleSocketFileIsReplacedAndOtherFilesAreNot) {
  temp_dir dir;
  const std::string stale = (dir / "stale.sock").string();
  {  // a socket file nobody listens on, as a killed writer leaves it
    file_test::write_file(dir / "plain", {});
    const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, stale.c_str(), sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::close(s);
  }
  auto w = build("testsrc ! shmsink socket-path=" + stale);
  EXPECT_NE(w->set_state(state::paused), state_change::failure);
  w->set_state(state::null_state);
  auto plain = build("testsrc ! shmsink socket-path=" + (dir / "plain").string());
  EXPECT_EQ(plain->set_state(state::paused), state_change::failure);
  auto e = wait_for(*plain, message_type::error);
  ASSERT_TRUE(e);
  EXPECT_NE(text_of(*e).find("exists and is not a socket"), std::string::npos) << text_of(*e);
  EXPECT_TRUE(std::filesystem::exists(dir / "plain"));
  plain->set_state(state::null_state);
}

TEST(ShmElements, TheControlSocketStaysInsideTheMediaRoot) {
  temp_dir dir;
  std::filesystem::create_directory(dir / "media");
  std::filesystem::create_directory(dir / "media" / "sub");
  pipeline_limits limits;
  limits.media_root = dir / "media";
  for (const std::string desc : {"testsrc ! shmsink socket-path=../out.sock", "shmsrc socket-path=/tmp/x.sock ! fakesink",
                                 "shmsrc socket-path=sub/../../x.sock ! fakesink"}) {
    auto p = build_pipeline(desc, registry(), "confined", limits);
    ASSERT_FALSE(p) << desc;
    EXPECT_EQ(p.error(), errc::permission_denied) << p.error().message;
    EXPECT_NE(p.error().message.find("socket-path"), std::string::npos) << p.error().message;
  }
  // A symlink out of the root is refused when the socket is made.
  std::filesystem::create_directory_symlink(dir.path(), dir / "media" / "out");
  auto escape = build_pipeline("testsrc ! shmsink socket-path=out/x.sock", registry(), "confined", limits);
  if (escape) {
    EXPECT_EQ((*escape)->set_state(state::paused), state_change::failure);
    (*escape)->set_state(state::null_state);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.sock"));

  // Inside the root: relative to it.
  auto writer = build_pipeline("testsrc num-buffers=2 width=8 height=8 ! shmsink sync=false socket-path=sub/s.sock",
                               registry(), "w", limits).value();
  auto reader = build_pipeline("shmsrc socket-path=sub/s.sock ! appsink name=out sync=false", registry(), "r",
                               limits).value();
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  EXPECT_TRUE(std::filesystem::exists(dir / "media" / "sub" / "s.sock"));
  struct stat st{};
  ASSERT_EQ(::stat((dir / "media" / "sub" / "s.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);  // perms
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  EXPECT_TRUE(get<appsink>(*reader, "out")->pull_sample(10s));
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

TEST(ShmElements, DoTimestampStampsTheArrivalRunningTime) {
  temp_dir dir;
  const std::string sock = (dir / "ts.sock").string();
  auto writer = build("testsrc num-buffers=3 width=8 height=8 ! shmsink sync=false socket-path=" + sock);
  auto reader = build("shmsrc do-timestamp=true socket-path=" + sock + " ! appsink name=out sync=false");
  ASSERT_NE(reader->set_state(state::null_state), state_change::failure);
  ASSERT_NE(writer->set_state(state::playing), state_change::failure);
  ASSERT_NE(reader->set_state(state::playing), state_change::failure);
  auto* out = get<appsink>(*reader, "out");
  std::vector<clock_time> pts;
  for (int i = 0; i < 3; ++i) {
    auto s = out->pull_sample(10s);
    ASSERT_TRUE(s);
    pts.push_back(s->buffer.pts);
  }
  // The writer's pts are 0, 33 ms and 66 ms; arrival times are whatever they were,
  // in order, and the first is not the writer's 0 unless the clock says so.
  for (std::size_t i = 1; i < pts.size(); ++i) EXPECT_GE(pts[i], pts[i - 1]);
  for (clock_time t : pts) EXPECT_TRUE(is_valid_time(t));
  reader->set_state(state::null_state);
  writer->set_state(state::null_state);
}

}  // namespace shm_elements_test
}  // namespace tessera::core
