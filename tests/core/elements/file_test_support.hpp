#pragma once
// Helpers shared by the filesrc/filesink tests: a temporary directory per test,
// whole-file reads and writes, a sink that keeps what it renders, and a bounded
// wait for the end of a stream.

#include "core/base/base_sink.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tessera::core::file_test {

namespace fs = std::filesystem;

/// A fresh directory under /tmp (mkdtemp), removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "tessera-file-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

/// Bytes no code under test produces: 7, 38, 69, ... mod 251.
inline std::vector<std::byte> test_bytes(std::size_t n, unsigned seed = 7) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 31 + seed) % 251);
  return v;
}

inline void write_file(const fs::path& p, const std::vector<std::byte>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << p;
}

inline std::vector<std::byte> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
  return out;
}

/// A sink that copies out every buffer it renders, with its offsets and flags.
class collect_sink final : public base_sink {
 public:
  struct record {
    std::uint64_t offset = 0;
    std::uint64_t offset_end = 0;
    bool discont = false;
    std::vector<std::byte> bytes;
  };

  collect_sink(const element_factory& f, std::string name) : base_sink(f, std::move(name)) {}

  static std::unique_ptr<element_factory> factory() {
    return make_factory<collect_sink>(
        "collectsink", "Collecting sink", "Sink", "Keeps a copy of what it renders (tests)",
        {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
        base_sink::common_properties(false));
  }

  std::vector<record> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }

  std::vector<std::byte> all_bytes() const {
    std::vector<std::byte> out;
    for (const auto& r : records()) out.insert(out.end(), r.bytes.begin(), r.bytes.end());
    return out;
  }

 protected:
  flow render(buffer& b) override {
    record r;
    r.offset = b.offset;
    r.offset_end = b.offset_end;
    r.discont = (static_cast<std::uint32_t>(b.flags) & static_cast<std::uint32_t>(buffer_flags::discont)) != 0;
    auto map = b.map(map_access::read);
    if (!map) return flow::error;
    r.bytes.assign(map->data(), map->data() + map->size());
    std::lock_guard lock(mutex_);
    records_.push_back(std::move(r));
    return flow::ok;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<record> records_;
};

/// The first EOS or error message within `timeout`.
inline std::optional<message> wait_for_end(pipeline& p, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return p.bus().pop_filtered(timeout, {message_type::eos, message_type::error});
}

/// The first error message within `timeout`, skipping everything else.
inline std::optional<message> wait_for_error(pipeline& p, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return p.bus().pop_filtered(timeout, {message_type::error});
}

inline std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

}  // namespace tessera::core::file_test
