#pragma once
// Helpers shared by the filesrc/filesink tests: a temporary directory per test,
// whole-file reads and writes, and a bounded wait for the end of a stream.

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
