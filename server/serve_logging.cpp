#include "server/serve_logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace tessera::server {

namespace {

/// The message as the inside of a JSON string: quotes, backslashes and control
/// characters escaped, so each line stays one valid JSON object whatever was logged.
class json_escaped_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"': append(dest, "\\\""); break;
        case '\\': append(dest, "\\\\"); break;
        case '\n': append(dest, "\\n"); break;
        case '\r': append(dest, "\\r"); break;
        case '\t': append(dest, "\\t"); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            append(dest, buf);
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_escaped_message>(); }

 private:
  static void append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }
};

}  // namespace

void configure_logging(std::string_view level, bool json) {
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  if (!json) return;
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<json_escaped_message>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"message":"%*"})");
  spdlog::set_formatter(std::move(formatter));
}

}  // namespace tessera::server
