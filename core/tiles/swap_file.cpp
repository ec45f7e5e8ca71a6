#include "core/tiles/swap_file.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::core {
namespace {

constexpr std::string_view swap_prefix = "tessera-swap-";

std::string system_reason(int err) { return std::strerror(err); }

/// 16 hex digits from the kernel's random source.
result<std::string> random_suffix() {
  std::uint64_t bits = 0;
  auto* out = reinterpret_cast<unsigned char*>(&bits);
  std::size_t got = 0;
  while (got < sizeof bits) {
    const ssize_t n = ::getrandom(out + got, sizeof bits - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errc::io_error, std::string("getrandom failed: ") + system_reason(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return std::string(text);
}

/// The pid in `tessera-swap-<pid>-...`, if the name has that form.
std::optional<pid_t> pid_of(std::string_view name) {
  if (!name.starts_with(swap_prefix)) return std::nullopt;
  name.remove_prefix(swap_prefix.size());
  const auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  long long pid = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + dash, pid);
  if (ec != std::errc{} || p != name.data() + dash || pid <= 0 || pid > std::numeric_limits<pid_t>::max())
    return std::nullopt;
  return static_cast<pid_t>(pid);
}

}  // namespace

std::size_t swap_file::remove_stale_swap_files(const std::filesystem::path& dir) noexcept {
  std::size_t removed = 0;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return 0;
  const pid_t self = ::getpid();
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto name = it->path().filename().string();
    const auto pid = pid_of(name);
    if (!pid || *pid == self) continue;
    // EPERM: alive (another user's). A pid reused since is taken as alive: the file
    // stays, which is safe. The owner of a file opened in another pid namespace keeps
    // its descriptor if we unlink it: its pread/pwrite go on working.
    if (::kill(*pid, 0) == 0 || errno != ESRCH) continue;
    struct stat st {};
    if (::fstatat(AT_FDCWD, it->path().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

result<std::unique_ptr<swap_file>> swap_file::create(const std::filesystem::path& dir, std::uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(errc::io_error, "swap dir \"" + dir.string() + "\" " +
                                    (std::filesystem::exists(dir, ec) ? "is not a directory" : "does not exist"));
  }
  (void)remove_stale_swap_files(dir);
  // O_EXCL and O_NOFOLLOW: never write pixels into a file or through a link that
  // someone else put there. A random name cannot be planted ahead; a clash (2^-64)
  // draws again.
  std::string name;
  std::filesystem::path path;
  unique_fd fd;
  int err = EEXIST;
  for (int attempt = 0; attempt < 8 && !fd && err == EEXIST; ++attempt) {
    auto suffix = random_suffix();
    if (!suffix) return suffix.error();
    name = std::string(swap_prefix) + std::to_string(::getpid()) + "-" + *suffix;
    path = dir / name;
    fd.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) err = errno;
  }
  if (!fd) {
    return fail(err == EACCES || err == EPERM || err == EROFS ? errc::permission_denied : errc::io_error,
                "swap dir \"" + dir.string() + "\": cannot create swap file " + name + ": " + system_reason(err));
  }
  auto* file = new (std::nothrow) swap_file(std::move(fd), std::move(path), max_bytes);
  if (file == nullptr) {
    ::unlink((dir / name).c_str());
    return fail(errc::no_memory, "allocating a swap file object failed");
  }
  return std::unique_ptr<swap_file>(file);
}

swap_file::~swap_file() { ::unlink(path_.c_str()); }  // fd_ closes after

result<std::uint64_t> swap_file::reserve(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  if (auto offset = free_.take(bytes)) return *offset;
  if (max_bytes_ != 0 && end_ + bytes > max_bytes_) {
    return fail(errc::no_memory, "swap file " + path_.string() + " is full: " + std::to_string(bytes) +
                                     " more bytes would exceed its limit of " + std::to_string(max_bytes_) +
                                     " bytes");
  }
  const std::uint64_t offset = end_;
  end_ += bytes;
  return offset;
}

void swap_file::release(std::uint64_t offset, std::size_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  free_.give(offset, bytes);
  if (auto tail = free_.take_tail(end_)) {
    // Free space at the end: the file shrinks back, so its blocks go back to the disk.
    end_ = tail->offset;
    (void)::ftruncate(fd_.get(), static_cast<off_t>(end_));
  }
}

void swap_file::fail_writes_after(std::optional<std::uint64_t> bytes) noexcept {
  std::lock_guard lock(mutex_);
  write_budget_ = bytes;
}

void swap_file::set_before_read(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  before_read_ = std::move(hook);
}

void swap_file::inject(std::optional<fault> f) noexcept {
  std::lock_guard lock(mutex_);
  fault_ = f;
  fault_calls_ = 0;
  faulty_.store(f.has_value(), std::memory_order_relaxed);
}

std::uint64_t swap_file::fault_calls() const noexcept {
  std::lock_guard lock(mutex_);
  return fault_calls_;
}

ssize_t swap_file::sys_io(fault::call call, int fd, void* buf, std::size_t count, off_t offset) const noexcept {
  if (faulty_.load(std::memory_order_relaxed)) [[unlikely]] {
    std::lock_guard lock(mutex_);
    if (fault_ && fault_->on == call) {
      const std::uint64_t n = fault_calls_++;
      if (n >= fault_->at && (!fault_->once || n == fault_->at)) {
        if (fault_->error != 0) {
          errno = fault_->error;
          return -1;
        }
        if (n == fault_->at && count > 1) count /= 2;  // short, then nothing
        else return 0;
      }
    }
  }
  return call == fault::call::pwrite ? ::pwrite(fd, buf, count, offset) : ::pread(fd, buf, count, offset);
}

result<void> swap_file::write(std::uint64_t offset, std::span<const std::byte> bytes) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (write_budget_) {
      if (*write_budget_ < bytes.size()) {
        return fail(errc::no_memory, "swap file " + path_.string() + ": writing " + std::to_string(bytes.size()) +
                                         " bytes at " + std::to_string(offset) + " failed: " + system_reason(ENOSPC));
      }
      *write_budget_ -= bytes.size();
    }
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = sys_io(fault::call::pwrite, fd_.get(), const_cast<std::byte*>(bytes.data() + done),
                             bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      return fail(err == ENOSPC || err == EFBIG || err == EDQUOT ? errc::no_memory : errc::io_error,
                  "swap file " + path_.string() + ": writing " + std::to_string(bytes.size()) + " bytes at " +
                      std::to_string(offset) + " failed: " + system_reason(err));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

result<void> swap_file::read(std::uint64_t offset, std::span<std::byte> into) const {
  std::function<void()> hook;
  {
    std::lock_guard lock(mutex_);
    hook = before_read_;
  }
  if (hook) hook();
  std::size_t done = 0;
  while (done < into.size()) {
    const ssize_t n =
        sys_io(fault::call::pread, fd_.get(), into.data() + done, into.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return fail(errc::io_error, "swap file " + path_.string() + ": reading " + std::to_string(into.size()) +
                                      " bytes at " + std::to_string(offset) + " failed: " +
                                      (n < 0 ? system_reason(errno) : std::string("the file is too short")));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::uint64_t swap_file::end_bytes() const noexcept {
  std::lock_guard lock(mutex_);
  return end_;
}

std::uint64_t swap_file::free_bytes() const noexcept {
  std::lock_guard lock(mutex_);
  return free_.total();
}

}  // namespace tessera::core
