#include "core/caps/audio_info.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace audio_info_test {

result<audio_info> info_of(std::string_view text) {
  auto c = caps::parse(text);
  EXPECT_TRUE(c) << text;
  return audio_info::from_caps(c ? *c : caps());
}

TEST(AudioInfo, ComputesFrameAndSecondSizes) {
  auto s16 = info_of("audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved").value();
  EXPECT_EQ(s16.format(), audio_format::s16le);
  EXPECT_EQ(s16.rate(), 48000);
  EXPECT_EQ(s16.channels(), 2);
  EXPECT_EQ(s16.bytes_per_sample(), 2u);
  EXPECT_EQ(s16.bytes_per_frame(), 4u);        // 2 bytes * 2 channels
  EXPECT_EQ(s16.bytes_per_second(), 192000u);  // 4 * 48000

  auto f32 = info_of("audio/x-raw,format=F32LE,rate=44100,channels=6").value();
  EXPECT_EQ(f32.bytes_per_sample(), 4u);
  EXPECT_EQ(f32.bytes_per_frame(), 24u);
  EXPECT_EQ(f32.bytes_per_second(), 1058400u);  // 24 * 44100
}

TEST(AudioInfo, ToCapsReadsBack) {
  auto info = audio_info::make(audio_format::f32le, 8000, 1).value();
  EXPECT_EQ(info.to_caps().to_string(), "audio/x-raw,format=F32LE,rate=8000,channels=1");
  EXPECT_EQ(audio_info::from_caps(info.to_caps()).value(), info);
}

TEST(AudioInfo, ErrorsNameTheField) {
  EXPECT_EQ(info_of("audio/x-raw,format=S16LE,channels=2").error().message,
            "audio/x-raw caps lack a fixed rate");
  EXPECT_EQ(info_of("audio/x-raw,format=S16LE,rate=[1,48000],channels=2").error().message,
            "audio/x-raw caps lack a fixed rate (rate=[1,48000])");
  EXPECT_EQ(info_of("audio/x-raw,format=S16LE,rate=48000,channels=0").error().message,
            "audio/x-raw caps: channels 0 is out of range [1, 65535]");
  EXPECT_EQ(info_of("audio/x-raw,format=U8,rate=48000,channels=1").error().message,
            "audio/x-raw caps: format U8 is not one of S16LE, F32LE");
  EXPECT_EQ(info_of("video/x-raw,format=RGBA").error().message,
            "expected audio/x-raw caps, got video/x-raw");
  EXPECT_FALSE(audio_info::make(audio_format::s16le, 0, 2));
  EXPECT_FALSE(audio_info::make(audio_format::s16le, 48000, 65536));
}

}  // namespace audio_info_test
}  // namespace tessera::core
