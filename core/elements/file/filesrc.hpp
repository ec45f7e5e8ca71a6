#pragma once
/// filesrc: reads a file (GStreamer's filesrc).
///
/// Push mode: a streaming task (base_src) reads `blocksize` bytes per buffer from
/// the read position and pushes them with offset/offset_end set to their byte range;
/// the stream ends (EOS) at the end of the file or at a byte segment's stop. A
/// seek in bytes moves the read position. Pull mode: downstream (rawvideoparse) asks
/// for ranges; `fill_range` returns exactly the bytes asked for, fewer at the end of
/// the file, and flow::eos when the offset is at or past the end.
///
/// The file is opened on READY -> PAUSED (`start`) and closed on PAUSED -> READY.
/// With a media root on the pipeline (the server), `location` is a relative path
/// confined to it (core/support/confined_path.hpp): refused when set if it leads out,
/// and checked again when opened.
///
/// Ownership: the element owns the descriptor (unique_fd) and the buffer pool.
/// Thread safety: the descriptor and read position are used under `mutex_` by the
/// streaming task, a pulling downstream task and the state change that closes it.

#include "core/base/base_src.hpp"
#include "core/memory/pool_allocator.hpp"
#include "core/support/unique_fd.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace tessera::core {

class filesrc final : public base_src {
 public:
  filesrc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();
  /// The file's size now (fstat), while it is open and a regular file.
  std::optional<std::uint64_t> size_bytes() const override;

 protected:
  flow create(buffer& out) override;
  bool can_pull() const override { return true; }
  flow fill_range(std::uint64_t offset, std::size_t size, buffer& out) override;
  bool is_seekable() const override { return seekable_.load(std::memory_order_acquire); }
  seek_format format() const override { return seek_format::bytes; }
  bool do_seek(core::segment& seg) override;
  result<void> start() override;
  void stop() override;
  result<void> check_property(std::size_t index, const property_value& v) const override;

 private:
  result<void> open_locked();
  /// Reads up to `size` bytes at `offset` into `out` (which holds at least `size`
  /// writable bytes) and trims it to what was read. Returns the bytes read or an
  /// errno value through `err`.
  std::size_t read_into(buffer& out, std::uint64_t offset, std::size_t size, int& err);
  flow read_error(int err, std::uint64_t offset);

  std::size_t prop_location_, prop_blocksize_;
  mutable std::mutex mutex_;  // everything below
  unique_fd fd_;
  std::string path_;             // the location that was opened, for messages
  bool regular_ = false;         // pread at offsets; otherwise a character device read in order
  std::uint64_t file_size_ = 0;  // bytes, as of the last fstat (regular files)
  std::uint64_t read_position_ = 0;     // bytes: where the next pushed buffer starts
  std::uint64_t stop_position_ = offset_none;  // bytes: a byte segment's stop
  bool discont_ = true;          // the next pushed buffer follows a start or a seek
  std::unique_ptr<pool_allocator> pool_;
  std::size_t pool_block_size_ = 0;
  std::atomic<bool> seekable_{false};
};

}  // namespace tessera::core
