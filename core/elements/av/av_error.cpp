#include "core/elements/av/av_error.hpp"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace tessera::core {

std::string av_error_text(int averror) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(averror, text, sizeof text) < 0) return "error " + std::to_string(averror);
  return text;
}

errc av_errc(int averror) {
  switch (averror) {
    case AVERROR(ENOENT): return errc::not_found;
    case AVERROR(EACCES):
    case AVERROR(EPERM): return errc::permission_denied;
    case AVERROR(ENOMEM): return errc::no_memory;
    case AVERROR(EINVAL):
    case AVERROR_INVALIDDATA:
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_STREAM_NOT_FOUND:
    case AVERROR_PATCHWELCOME: return errc::invalid_argument;
    default: return errc::io_error;
  }
}

namespace {

thread_local std::string last_log_error;

void log_callback(void* avcl, int level, const char* fmt, va_list args) {
  if (level > av_log_get_level()) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &print_prefix);
  va_end(copy);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  if (level <= AV_LOG_ERROR) {
    // Without the "[mov,mp4 @ 0x...] " prefix: the element names itself.
    const auto bracket = text.find("] ");
    last_log_error = text[0] == '[' && bracket != std::string::npos ? text.substr(bracket + 2) : text;
  }
  spdlog::debug("libav: {}", text);
}

}  // namespace

void install_av_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_WARNING);
    av_log_set_callback(log_callback);
  });
}

void clear_av_log_error() { last_log_error.clear(); }

error av_error(int averror, std::string_view what) {
  std::string text = std::string(what) + ": " + av_error_text(averror);
  if (!last_log_error.empty() && averror != AVERROR_EXIT) text += " (" + last_log_error + ")";
  clear_av_log_error();
  return error(av_errc(averror), std::move(text));
}

}  // namespace tessera::core
