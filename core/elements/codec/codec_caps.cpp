#include "core/elements/codec/codec_caps.hpp"

namespace tessera::core::codec_caps {

namespace {

constexpr const char* raw_text =
    "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,65535],height=[1,65535],framerate=[0/1,2147483647/1],"
    "layout=linear";
constexpr const char* jpeg_text = "image/jpeg,width=[1,65535],height=[1,65535],framerate=[0/1,2147483647/1]";

/// `to` with the size and rate fields of `from` copied where present.
structure with_geometry(structure to, const structure& from) {
  for (const char* field : {"width", "height", "framerate"})
    if (const value* v = from.get(field)) (void)to.set(field, *v);
  return to;
}

}  // namespace

caps raw_template() { return caps::parse(raw_text).value(); }

caps jpeg_template() { return caps::parse(jpeg_text).value(); }

caps jpeg_for(const caps& raw) {
  caps out;
  for (const structure& s : raw.structures())
    if (s.has_name("video/x-raw")) out.merge(with_geometry(structure::make("image/jpeg").value(), s));
  return out;
}

caps raw_for(const caps& jpeg) {
  caps out;
  const structure base = *raw_template().structure_at(0);
  for (const structure& s : jpeg.structures()) {
    if (!s.has_name("image/jpeg")) continue;
    structure r = structure::make("video/x-raw").value();
    (void)r.set("format", *base.get("format"));
    r = with_geometry(std::move(r), s);
    (void)r.set("layout", "linear");
    out.merge(std::move(r));
  }
  return out;
}

}  // namespace tessera::core::codec_caps
