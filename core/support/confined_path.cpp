#include "core/support/confined_path.hpp"

#include <cerrno>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::core {

namespace fs = std::filesystem;

namespace {

// Like the kernel's MAXSYMLINKS: a loop of links ends here.
constexpr int max_symlinks = 40;

std::string in_quotes(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('"');
  q.append(s);
  q.push_back('"');
  return q;
}

std::string errno_text(int err) { return std::strerror(err); }

errc errc_from_errno(int err) {
  switch (err) {
    case ENOENT: return errc::not_found;
    case EACCES:
    case EPERM: return errc::permission_denied;
    default: return errc::io_error;
  }
}

// Splits on '/', dropping empty and "." components.
std::vector<std::string> split_components(std::string_view p) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= p.size()) {
    const std::size_t j = std::min(p.find('/', i), p.size());
    const std::string_view c = p.substr(i, j - i);
    if (!c.empty() && c != ".") out.emplace_back(c);
    i = j + 1;
  }
  return out;
}

// If `target` (absolute) names a place under `root` (absolute), the components
// after the root's; nullopt otherwise.
std::optional<std::vector<std::string>> strip_root(const std::vector<std::string>& target,
                                                   const std::vector<std::string>& root) {
  if (root.empty() || target.size() < root.size()) return std::nullopt;
  for (std::size_t i = 0; i < root.size(); ++i)
    if (target[i] != root[i]) return std::nullopt;
  return std::vector<std::string>(target.begin() + static_cast<std::ptrdiff_t>(root.size()), target.end());
}

std::string join(const std::vector<std::string>& parts, std::string_view last) {
  std::string s;
  for (const auto& p : parts) s += p + "/";
  s += last;
  return s;
}

/// One walk from the media root down to a location, following links inside it.
class confined_walk {
 public:
  confined_walk(const fs::path& root, std::string_view location) : root_(root), location_(location) {}

  /// check_only: the last component is opened with O_PATH and a missing component
  /// ends the walk successfully (fd invalid).
  result<unique_fd> run(const fs::path& relative, const open_request& req, bool check_only) {
    unique_fd root_fd(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) {
      const int err = errno;
      return fail(errc_from_errno(err), "media root " + in_quotes(root_.string()) + " cannot be opened: " + errno_text(err));
    }
    std::error_code ec;
    const fs::path real = fs::canonical(root_, ec);
    if (!ec) root_prefixes_.push_back(split_components(real.string()));
    root_prefixes_.push_back(split_components(fs::absolute(root_, ec).lexically_normal().string()));

    dirs_.push_back(std::move(root_fd));
    for (const auto& c : split_components(relative.string())) pending_.push_back(c);
    while (!pending_.empty()) {
      std::string name = std::move(pending_.front());
      pending_.pop_front();
      if (name == "..") {  // only from a link target: the lexical check refused it in locations
        if (dirs_.size() == 1) return outside("symbolic link " + in_quotes(last_link_) + " leads above it");
        dirs_.pop_back();
        names_.pop_back();
        continue;
      }
      const bool last = pending_.empty();
      if (!last) {
        unique_fd fd(::openat(dirs_.back().get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd) {
          dirs_.push_back(std::move(fd));
          names_.push_back(std::move(name));
          continue;
        }
        const int err = errno;
        if (err == ENOTDIR || err == ELOOP) {
          auto followed = follow(name, err);
          if (!followed) return followed.error();
          continue;
        }
        if (err == ENOENT && check_only) return unique_fd{};
        return open_error(err);
      }
      const int flags = check_only ? (O_PATH | O_NOFOLLOW | O_CLOEXEC) : (req.flags | O_NOFOLLOW | O_CLOEXEC);
      unique_fd fd(::openat(dirs_.back().get(), name.c_str(), flags, req.mode));
      int err = fd ? 0 : errno;
      if (fd && check_only) {
        // O_PATH|O_NOFOLLOW opens a link itself: look at what it is.
        struct stat st{};
        if (::fstat(fd.get(), &st) == 0 && S_ISLNK(st.st_mode)) {
          fd.reset();
          err = ELOOP;
        }
      }
      if (fd) return fd;
      if (err == ELOOP) {
        if (!req.follow_last) {
          // A writer must not be redirected by a link, even one that stays inside.
          struct stat st{};
          if (::fstatat(dirs_.back().get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return fail(errc::permission_denied, "location " + in_quotes(location_) + " is a symbolic link (" +
                                                     in_quotes(join(names_, name)) +
                                                     "), which is not followed when writing under the media root");
          return open_error(err);
        }
        auto followed = follow(name, err);
        if (!followed) return followed.error();
        continue;
      }
      if (err == ENOENT && check_only) return unique_fd{};
      return open_error(err);
    }
    // Every component was "." or the walk climbed back to the root itself.
    if (check_only) return unique_fd{};
    return fail(errc::invalid_argument, "location " + in_quotes(location_) + " names the media root itself, not a file");
  }

 private:
  // `name` in the current directory failed with `err` (ELOOP/ENOTDIR): if it is a
  // link, queue its target in its place; otherwise report `err`.
  result<void> follow(const std::string& name, int err) {
    std::string target(4096, '\0');
    const ssize_t n = ::readlinkat(dirs_.back().get(), name.c_str(), target.data(), target.size());
    if (n < 0) return open_error(errno == EINVAL ? err : errno);
    if (static_cast<std::size_t>(n) == target.size())
      return fail(errc::io_error, "symbolic link " + in_quotes(join(names_, name)) + " has a target that is too long");
    target.resize(static_cast<std::size_t>(n));
    last_link_ = join(names_, name);
    if (++links_ > max_symlinks) return open_error(ELOOP);
    std::vector<std::string> parts = split_components(target);
    if (!target.empty() && target.front() == '/') {
      std::optional<std::vector<std::string>> inside;
      for (const auto& prefix : root_prefixes_)
        if ((inside = strip_root(parts, prefix))) break;
      if (!inside) return outside("symbolic link " + in_quotes(last_link_) + " points to " + in_quotes(target));
      parts = std::move(*inside);
      dirs_.resize(1);
      names_.clear();
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending_.push_front(std::move(*it));
    if (parts.empty() && pending_.empty())
      return fail(errc::invalid_argument, "location " + in_quotes(location_) + " resolves to a directory (through " +
                                              in_quotes(last_link_) + "), not a file");
    return {};
  }

  error outside(const std::string& why) const {
    return error(errc::permission_denied, "location " + in_quotes(location_) + " is outside the media root (" + why + ")");
  }

  error open_error(int err) const {
    return error(errc_from_errno(err), "cannot open " + in_quotes(location_) + " in media root " +
                                           in_quotes(root_.string()) + ": " + errno_text(err));
  }

  const fs::path& root_;
  std::string_view location_;
  std::vector<std::vector<std::string>> root_prefixes_;
  std::vector<unique_fd> dirs_;    // dirs_[0] is the root; dirs_[i] is inside dirs_[i-1]
  std::vector<std::string> names_; // names_[i] names dirs_[i + 1]
  std::deque<std::string> pending_;
  std::string last_link_;
  int links_ = 0;
};

}  // namespace

result<fs::path> check_relative_location(std::string_view location) {
  if (location.empty()) return fail(errc::invalid_argument, "location is empty");
  if (location.find('\0') != std::string_view::npos)
    return fail(errc::invalid_argument, "location " + in_quotes(location.substr(0, location.find('\0'))) +
                                            "... contains a NUL byte");
  if (location.front() == '/')
    return fail(errc::permission_denied,
                "location " + in_quotes(location) + " is outside the media root (absolute paths are not allowed)");
  std::size_t i = 0;
  while (i <= location.size()) {
    const std::size_t j = std::min(location.find('/', i), location.size());
    if (location.substr(i, j - i) == "..")
      return fail(errc::permission_denied,
                  "location " + in_quotes(location) + " is outside the media root (\"..\" components are not allowed)");
    i = j + 1;
  }
  return fs::path(location);
}

result<void> check_location(const std::optional<fs::path>& media_root, std::string_view location, bool follow_last) {
  if (!media_root || location.empty()) return {};
  auto rel = check_relative_location(location);
  if (!rel) return rel.error();
  open_request req;
  req.follow_last = follow_last;
  auto fd = confined_walk(*media_root, location).run(*rel, req, true);
  if (!fd) return fd.error();
  return {};
}

result<unique_fd> open_location(const std::optional<fs::path>& media_root, std::string_view location,
                                const open_request& request) {
  if (location.empty()) return fail(errc::invalid_argument, "no location set");
  if (media_root) {
    auto rel = check_relative_location(location);
    if (!rel) return rel.error();
    return confined_walk(*media_root, location).run(*rel, request, false);
  }
  if (location.find('\0') != std::string_view::npos)
    return fail(errc::invalid_argument, "location " + in_quotes(location.substr(0, location.find('\0'))) +
                                            "... contains a NUL byte");
  const std::string path(location);
  const int flags = request.flags | O_CLOEXEC | (request.follow_last ? 0 : O_NOFOLLOW);
  unique_fd fd(::open(path.c_str(), flags, request.mode));
  if (!fd) {
    const int err = errno;
    return fail(errc_from_errno(err), "cannot open " + in_quotes(path) + ": " + errno_text(err));
  }
  return fd;
}

}  // namespace tessera::core
