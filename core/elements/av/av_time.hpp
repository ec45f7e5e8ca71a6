#pragma once
/// Tessera's clock unit as a libav time base: timestamps cross between tessera
/// (nanoseconds) and libav (a stream's time_base) through av_rescale_q with it.

extern "C" {
#include <libavutil/rational.h>
}

namespace tessera::core {

inline constexpr AVRational av_ns_time_base{1, 1'000'000'000};

}  // namespace tessera::core
