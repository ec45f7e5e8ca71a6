#include "core/tiles/shm_segment.hpp"

#include "core/support/unique_fd.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::core {
namespace {

std::atomic<unsigned> segments_created{0};

/// Maps `fd` (size `bytes`) shared, read-write unless `read_only`.
result<std::byte*> map_segment(int fd, std::size_t bytes, const std::string& name, bool read_only = false) {
  void* p = ::mmap(nullptr, bytes, read_only ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int err = errno;
  if (p == MAP_FAILED) {
    return fail(errc::no_memory, "shared memory " + name + ": mapping " + std::to_string(bytes) +
                                     " bytes failed: " + std::strerror(err));
  }
  return static_cast<std::byte*>(p);
}

}  // namespace

shm_segment::shm_segment(std::string name, unique_fd fd, std::byte* data, std::size_t size, bool owner)
    : name_(std::move(name)), fd_(std::move(fd)), data_(data), size_(size), owner_(owner) {
  if (owner_) free_.give(0, size_);
}

shm_segment::~shm_segment() {
  ::munmap(data_, size_);
  if (owner_) ::shm_unlink(name_.c_str());
}

result<std::shared_ptr<shm_segment>> shm_segment::create(std::size_t bytes, bool keep_name) {
  if (bytes == 0) return fail(errc::invalid_argument, "shared memory: a segment needs at least 1 byte");
  const std::string name = "/tessera-" + std::to_string(::getpid()) + "-" +
                           std::to_string(segments_created.fetch_add(1, std::memory_order_relaxed));
  unique_fd fd(::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    return fail(errc::io_error, "shared memory: cannot create segment " + name + ": " + std::strerror(errno));
  }
  if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) {
    const int err = errno;
    ::shm_unlink(name.c_str());
    return fail(errc::no_memory, "shared memory: cannot size segment " + name + " to " + std::to_string(bytes) +
                                     " bytes: " + std::strerror(err));
  }
  auto data = map_segment(fd.get(), bytes, name);
  if (!data) {
    ::shm_unlink(name.c_str());
    return data.error();
  }
  if (!keep_name) ::shm_unlink(name.c_str());
  return std::shared_ptr<shm_segment>(new shm_segment(name, std::move(fd), *data, bytes, true));
}

result<std::shared_ptr<shm_segment>> shm_segment::open(const std::string& name) {
  unique_fd fd(::shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0));
  if (!fd) {
    const int err = errno;
    return fail(err == ENOENT ? errc::not_found : errc::io_error,
                "shared memory: cannot open segment " + name + ": " + std::strerror(err));
  }
  return adopt(std::move(fd), name, false);
}

result<std::shared_ptr<shm_segment>> shm_segment::adopt(unique_fd fd, const std::string& name, bool read_only) {
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_size <= 0) {
    return fail(errc::invalid_argument, "shared memory: segment " + name + " has no size");
  }
  const auto bytes = static_cast<std::size_t>(st.st_size);
  auto data = map_segment(fd.get(), bytes, name, read_only);
  if (!data) return data.error();
  return std::shared_ptr<shm_segment>(new shm_segment(name, std::move(fd), *data, bytes, false));
}

result<std::size_t> shm_segment::carve(std::size_t bytes, std::size_t align) {
  std::lock_guard lock(mutex_);
  if (auto offset = free_.take(bytes, align)) return static_cast<std::size_t>(*offset);
  return fail(errc::no_memory, "shared memory segment " + name_ + ": no free " + std::to_string(bytes) + "-byte region");
}

void shm_segment::give_back(std::size_t offset, std::size_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  free_.give(offset, bytes);
}

std::size_t shm_segment::free_bytes() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(free_.total());
}

result<shm_ptr> shm_mgr::allocate(std::size_t bytes, std::size_t align) {
  if (bytes == 0 || align == 0 || (align & (align - 1)) != 0) {
    return fail(errc::invalid_argument, "shared memory: a region of " + std::to_string(bytes) + " bytes aligned to " +
                                            std::to_string(align) + " (needs bytes > 0, align a power of two)");
  }
  std::lock_guard lock(mutex_);
  for (const auto& s : segments_) {
    if (auto offset = s->carve(bytes, align)) return shm_ptr(s, *offset, bytes);
  }
  if (max_segments_ != 0 && segments_.size() >= max_segments_) {
    return fail(errc::no_memory, "shared memory: no free " + std::to_string(bytes) + "-byte region in " +
                                     std::to_string(segments_.size()) + " segment(s) of " +
                                     std::to_string(segment_bytes_) + " bytes");
  }
  auto segment = shm_segment::create(std::max(segment_bytes_, bytes + align), keep_names_);
  if (!segment) return segment.error();
  auto offset = (*segment)->carve(bytes, align);
  if (!offset) return offset.error();
  segments_.push_back(*segment);
  return shm_ptr(*segment, *offset, bytes);
}

std::optional<shm_location> shm_mgr::locate(const std::byte* p) const {
  std::lock_guard lock(mutex_);
  for (const auto& s : segments_) {
    if (s->contains(p)) return shm_location{s->name(), static_cast<std::size_t>(p - s->data())};
  }
  return std::nullopt;
}

std::size_t shm_mgr::segment_count() const {
  std::lock_guard lock(mutex_);
  return segments_.size();
}

std::vector<std::shared_ptr<shm_segment>> shm_mgr::segments() const {
  std::lock_guard lock(mutex_);
  return segments_;
}

std::size_t shm_mgr::free_bytes() const {
  std::lock_guard lock(mutex_);
  std::size_t sum = 0;
  for (const auto& s : segments_) sum += s->free_bytes();
  return sum;
}

}  // namespace tessera::core
