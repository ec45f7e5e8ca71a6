#include "core/elements/file/filesrc.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/support/confined_path.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::core {

std::unique_ptr<element_factory> filesrc::factory() {
  return make_factory<filesrc>(
      "filesrc", "File source", "Source/File", "Reads a file, pushing blocks or answering range pulls",
      {pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
      {string_property("location", "Path of the file to read (relative to the media root when one is set)", "",
                       mutability::ready),
       int_property("blocksize", "Bytes per pushed buffer", 4096, 1, 64 << 20)});
}

filesrc::filesrc(const element_factory& f, std::string name)
    : base_src(f, std::move(name)),
      prop_location_(property_index("location")),
      prop_blocksize_(property_index("blocksize")) {}

result<void> filesrc::check_property(std::size_t index, const property_value& v) const {
  if (index != prop_location_ || !parent()) return {};
  if (auto r = check_location(parent()->limits().media_root, std::get<std::string>(v), true); !r)
    return error(r.error().code, name() + ": " + r.error().message);
  return {};
}

result<void> filesrc::open_locked() {
  path_ = props().get_string(prop_location_);
  if (path_.empty()) return fail(errc::invalid_argument, name() + ": no location set (the file to read)");
  const std::optional<std::filesystem::path> root = parent() ? parent()->limits().media_root : std::nullopt;
  // O_NONBLOCK: opening a FIFO must not hang the state change; FIFOs are refused below.
  auto fd = open_location(root, path_, open_request{O_RDONLY | O_NONBLOCK, 0, true});
  if (!fd) return error(fd.error().code, name() + ": " + fd.error().message);
  struct stat st{};
  if (::fstat(fd->get(), &st) != 0) {
    const int err = errno;
    return fail(errc::io_error, name() + ": cannot stat \"" + path_ + "\": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode))
    return fail(errc::invalid_argument, name() + ": cannot read \"" + path_ + "\": " + std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
    return fail(errc::invalid_argument,
                name() + ": \"" + path_ + "\" is not a regular file or character device (FIFOs and sockets are refused)");
  regular_ = S_ISREG(st.st_mode);
  file_size_ = regular_ ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (!regular_) {
    // A device is read in order with blocking reads, like GStreamer's filesrc does.
    const int fl = ::fcntl(fd->get(), F_GETFL);
    if (fl >= 0) (void)::fcntl(fd->get(), F_SETFL, fl & ~O_NONBLOCK);
  }
  fd_ = std::move(fd).value();
  seekable_.store(regular_, std::memory_order_release);
  return {};
}

result<void> filesrc::start() {
  std::lock_guard lock(mutex_);
  read_position_ = 0;
  stop_position_ = offset_none;
  discont_ = true;
  if (fd_) return {};  // a pulling downstream opened it already (see fill_range)
  return open_locked();
}

void filesrc::stop() {
  std::lock_guard lock(mutex_);
  fd_.reset();
  pool_.reset();
  pool_block_size_ = 0;
  seekable_.store(false, std::memory_order_release);
}

std::optional<std::uint64_t> filesrc::size_bytes() const {
  std::lock_guard lock(mutex_);
  if (!fd_ || !regular_) return std::nullopt;
  struct stat st{};
  if (::fstat(fd_.get(), &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);  // now: the file may grow while read
}

bool filesrc::do_seek(core::segment& seg) {
  if (seg.start < 0) return false;
  std::lock_guard lock(mutex_);
  read_position_ = static_cast<std::uint64_t>(seg.start);
  stop_position_ = is_valid_time(seg.stop) ? static_cast<std::uint64_t>(seg.stop) : offset_none;
  discont_ = true;
  return true;
}

std::size_t filesrc::read_into(buffer& out, std::uint64_t offset, std::size_t size, int& err) {
  err = 0;
  std::size_t got = 0;
  {
    auto map = out.map(map_access::write);
    if (!map) {
      err = ENOMEM;
      return 0;
    }
    auto* data = map->data();
    while (got < size) {
      const ssize_t n = regular_ ? ::pread(fd_.get(), data + got, size - got, static_cast<off_t>(offset + got))
                                 : ::read(fd_.get(), data + got, size - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        return got;
      }
      if (n == 0) break;  // end of file
      got += static_cast<std::size_t>(n);
    }
  }
  if (got < out.size()) (void)out.resize(0, got);
  out.offset = offset;
  out.offset_end = offset + got;
  return got;
}

flow filesrc::read_error(int err, std::uint64_t offset) {
  return fail_flow(errc::io_error, name() + ": error reading \"" + path_ + "\" at byte " + std::to_string(offset) +
                                       ": " + std::strerror(err));
}

flow filesrc::create(buffer& out) {
  std::lock_guard lock(mutex_);
  if (!fd_) return fail_flow(errc::bad_state, name() + ": \"" + path_ + "\" is not open");
  // Read once: the property may change meanwhile, and the pool block must hold `size`.
  const auto blocksize = static_cast<std::size_t>(props().get_int(prop_blocksize_));
  std::size_t size = blocksize;
  if (stop_position_ != offset_none) {
    if (read_position_ >= stop_position_) return flow::eos;
    size = static_cast<std::size_t>(std::min<std::uint64_t>(size, stop_position_ - read_position_));
  }
  if (!pool_ || pool_block_size_ != blocksize) {
    pool_config cfg;
    cfg.name = name() + " pool";
    cfg.block_size = blocksize;
    cfg.min_blocks = 4;
    auto p = pool_allocator::create(cfg);
    if (!p) return fail_flow(errc::no_memory, name() + ": " + p.error().message);
    pool_ = std::move(p).value();
    pool_block_size_ = blocksize;
  }
  auto m = pool_->acquire();
  if (!m) return fail_flow(errc::no_memory, name() + ": " + m.error().message);
  if (auto r = out.append_memory(std::move(m).value()); !r) return fail_flow(errc::no_memory, name() + ": " + r.error().message);
  int err = 0;
  const std::size_t got = read_into(out, read_position_, size, err);
  if (err != 0) return read_error(err, read_position_ + got);
  if (got == 0) return flow::eos;
  if (discont_) {
    out.flags = out.flags | buffer_flags::discont;
    discont_ = false;
  }
  read_position_ += got;
  return flow::ok;
}

flow filesrc::fill_range(std::uint64_t offset, std::size_t size, buffer& out) {
  std::lock_guard lock(mutex_);
  if (!fd_) {
    // Pads are activated sinks first: a pulling downstream may start its task
    // before our READY -> PAUSED step opened the file (GStreamer's activate_pull
    // starts the source at that point too).
    if (auto r = open_locked(); !r) return fail_flow(r.error().code == make_error_code(errc::not_found)
                                                         ? errc::not_found : errc::io_error,
                                                     r.error().message);
  }
  if (!regular_)
    return fail_flow(errc::bad_state, name() + ": \"" + path_ + "\" is not a regular file: ranges cannot be pulled");
  if (offset + size > file_size_ || offset + size < offset) {
    // The file may have grown since it was opened; never allocate past its end.
    struct stat st{};
    if (::fstat(fd_.get(), &st) == 0) file_size_ = static_cast<std::uint64_t>(st.st_size);
  }
  if (offset >= file_size_) return flow::eos;
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, file_size_ - offset));
  out = buffer{};
  if (n > 0) {
    auto b = buffer::allocate(n);
    if (!b) return fail_flow(errc::no_memory, name() + ": " + b.error().message);
    out = std::move(b).value();
  }
  int err = 0;
  const std::size_t got = n > 0 ? read_into(out, offset, n, err) : 0;
  if (err != 0) return read_error(err, offset + got);
  out.offset = offset;
  out.offset_end = offset + got;
  if (got == 0 && n > 0) return flow::eos;  // truncated under us
  return flow::ok;
}

}  // namespace tessera::core
