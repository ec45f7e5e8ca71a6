#pragma once
/// What the API fuzz targets (jsonrpc, rest) share: one real pipeline_service on a
/// runtime with the built-in elements, with small limits so that random requests
/// create, play, seek and delete pipelines at fuzzing speed, and the reset that leaves
/// the registry empty after every input.
///
/// Bounded work per input (the driver's budget is 2 s, libFuzzer's -timeout=2). What is
/// restricted, and why:
///  - frames: max_frame_pixels 4096 (64x64): video elements stay cheap whatever the
///    caps or properties say;
///  - memory: the runtime's budget is 128 MiB (fakesrc size= up to 64 MiB, queues with
///    no limits): past it a pipeline gets a bus error, as in serve, never the OOM killer;
///  - waiting: state_wait and control_wait 20 ms (serve: 5 s), so a batch of 64
///    set_state/seek calls on a pipeline that never prerolls takes ~1.3 s, not 5 min;
///    request_timeout 1.5 s (REST's blocking calls, which then answer 504);
///  - an input naming `identity`'s sleep-us (up to 60 s per buffer),
///    `audiotestsrc samplesperbuffer` (up to 1 GiB per buffer), the encoders `avenc`
///    and `avmux`, `filesink` (disk writes) or the shm elements (shared memory
///    segments) is skipped: `banned_words` looks for them, case and '-'/'_' ignored,
///    in the raw bytes and in every JSON string of the input (keys too: JSON-RPC
///    params by position can put a property name anywhere), so JSON escapes do not
///    hide them. Everything else of the builtin registry is there (`avsrc` and
///    `filesrc` are refused by policy: no --allow-uri, a media root that is empty);
///  - 4 pipelines at most (the limit answers 429 / -32003 beyond).
/// A pipeline "p0" (`testsrc num-buffers=8 width=16 height=16 ! fakesink name=out`)
/// exists at the start of every input, so a single request can do real work on it.

#include "core/elements/builtin_elements.hpp"
#include "core/graph/runtime.hpp"
#include "server/pipeline_service.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>

namespace tessera::fuzz {

inline constexpr std::size_t max_pipelines = 4;
inline constexpr std::size_t max_batch_entries = 64;
/// Small, so that factory.list (tens of KiB) and batches of describes reach it.
inline constexpr std::size_t max_reply_bytes = 16 * 1024;

/// A private directory for this process (media root, swap, web files); removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("tessera-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "media");
    std::filesystem::create_directories(d / "swap");
    std::filesystem::create_directories(d / "web");
    std::ofstream(d / "web" / "index.html") << "<!doctype html><title>tessera</title>\n";
    std::ofstream(d / "web" / "main.js") << "console.log('tessera');\n";
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

/// TESSERA_FUZZ_PRINT set: the targets print each request and reply (to see what the
/// seeds do), and the server's log is on.
inline bool print_replies() {
  static const bool on = std::getenv("TESSERA_FUZZ_PRINT") != nullptr;
  return on;
}

inline core::runtime& fuzz_runtime() {
  static const std::unique_ptr<core::runtime> rt = [] {
    // "pipeline p0 created" twice per input is noise; findings are the checks' aborts.
    if (!print_replies()) spdlog::set_level(spdlog::level::off);
    core::runtime_config config;
    config.threads = 2;
    config.cache_bytes = 16u << 20;
    config.swap_dir = scratch_dir() / "swap";
    config.max_swap_bytes = 16u << 20;
    config.memory_budget_bytes = 128u << 20;
    auto r = core::runtime::create(config);
    TESSERA_FUZZ_CHECK(r.has_value(), "the fuzz runtime could not be made");
    core::register_builtin_elements((*r)->registry());
    return std::move(*r);
  }();
  return *rt;
}

inline server::pipeline_service& fuzz_service() {
  static server::pipeline_service svc(fuzz_runtime(), [] {
    server::service_options o;
    o.max_pipelines = max_pipelines;
    o.max_elements = 32;
    o.max_frame_pixels = 64 * 64;
    o.max_batch_entries = max_batch_entries;
    o.max_reply_bytes = max_reply_bytes;
    o.media_root = scratch_dir() / "media";
    o.control_threads = 2;
    o.state_wait = std::chrono::milliseconds(20);
    o.control_wait = std::chrono::milliseconds(20);
    o.request_timeout = std::chrono::milliseconds(1500);
    return o;
  }());
  return svc;
}

/// `text` lower-cased without '-' and '_'.
inline std::string folded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Whether `text` names something an input may not use (see the file comment).
inline bool names_banned(std::string_view text) {
  const std::string f = folded(text);
  for (std::string_view word : {"sleepus", "samplesperbuffer", "avenc", "avmux", "filesink", "shmsink", "shmsrc"})
    if (f.find(word) != std::string::npos) return true;
  return false;
}

inline bool any_string_banned(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::STRING: return names_banned(e.get_string().value_unsafe());
    case element_type::ARRAY: {
      // Named, not a temporary in the for: GCC 12 warns about the temporary result.
      const simdjson::dom::array items = e.get_array().value_unsafe();
      for (auto child : items)
        if (any_string_banned(child)) return true;
      return false;
    }
    case element_type::OBJECT: {
      const simdjson::dom::object fields = e.get_object().value_unsafe();
      for (auto field : fields)
        if (names_banned(field.key) || any_string_banned(field.value)) return true;
      return false;
    }
    default: return false;
  }
}

/// True when `text` (raw, or as JSON) names something banned: skip the input.
inline bool banned_words(std::string_view text) {
  if (names_banned(text)) return true;
  thread_local simdjson::dom::parser parser;
  auto doc = parser.parse(text.data(), text.size(), true);
  return !doc.error() && any_string_banned(doc.value_unsafe());
}

/// The state every input starts from: only "p0", in NULL.
inline void start_input() {
  auto& svc = fuzz_service();
  auto made = svc.create("p0", "testsrc num-buffers=8 width=16 height=16 ! fakesink name=out");
  TESSERA_FUZZ_CHECK(made.has_value(), "the fixture pipeline p0 could not be made");
}

/// Deletes every pipeline and checks that none is left (no leak across inputs). A
/// delete refused as busy (a REST call that timed out still runs on the control pool)
/// is retried for up to 10 s: one that never gets through is a hang, reported.
inline void end_input() {
  auto& svc = fuzz_service();
  const auto list = svc.list();
  for (const auto& p : list.at("pipelines").as_array()) {
    const auto& name = p.at("name").as_string();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto removed = svc.remove(std::string_view(name.data(), name.size()));
      if (removed || removed.error().code == server::service_errc::not_found) break;
      TESSERA_FUZZ_CHECK(removed.error().code == server::service_errc::busy &&
                             std::chrono::steady_clock::now() < deadline,
                         "a pipeline could not be deleted at the end of an input");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  TESSERA_FUZZ_CHECK(svc.size() == 0, "pipelines left in the registry after deleting them all");
}

}  // namespace tessera::fuzz
