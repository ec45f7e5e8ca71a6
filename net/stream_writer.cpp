#include "net/stream_writer.hpp"

namespace tessera::net {

stream_format stream_format::multipart(std::string part_content_type, std::string boundary) {
  stream_format f;
  f.content_type = "multipart/x-mixed-replace;boundary=" + boundary;
  f.part_content_type = std::move(part_content_type);
  f.boundary = std::move(boundary);
  return f;
}

stream_format stream_format::raw(std::string content_type) {
  stream_format f;
  f.content_type = std::move(content_type);
  return f;
}

}  // namespace tessera::net
