#pragma once
/// The swap file of a tile cache: one file in the swap directory that holds the bytes of
/// swapped-out tiles, with a free-space map so that the space of tiles swapped back in
/// is reused before the file grows.
///
/// The file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (no other user can
/// read the pixels, and a planted symlink or an existing file is refused), and removed
/// when the object dies (at exit for the runtime's tile cache).
///
/// Its name is `tessera-swap-<pid>-<16 random hex digits>` (getrandom): nobody can plant
/// the next name in advance to stop the start. The pid in the name lets a later process
/// remove the files of a process that was killed (remove_stale_swap_files).

#include "core/support/free_extents.hpp"
#include "core/support/result.hpp"
#include "core/support/unique_fd.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include <sys/types.h>

namespace tessera::core {

/// A swap file and its extent allocator.
///
/// Ownership: owns the file descriptor and the directory entry (unlinked in the
/// destructor). Not copyable or movable.
///
/// Thread safety: all members may be called concurrently; reads and writes of
/// distinct extents run in parallel (pread/pwrite), the free-space map has a mutex.
class swap_file {
 public:
  /// Removes from `dir` the swap files (`tessera-swap-<pid>-...`, regular files of
  /// this user) whose process is gone: pid not this process's and kill(pid, 0) says
  /// ESRCH. Files of live processes and anything else are left alone. Returns how many
  /// were removed. create() calls it first.
  static std::size_t remove_stale_swap_files(const std::filesystem::path& dir) noexcept;

  /// Creates a new swap file in `dir`. `max_bytes` bounds the file size (0: only the
  /// disk bounds it). Errors name the directory and the system's reason.
  static result<std::unique_ptr<swap_file>> create(const std::filesystem::path& dir, std::uint64_t max_bytes);
  ~swap_file();
  swap_file(const swap_file&) = delete;
  swap_file& operator=(const swap_file&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

  /// Reserves `bytes` (> 0) of the file: the first free extent that fits, else the
  /// end of the file. errc::no_memory when the file would outgrow max_bytes.
  result<std::uint64_t> reserve(std::size_t bytes);
  /// Gives an extent back; adjacent free extents merge, and free space at the end
  /// shrinks the file.
  void release(std::uint64_t offset, std::size_t bytes) noexcept;

  /// Writes all of `bytes` at `offset` (a short write, e.g. a full disk, is an error).
  result<void> write(std::uint64_t offset, std::span<const std::byte> bytes) noexcept;
  /// Reads exactly `into.size()` bytes at `offset`.
  result<void> read(std::uint64_t offset, std::span<std::byte> into) const;

  /// Bytes from the start of the file to the end of the last used extent.
  std::uint64_t end_bytes() const noexcept;
  /// Bytes in free extents below end_bytes().
  std::uint64_t free_bytes() const noexcept;

  /// Fault injection for tests (a full disk cannot be made on demand): once
  /// `bytes` more bytes have been written, every write fails as the disk would with
  /// ENOSPC. `std::nullopt` turns it off.
  void fail_writes_after(std::optional<std::uint64_t> bytes) noexcept;
  /// Test hook: runs before every read, on the reading thread (to hold a read back).
  void set_before_read(std::function<void()> hook);

  /// Fault injection for tests: what a failing disk answers to the `at`-th pwrite or
  /// pread after the injection (0: the next one) and, unless `once`, to every later
  /// one of that kind: -1 with `error` as errno, or with `error` 0 a short transfer,
  /// half the bytes asked (0 bytes from the second failing call on: a disk that fills
  /// up in the middle of a write, a file cut short under a read).
  struct fault {
    enum class call : std::uint8_t { pwrite, pread };
    call on = call::pwrite;
    std::uint64_t at = 0;
    int error = EIO;
    bool once = false;
  };
  void inject(std::optional<fault> f) noexcept;
  /// Calls of the injected fault's kind since inject() (a fault with `at` past every
  /// call counts them: how many calls a sweep has to go through).
  std::uint64_t fault_calls() const noexcept;

 private:
  swap_file(unique_fd fd, std::filesystem::path path, std::uint64_t max_bytes) noexcept
      : fd_(std::move(fd)), path_(std::move(path)), max_bytes_(max_bytes) {}

  const unique_fd fd_;
  const std::filesystem::path path_;
  const std::uint64_t max_bytes_;
  mutable std::mutex mutex_;
  free_extents free_;                            // guarded by mutex_
  std::uint64_t end_ = 0;                        // guarded by mutex_
  std::optional<std::uint64_t> write_budget_;    // guarded by mutex_ (fault injection)
  std::function<void()> before_read_;            // guarded by mutex_ (test hook)
  std::optional<fault> fault_;                   // guarded by mutex_ (fault injection)
  mutable std::uint64_t fault_calls_ = 0;        // guarded by mutex_: calls of fault_->on since inject
  std::atomic<bool> faulty_{false};              // fault_ is set (one relaxed load per syscall otherwise)

  // pwrite/pread (`buf` is only read for pwrite), or the injected fault's answer.
  ssize_t sys_io(fault::call call, int fd, void* buf, std::size_t count, off_t offset) const noexcept;
};

}  // namespace tessera::core
