#include "server/web_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace tessera::server {
namespace web_files_test {

namespace fs = std::filesystem;

class WebFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("tessera-web-" + std::to_string(::getpid()));
    outside_ = root_.string() + "-outside";
    fs::create_directories(root_);
    fs::create_directories(outside_);
    std::ofstream(root_ / "index.html") << "<h1>tessera</h1>";
    std::ofstream(root_ / "app.js") << "let x = 1;";
    std::ofstream(outside_ / "secret.txt") << "secret";
    fs::create_symlink(outside_ / "secret.txt", root_ / "leak.txt");
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove_all(outside_);
  }
  fs::path root_, outside_;
};

TEST_F(WebFiles, ServesFilesWithTheirContentType) {
  auto index = serve_web_file(root_, "index.html");
  EXPECT_EQ(index.code, net::status::ok);
  EXPECT_EQ(index.body, "<h1>tessera</h1>");
  EXPECT_EQ(index.headers.get("Content-Type"), "text/html; charset=utf-8");
  auto js = serve_web_file(root_, "app.js");
  EXPECT_EQ(js.headers.get("Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(WebFiles, RefusesNamesThatCouldLeaveTheDirectory) {
  for (const char* name : {"../etc/passwd", "..", ".hidden", "a/b", "", "..%2f"})
    EXPECT_EQ(serve_web_file(root_, name).code, net::status::bad_request) << name;
}

TEST_F(WebFiles, ASymlinkOutOfTheDirectoryIsNotServed) {
  EXPECT_EQ(serve_web_file(root_, "leak.txt").code, net::status::not_found);
}

TEST_F(WebFiles, AMissingUiSaysSo) {
  fs::remove(root_ / "index.html");
  auto r = serve_web_file(root_, "index.html");
  EXPECT_EQ(r.code, net::status::not_found);
  EXPECT_NE(r.body.find("web UI is not installed"), std::string::npos) << r.body;
}

}  // namespace web_files_test
}  // namespace tessera::server
