#include "core/elements/file/filesink.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/support/confined_path.hpp"
#include "core/video/video_info.hpp"
#include "core/video/tiled_frame.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

namespace tessera::core {

namespace {

// Writes every byte described by `iov` (which it consumes), retrying after short
// writes and EINTR. Returns 0 or an errno value.
int write_all(int fd, iovec* iov, std::size_t count) {
  while (count > 0) {
    const int batch = static_cast<int>(std::min<std::size_t>(count, IOV_MAX));
    const ssize_t n = ::writev(fd, iov, batch);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    auto left = static_cast<std::size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (left > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    } else if (n == 0 && count > 0 && iov->iov_len > 0) {
      return EIO;  // a regular file never takes nothing; avoid spinning
    }
  }
  return 0;
}

}  // namespace

std::unique_ptr<element_factory> filesink::factory() {
  auto props = base_sink::common_properties(false);
  props.push_back(string_property("location", "Path of the file to write (relative to the media root when one is set)",
                                  "", mutability::ready));
  props.push_back(bool_property("append", "Append to the file instead of truncating it", false, mutability::ready));
  return make_factory<filesink>("filesink", "File sink", "Sink/File", "Writes the stream's bytes to a file",
                                {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                                std::move(props));
}

filesink::filesink(const element_factory& f, std::string name)
    : base_sink(f, std::move(name)),
      prop_location_(property_index("location")),
      prop_append_(property_index("append")) {}

std::uint64_t filesink::bytes_written() const {
  std::lock_guard lock(mutex_);
  return bytes_written_;
}

result<void> filesink::check_property(std::size_t index, const property_value& v) const {
  if (index != prop_location_ || !parent()) return {};
  if (auto r = check_location(parent()->limits().media_root, std::get<std::string>(v), false); !r)
    return error(r.error().code, name() + ": " + r.error().message);
  return {};
}

result<void> filesink::open() {
  std::lock_guard lock(mutex_);
  path_ = props().get_string(prop_location_);
  if (path_.empty()) return fail(errc::invalid_argument, name() + ": no location set (the file to write)");
  const std::optional<std::filesystem::path> root = parent() ? parent()->limits().media_root : std::nullopt;
  const int flags = O_WRONLY | O_CREAT | (props().get_bool(prop_append_) ? O_APPEND : O_TRUNC);
  // Confined writers never follow a link as the file itself; `tessera launch`
  // writes where the user points, links included, like GStreamer.
  auto fd = open_location(root, path_, open_request{flags, 0666, !root});
  if (!fd) return error(fd.error().code, name() + ": " + fd.error().message + " (for writing)");
  fd_ = std::move(fd).value();
  bytes_written_ = 0;
  positioned_ = false;
  return {};
}

void filesink::close() {
  std::lock_guard lock(mutex_);
  if (auto r = fd_.close(path_); !r) post_error(errc::io_error, name() + ": " + r.error().message);
}

state_change filesink::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    if (auto r = open(); !r) {
      post_error(r.error().code == make_error_code(errc::not_found) ? errc::not_found : errc::io_error,
                 r.error().message);
      return state_change::failure;
    }
    const state_change r = base_sink::change_state(from, to);
    if (r == state_change::failure) close();
    return r;
  }
  if (from == state::paused && to == state::ready) {
    const state_change r = base_sink::change_state(from, to);
    close();
    return r;
  }
  return base_sink::change_state(from, to);
}

flow filesink::write_error(int err) {
  return fail_flow(errc::io_error, name() + ": error writing to \"" + path_ + "\" after " +
                                       std::to_string(bytes_written_) + " bytes: " + std::strerror(err));
}

void filesink::on_caps(const caps& c) {
  std::optional<tile_grid> grid;
  std::optional<video_info> strided;
  if (auto info = video_info::from_caps(c); info && info->layout() == video_layout::tiled) {
    if (auto g = frame_tile_grid(*info)) grid = *g;
  } else if (info && !info->is_packed()) {
    strided = *info;
  }
  std::lock_guard lock(mutex_);
  tile_grid_ = grid;
  strided_ = strided;
}

flow filesink::render_strided(buffer& b) {
  // Rows with padding between them (a crop's window on a larger frame, a decoder's
  // padded planes): the file gets the rows only, packed plane after plane as FFmpeg's
  // rawvideo, one iovec per row pointing into the buffer.
  const video_info& info = *strided_;
  auto map = b.map(map_access::read);
  if (!map) return fail_flow(errc::bad_state, name() + ": " + map.error().message);
  if (map->size() < info.size())
    return fail_flow(errc::invalid_argument, name() + ": a " + std::to_string(map->size()) +
                                                 "-byte buffer is smaller than a " + std::to_string(info.width()) +
                                                 "x" + std::to_string(info.height()) + " frame with a stride of " +
                                                 std::to_string(info.stride()) + " bytes");
  std::vector<iovec> iov;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < info.plane_count(); ++i) {
    const video_plane p = info.plane(i);
    for (std::size_t y = 0; y < p.rows; ++y) iov.push_back(iovec{map->data() + p.offset + y * p.stride, p.row_bytes});
    bytes += p.rows * p.row_bytes;
  }
  if (const int err = write_all(fd_.get(), iov.data(), iov.size()); err != 0) return write_error(err);
  bytes_written_ += bytes;
  return flow::ok;
}

flow filesink::render_tiled(buffer& b) {
  // The frame's rows, each pieced together from the tiles it crosses: a list of
  // pointers into the tiles (one writev per band of tile rows), no gathering copy.
  const tile_grid& g = *tile_grid_;
  if (auto ok = check_tiled_frame(b, g, name()); !ok) return fail_flow(errc::invalid_argument, ok.error().message);
  const std::size_t bpp = g.tag().bytes_per_pixel;
  std::vector<iovec> iov;
  // The band's tiles are held in RAM (a tile of the tile cache is read back if it
  // was swapped out) while writev reads them; the rest of the frame may stay out.
  std::vector<detail::bytes_pin> band_pins(g.tiles_across());
  for (std::size_t tile_row = 0; tile_row < g.tiles_down(); ++tile_row) {
    const tile_rect first = g.tile_area(tile_row * g.tiles_across());
    for (std::size_t column = 0; column < g.tiles_across(); ++column) {
      auto pin = b.peek_memory(tile_row * g.tiles_across() + column).bytes_pinned();
      if (!pin) return fail_flow(errc::io_error, name() + ": " + pin.error().message);
      band_pins[column] = std::move(*pin);
    }
    iov.clear();
    iov.reserve(first.height * g.tiles_across());
    std::size_t total = 0;
    for (std::size_t r = 0; r < first.height; ++r) {
      for (std::size_t column = 0; column < g.tiles_across(); ++column) {
        const std::size_t index = tile_row * g.tiles_across() + column;
        const tile_rect area = g.tile_area(index);
        const std::byte* row = b.peek_memory(index).data() + g.offset_in_tile(area.x, area.y + r);
        iov.push_back(iovec{const_cast<std::byte*>(row), area.width * bpp});
        total += area.width * bpp;
      }
    }
    if (const int err = write_all(fd_.get(), iov.data(), iov.size()); err != 0) return write_error(err);
    bytes_written_ += total;
  }
  return flow::ok;
}

bool filesink::event(pad& p, core::event ev) {
  if (auto* s = ev.get<event_segment>(); s && s->segment.format == seek_format::bytes) {
    std::lock_guard lock(mutex_);
    positioned_ = true;  // buffers say where they go (offset); see render
  }
  return base_sink::event(p, std::move(ev));
}

flow filesink::position_at(std::uint64_t offset) {
  // The buffer's own offset decides, not the segment event's arrival: a sink holding
  // its preroll buffer handles events before the buffers it holds.
  const off_t here = ::lseek(fd_.get(), 0, SEEK_CUR);
  if (here >= 0 && static_cast<std::uint64_t>(here) == offset) return flow::ok;
  if (props().get_bool(prop_append_))
    return fail_flow(errc::io_error, name() + ": the stream goes back to byte " + std::to_string(offset) +
                                         " (a muxer rewriting its header), which a file opened with append=true "
                                         "cannot do");
  if (::lseek(fd_.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
    return fail_flow(errc::io_error, name() + ": cannot seek \"" + path_ + "\" to byte " + std::to_string(offset) +
                                         ": " + std::strerror(errno));
  return flow::ok;
}

flow filesink::render(buffer& b) {
  std::lock_guard lock(mutex_);
  if (!fd_) return fail_flow(errc::bad_state, name() + ": no file open to write to");
  if (positioned_ && b.offset != offset_none)
    if (const flow f = position_at(b.offset); f != flow::ok) return f;
  const std::size_t n_mem = b.n_memory();
  if (n_mem == 0) return flow::ok;
  if (tile_grid_) return render_tiled(b);
  if (strided_) return render_strided(b);
  if (n_mem == 1) {
    auto map = b.map(map_access::read);
    if (!map) return fail_flow(errc::bad_state, name() + ": " + map.error().message);
    iovec one{map->data(), map->size()};
    if (const int err = write_all(fd_.get(), &one, 1); err != 0) return write_error(err);
    bytes_written_ += map->size();
    return flow::ok;
  }
  // Several memories: map each where it lies and hand the kernel the list.
  std::vector<memory_map> maps;
  std::vector<iovec> iov;
  maps.reserve(n_mem);
  iov.reserve(n_mem);
  std::size_t total = 0;
  for (const memory& m : b.memories()) {
    memory handle = m;  // map() needs a handle of our own; no bytes are copied
    auto map = handle.map(map_access::read);
    if (!map) return fail_flow(errc::bad_state, name() + ": " + map.error().message);
    iov.push_back(iovec{map->data(), map->size()});
    total += map->size();
    maps.push_back(std::move(map).value());
  }
  if (const int err = write_all(fd_.get(), iov.data(), iov.size()); err != 0) return write_error(err);
  bytes_written_ += total;
  return flow::ok;
}

}  // namespace tessera::core
