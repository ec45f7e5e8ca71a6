#include "core/elements/builtin_elements.hpp"
#include "core/elements/video/crop.hpp"
#include "core/elements/video/boxblur.hpp"
#include "core/elements/video/drawbox.hpp"
#include "core/elements/video/invert.hpp"
#include "core/elements/video/testsrc.hpp"
#include "core/elements/video/videoconvert.hpp"
#include "core/elements/video/videoscale.hpp"

namespace tessera::core {

void register_video_elements(element_registry& r) {
  r.add(testsrc::factory());
  r.add(invert::factory());
  r.add(drawbox::factory());
  r.add(boxblur::factory());
  r.add(videoconvert::factory());
  r.add(videoscale::factory());
  r.add(crop::factory());
}

}  // namespace tessera::core
