#pragma once
/// Opening user-given file locations, optionally confined to a media root (docs/deploy.md).
///
/// Without a media root a location is opened as given (`tessera launch`). With one
/// (the server), a location is a path relative to the root and must stay inside it:
///  - lexically: not absolute, no ".." component, no NUL byte;
///  - physically: the walk starts at an fd of the root and opens one component at a
///    time with openat(O_NOFOLLOW). A symbolic link met on the way is read and its
///    target walked in place of it: a relative target (which may use ".." as long as
///    it never climbs above the root) or an absolute one that names a place under the
///    root's real path. Any link that leads out is refused. The final component is
///    opened relative to the fd of its directory, so a directory swapped for a
///    symlink between check and open cannot redirect the open (no TOCTOU window).
///  - a symlink as the last component may be refused altogether (`follow_last =
///    false`, what writers use: O_NOFOLLOW on the file they create or truncate).
///
/// `check_location` runs the same walk without opening the file, and accepts a path
/// whose tail does not exist yet: elements call it when a property is set, to refuse
/// early with a clear message; `open_location` checks again when the file is opened.
///
/// Error messages name the location and the reason and are meant to be prefixed with
/// the caller's name ("filesrc0: location \"../x\" is outside the media root ...").
/// Codes: errc::permission_denied for a confinement refusal, errc::not_found for a
/// missing file, errc::invalid_argument for a malformed location, errc::io_error for
/// other system errors. Thread safety: free functions with no shared state.

#include "core/support/result.hpp"
#include "core/support/unique_fd.hpp"

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

namespace tessera::core {

/// How `open_location` opens the last component.
struct open_request {
  int flags = 0;              ///< open(2) access/creation flags (O_RDONLY, O_WRONLY|O_CREAT|...); O_CLOEXEC is added
  mode_t mode = 0666;         ///< permission bits for O_CREAT (before umask)
  bool follow_last = true;    ///< whether a symlink as the last component is followed (inside the root only)
};

/// The lexical rules for a location under a media root: not empty, no NUL byte, not
/// absolute, no ".." component. Returns the location as a relative path.
result<std::filesystem::path> check_relative_location(std::string_view location);

/// Checks now that `location` stays inside `media_root` as far as the path exists
/// (missing components are fine: the open reports them). With no media root, or an
/// empty location (not set yet), there is nothing to check.
result<void> check_location(const std::optional<std::filesystem::path>& media_root, std::string_view location,
                            bool follow_last);

/// Opens `location`: confined to `media_root` as described above when it is set,
/// plainly otherwise (O_NOFOLLOW too when !follow_last). An empty location is an error.
result<unique_fd> open_location(const std::optional<std::filesystem::path>& media_root, std::string_view location,
                                const open_request& request);

}  // namespace tessera::core
