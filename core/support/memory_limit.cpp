#include "core/support/memory_limit.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include <unistd.h>

namespace tessera::core {

namespace {

namespace fs = std::filesystem;

/// cgroup v1 reports "no limit" as LONG_MAX rounded down to a page (9223372036854771712);
/// anything this large is no limit on any real machine.
constexpr std::uint64_t v1_unlimited_threshold = std::uint64_t{1} << 62;

std::optional<std::string> read_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

/// One hierarchy the process belongs to, from /proc/self/cgroup
/// ("hierarchy-id:controller,list:/path"; v2 is "0::/path").
struct membership {
  bool v2 = false;
  std::string path;
};

/// The process's v1 `memory` membership if any, else its v2 membership.
std::optional<membership> memory_membership(const std::string& proc_self_cgroup) {
  std::optional<membership> v2;
  for (auto line : split(proc_self_cgroup, '\n')) {
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const auto id = line.substr(0, first);
    const auto controllers = line.substr(first + 1, second - first - 1);
    const auto path = std::string(line.substr(second + 1));
    if (id == "0" && controllers.empty()) {
      v2 = membership{true, path};
      continue;
    }
    for (auto c : split(controllers, ','))
      if (c == "memory") return membership{false, path};
  }
  return v2;
}

/// A cgroup mount from /proc/self/mountinfo: which directory of the hierarchy it shows
/// (`root`) and where (`mount_point`).
struct cgroup_mount {
  std::string root;
  std::string mount_point;
};

/// mountinfo fields: id parent major:minor root mount-point options [optional...] - fstype source super-options
std::optional<cgroup_mount> find_mount(const std::string& mountinfo, bool v2) {
  for (auto line : split(mountinfo, '\n')) {
    const auto fields = split(line, ' ');
    const auto dash = std::find(fields.begin(), fields.end(), std::string_view("-"));
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) continue;
    const auto fstype = *(dash + 1);
    if (v2 ? fstype != "cgroup2" : fstype != "cgroup") continue;
    if (!v2) {
      const auto options = split(*(dash + 3), ',');
      if (std::find(options.begin(), options.end(), std::string_view("memory")) == options.end()) continue;
    }
    return cgroup_mount{std::string(fields[3]), std::string(fields[4])};
  }
  return std::nullopt;
}

/// `path` relative to the mount's root; "" when the mount shows `path` itself, and
/// also when `path` is outside what the mount shows (a container whose mount is
/// its own cgroup while /proc/self/cgroup names the host's path for it).
std::string relative_to_mount(const std::string& path, const std::string& mount_root) {
  const fs::path p = fs::path(path).lexically_normal();
  const fs::path r = fs::path(mount_root).lexically_normal();
  const fs::path rel = p.lexically_relative(r);
  if (rel.empty() || rel == "." || *rel.begin() == "..") return {};
  return rel.string();
}

}  // namespace

std::optional<std::uint64_t> parse_cgroup_limit(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;  // "max" too
  if (value >= v1_unlimited_threshold) return std::nullopt;
  return value;
}

std::optional<memory_limit> cgroup_memory_limit(const fs::path& root) {
  const auto cgroup_text = read_text(root / "proc/self/cgroup");
  // Without /proc/self/cgroup: the cgroup mounted at the usual place (v2, then v1).
  const auto member = cgroup_text ? memory_membership(*cgroup_text) : std::nullopt;
  const bool v2 = member ? member->v2 : !fs::exists(root / "sys/fs/cgroup/memory/memory.limit_in_bytes");

  cgroup_mount mount{"/", v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory"};
  if (const auto mountinfo = read_text(root / "proc/self/mountinfo"))
    if (auto found = find_mount(*mountinfo, v2)) mount = *found;

  const fs::path base = root / fs::path(mount.mount_point).relative_path();
  const char* file = v2 ? "memory.max" : "memory.limit_in_bytes";
  const std::string rel = member ? relative_to_mount(member->path, mount.root) : std::string{};

  // The process's cgroup and each ancestor the mount shows: the smallest limit holds.
  std::optional<memory_limit> best;
  fs::path dir = rel.empty() ? base : base / rel;
  while (true) {
    if (const auto text = read_text(dir / file))
      if (const auto bytes = parse_cgroup_limit(*text); bytes && (!best || *bytes < best->bytes)) {
        const fs::path shown = fs::path("/") / (dir / file).lexically_relative(root);
        best = memory_limit{*bytes, std::string(v2 ? "cgroup v2 " : "cgroup v1 ") + shown.lexically_normal().string()};
      }
    if (dir == base || !dir.has_relative_path()) break;
    dir = dir.parent_path();
  }
  return best;
}

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::uint64_t{4} << 30;  // unknown: assume a small machine
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

memory_limit process_memory_limit(std::uint64_t physical_bytes, const fs::path& root) {
  if (auto cgroup = cgroup_memory_limit(root); cgroup && cgroup->bytes < physical_bytes) return *cgroup;
  return memory_limit{physical_bytes, "physical memory"};
}

memory_limit process_memory_limit() { return process_memory_limit(physical_memory_bytes(), "/"); }

}  // namespace tessera::core
