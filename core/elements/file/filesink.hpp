#pragma once
/// filesink: writes every buffer's bytes to a file, in order (GStreamer's filesink).
///
/// The file is opened on READY -> PAUSED (created, truncated unless `append`) and
/// closed on PAUSED -> READY; a failed write or close posts an error naming the
/// path and the system's reason. A buffer of several memories is written with one
/// writev, each memory mapped for reading where it lies (no gathering copy).
/// Tiled video (caps layout=tiled) is written as the frame's rows, each row pieced
/// together from the tiles it crosses in the writev list, again without gathering.
/// Video whose rows lie a `stride` apart (a crop's window) is written as its rows,
/// packed, one iovec per row.
/// `sync` defaults to false: bytes are written as they arrive.
/// A segment in bytes (a muxer's, GStreamer's filesink likewise) makes each buffer
/// go where its `offset` says: avmux goes back so to write an mp4's moov and mdat
/// size or a Matroska file's duration and cues at the end (refused, with an error,
/// when the file was opened with append=true).
///
/// With a media root on the pipeline, `location` is a relative path confined to it
/// (core/support/confined_path.hpp); the file itself must not be a symbolic link
/// there (O_NOFOLLOW), so nothing outside the root is ever created or truncated.
///
/// Ownership: the element owns the descriptor. Thread safety: render (streaming task)
/// and the state change that closes the file meet under `mutex_`.

#include "core/base/base_sink.hpp"
#include "core/video/video_info.hpp"
#include "core/support/unique_fd.hpp"
#include "core/video/tile_geometry.hpp"

#include <mutex>
#include <optional>
#include <string>

namespace tessera::core {

class filesink final : public base_sink {
 public:
  filesink(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// Bytes written since the file was opened.
  std::uint64_t bytes_written() const;

 protected:
  flow render(buffer& b) override;
  bool event(pad& p, core::event ev) override;
  void on_caps(const caps& c) override;
  state_change change_state(state from, state to) override;
  result<void> check_property(std::size_t index, const property_value& v) const override;

 private:
  result<void> open();
  void close();
  flow write_error(int err);
  flow position_at(std::uint64_t offset);
  flow render_tiled(buffer& b);
  flow render_strided(buffer& b);

  std::size_t prop_location_, prop_append_;
  mutable std::mutex mutex_;  // everything below
  unique_fd fd_;
  std::string path_;  // the location that was opened, for messages
  std::uint64_t bytes_written_ = 0;
  bool positioned_ = false;  // a bytes segment arrived: buffer offsets are file positions
  std::optional<tile_grid> tile_grid_;  // set while the caps say layout=tiled
  std::optional<video_info> strided_;   // set while the caps give rows a stride beyond their pixels
};

}  // namespace tessera::core
