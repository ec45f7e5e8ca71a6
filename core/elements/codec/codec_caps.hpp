#pragma once
/// Caps shared by the JPEG elements: the raw video they take or give (RGBA, RGB,
/// GRAY8, linear) and image/jpeg, both within TurboJPEG's 65535-pixel sides, and the
/// mapping between them (width, height and framerate carry over; the raw format is
/// the codec's business). Plain functions: safe from any thread.

#include "core/caps/caps.hpp"

namespace tessera::core::codec_caps {

caps raw_template();
caps jpeg_template();
/// image/jpeg with the width/height/framerate of each video/x-raw structure of `raw`.
caps jpeg_for(const caps& raw);
/// video/x-raw (every format, linear) with the width/height/framerate of each
/// image/jpeg structure of `jpeg`.
caps raw_for(const caps& jpeg);

}  // namespace tessera::core::codec_caps
