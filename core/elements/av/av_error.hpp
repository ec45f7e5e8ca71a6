#pragma once
/// FFmpeg error codes (AVERROR(...)) as tessera errors: the text av_strerror gives,
/// and the errc a caller branches on (a missing file is not_found, a refused
/// permission permission_denied, invalid data invalid_argument, the rest io_error).

#include "core/support/result.hpp"

#include <string>
#include <string_view>

namespace tessera::core {

/// av_strerror's text for `averror` ("No such file or directory", "Invalid data
/// found when processing input").
std::string av_error_text(int averror);

/// The errc that best names `averror` for a caller.
errc av_errc(int averror);

/// An error "<what>: <av_strerror text>" with av_errc's code; when libav logged an
/// error on this thread since the last clear_av_log_error() (e.g. "moov atom not
/// found"), that reason follows in parentheses.
error av_error(int averror, std::string_view what);

/// Routes libav's log to spdlog (libav's errors and warnings at debug level: the
/// element says what failed on the bus) and remembers, per thread, the last error
/// line for av_error. Idempotent; call before using libav.
void install_av_log();
/// Forgets the remembered error line of this thread.
void clear_av_log_error();

}  // namespace tessera::core
