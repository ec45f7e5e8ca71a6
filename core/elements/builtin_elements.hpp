#pragma once
/// Registration of the built-in element groups, one function per folder of
/// core/elements/, and register_builtin_elements, which calls them all. The program
/// that owns a runtime calls it on the runtime's registry (serve, launch, inspect,
/// the tests' runtimes); the core itself never names its elements.

#include "core/graph/element_factory.hpp"

namespace tessera::core {

/// Adds every built-in element factory to `r`.
void register_builtin_elements(element_registry& r);

void register_basic_elements(element_registry& r);  ///< fakesrc, fakesink, identity, capsfilter
void register_routing_elements(element_registry& r);   ///< queue, tee
void register_video_elements(element_registry& r);  ///< testsrc, invert, videoconvert, ...
void register_file_elements(element_registry& r);   ///< filesrc, filesink
void register_web_elements(element_registry& r);    ///< websink
void register_codec_elements(element_registry& r);  ///< jpegenc, jpegdec
void register_audio_elements(element_registry& r);  ///< audiotestsrc, audioconvert, volume
void register_rawparse_elements(element_registry& r);  ///< rawvideoparse
void register_shm_elements(element_registry& r);    ///< shmsink, shmsrc
void register_av_elements(element_registry& r);     ///< avsrc (FFmpeg)
void register_av_encode_elements(element_registry& r);  ///< avenc, avmux

}  // namespace tessera::core
