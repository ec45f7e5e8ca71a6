// frame_forwarder: a websink viewer that shares frame bytes with the client's bounded
// queue, without copying and without waiting.
#include "server/frame_routes.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace tessera::server {
namespace frame_routes_test {

/// A client with only a queue (what a WebSocket or MJPEG response is to a producer).
class queue_client final : public net::outbound_client {
 public:
  explicit queue_client(std::size_t capacity)
      : outbound_client(std::make_shared<net::send_queue>(capacity), boost::asio::ip::tcp::endpoint{}) {}
  net::send_queue& q() { return *queue_; }
};

core::encoded_frame make_frame(std::uint64_t sequence, std::size_t size = 16) {
  std::shared_ptr<std::byte[]> bytes(new std::byte[size]);
  std::memset(bytes.get(), static_cast<int>(sequence), size);
  core::encoded_frame f;
  f.data = std::move(bytes);
  f.size = size;
  f.width = 4;
  f.height = 4;
  f.sequence = sequence;
  return f;
}

TEST(FrameForwarder, IgnoresFramesUntilAttachedThenSendsTheFirstFrameFirst) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(8);
  frame_forwarder fwd(metrics);
  fwd.on_frame(make_frame(1));  // the slot is reserved, the handshake not done yet
  EXPECT_EQ(client->q().size(), 0u);

  fwd.attach(client, make_frame(2));
  fwd.on_frame(make_frame(2));  // delivered during attach: already sent
  fwd.on_frame(make_frame(1));  // older: skipped
  fwd.on_frame(make_frame(3));
  ASSERT_EQ(client->q().size(), 2u);
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{2});
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{3});
  EXPECT_EQ(fwd.frames_queued(), 2u);
  EXPECT_EQ(metrics.frames_streamed.load(), 2u);
}

TEST(FrameForwarder, SharesTheFrameBytesWithoutCopying) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(8);
  frame_forwarder fwd(metrics);
  fwd.attach(client, std::nullopt);
  const auto frame = make_frame(1, 1000);
  const long owners_before = frame.data.use_count();
  fwd.on_frame(frame);
  EXPECT_EQ(frame.data.use_count(), owners_before + 1);  // the queued payload holds it
  auto taken = client->q().take();
  ASSERT_EQ(taken.status, net::send_queue::take_status::message);
  EXPECT_EQ(taken.message.payload.data.get(), frame.data.get());
  EXPECT_EQ(taken.message.payload.size, 1000u);
  EXPECT_EQ(taken.message.kind, net::message_kind::binary);
}

TEST(FrameForwarder, ASlowClientLosesOldFramesAndTheyAreCounted) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(2);
  frame_forwarder fwd(metrics);
  fwd.attach(client, std::nullopt);
  for (std::uint64_t s = 1; s <= 5; ++s) fwd.on_frame(make_frame(s));  // nobody reads
  EXPECT_EQ(client->q().size(), 2u);
  EXPECT_EQ(fwd.frames_dropped(), 3u);
  EXPECT_EQ(metrics.dropped_frames.load(), 3u);
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{4});  // the newest survive
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{5});
}

/// An encoded frame of one stream (its configuration shared by every frame).
core::encoded_frame encoded(std::uint64_t sequence, bool key,
                            const std::shared_ptr<const core::encoded_video_config>& config) {
  core::encoded_frame f = make_frame(sequence);
  f.key = key;
  f.config = config;
  return f;
}

std::shared_ptr<const core::encoded_video_config> h264_config() {
  core::encoded_video_config c;
  c.media_type = "video/x-h264";
  c.codec = "avc1.64000d";
  c.width = 320;
  c.height = 240;
  c.description = {1, 0x64, 0, 0x0d, 0xff};
  return std::make_shared<const core::encoded_video_config>(std::move(c));
}

TEST(FrameForwarder, EncodedViewerStartsWithTheConfigThenAKeyFrame) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(8);
  frame_forwarder fwd(metrics);
  const auto config = h264_config();
  fwd.attach(client, encoded(1, false, config));  // joined mid-GOP: nothing yet
  EXPECT_TRUE(fwd.wants_key_frame());
  fwd.on_frame(encoded(2, false, config));
  EXPECT_EQ(client->q().size(), 0u);
  fwd.on_frame(encoded(3, true, config));
  fwd.on_frame(encoded(4, false, config));
  EXPECT_FALSE(fwd.wants_key_frame());
  ASSERT_EQ(client->q().size(), 3u);
  auto text = client->q().take().message;
  EXPECT_EQ(text.kind, net::message_kind::text);
  EXPECT_EQ(text.payload.text(), R"({"codec":"avc1.64000d","width":320,"height":240,"description":"AWQADf8="})");
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{3});
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{4});
}

TEST(FrameForwarder, ASlowEncodedViewerSkipsToTheNextKeyFrame) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(3);
  frame_forwarder fwd(metrics);
  const auto config = h264_config();
  fwd.attach(client, std::nullopt);
  fwd.on_frame(encoded(1, true, config));   // config + key
  fwd.on_frame(encoded(2, false, config));  // queue full now
  fwd.on_frame(encoded(3, false, config));  // no room: skipped, not dropped from the queue
  EXPECT_TRUE(fwd.wants_key_frame());
  client->q().take();  // the client reads everything
  client->q().take();
  client->q().take();
  fwd.on_frame(encoded(4, false, config));  // still waiting: a delta frame after a hole
  EXPECT_EQ(client->q().size(), 0u);
  fwd.on_frame(encoded(5, true, config));
  ASSERT_EQ(client->q().size(), 1u);
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{5});
  EXPECT_EQ(client->q().dropped_total(), 0u);  // the queue itself never dropped a frame
  EXPECT_EQ(fwd.frames_dropped(), 1u);
}

TEST(FrameForwarder, MseViewerGetsTheInitSegmentBeforeItsFirstKeyFrame) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(8);
  frame_forwarder fwd(metrics, core::stream_kind::mse);
  EXPECT_EQ(fwd.kind(), core::stream_kind::mse);
  auto init = std::make_shared<const std::vector<std::uint8_t>>(std::vector<std::uint8_t>{'f', 't', 'y', 'p'});
  fwd.attach(client, std::nullopt);
  core::encoded_frame delta = make_frame(1);
  delta.key = false;
  delta.init_segment = init;
  fwd.on_frame(delta);
  core::encoded_frame key = make_frame(2);
  key.init_segment = init;
  fwd.on_frame(key);
  ASSERT_EQ(client->q().size(), 2u);
  EXPECT_EQ(client->q().take().message.payload.text(), "ftyp");
  EXPECT_EQ(client->q().take().message.payload.bytes()[0], std::byte{2});
}

TEST(FrameForwarder, CloseClientEndsTheFlow) {
  stream_metrics metrics;
  auto client = std::make_shared<queue_client>(4);
  frame_forwarder fwd(metrics);
  fwd.attach(client, std::nullopt);
  fwd.close_client();
  EXPECT_FALSE(client->is_open());
  fwd.on_frame(make_frame(1));
  EXPECT_EQ(fwd.frames_queued(), 0u);
}

}  // namespace frame_routes_test
}  // namespace tessera::server
