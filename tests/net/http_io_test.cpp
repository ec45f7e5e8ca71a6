// read_request / write_response on beast::test::stream, including fail_count loops in
// the manner of Beast's own test/beast/http/read.cpp.

#include "net/http_io.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace tessera::net::detail {
namespace http_io_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

template <class T>
T run_sync(asio::io_context& ioc, asio::awaitable<T> work) {
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e, T value) {
    failure = e;
    out = std::move(value);
  });
  ioc.restart();
  ioc.run_for(2s);
  if (failure) std::rethrow_exception(failure);
  if (!out) throw std::runtime_error("the operation did not complete");
  return std::move(*out);
}

struct reader {
  asio::io_context ioc;
  std::vector<io_step> steps;

  read_outcome read(beast::test::stream& ts, beast::flat_buffer& buffer, read_limits limits = {}) {
    auto note = [this](io_step s) { steps.push_back(s); };
    return run_sync(ioc, read_request(ts, buffer, limits, note));
  }
  read_outcome read(std::string input, read_limits limits = {}) {
    beast::test::stream ts(ioc, input);
    ts.close_remote();
    beast::flat_buffer buffer;
    return read(ts, buffer, limits);
  }
};

TEST(HttpIo, ReadsARequestWithItsBodyAndArmsTimeoutsPerStep) {
  reader r;
  auto out = r.read("POST /x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(out.what, read_outcome::kind::request);
  EXPECT_EQ(out.request.method(), http::verb::post);
  EXPECT_EQ(out.request.target(), "/x?y=1");
  EXPECT_EQ(out.request.body(), "hello");
  EXPECT_EQ(r.steps, (std::vector<io_step>{io_step::header, io_step::body}));
}

TEST(HttpIo, PipelinedRequestsAreReadOneAtATimeFromTheSameBuffer) {
  reader r;
  beast::test::stream ts(r.ioc,
                         "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                         "GET /two HTTP/1.1\r\nHost: a\r\n\r\n");
  ts.close_remote();
  beast::flat_buffer buffer;
  auto first = r.read(ts, buffer);
  auto second = r.read(ts, buffer);
  auto third = r.read(ts, buffer);
  ASSERT_EQ(first.what, read_outcome::kind::request);
  ASSERT_EQ(second.what, read_outcome::kind::request);
  EXPECT_EQ(first.request.target(), "/one");
  EXPECT_EQ(second.request.target(), "/two");
  EXPECT_EQ(third.what, read_outcome::kind::closed);
  EXPECT_EQ(third.ec, http::error::end_of_stream);
}

TEST(HttpIo, BodyOverTheLimitIs413WhetherDeclaredOrChunked) {
  reader r;
  const read_limits limits{16 * 1024, 10, false};
  auto declared = r.read("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", limits);
  ASSERT_EQ(declared.what, read_outcome::kind::rejected);
  EXPECT_EQ(declared.rejection->code, status::payload_too_large);
  EXPECT_NE(declared.rejection->body.find("limit of 10 bytes"), std::string::npos);
  auto chunked = r.read(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
      limits);
  ASSERT_EQ(chunked.what, read_outcome::kind::rejected);
  EXPECT_EQ(chunked.rejection->code, status::payload_too_large);
  auto exact = r.read("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits);
  EXPECT_EQ(exact.what, read_outcome::kind::request);
}

TEST(HttpIo, HeaderOverTheLimitIs431) {
  reader r;
  const read_limits limits{256, 1024, false};
  auto out = r.read("GET / HTTP/1.1\r\nX-Big: " + std::string(400, 'b') + "\r\n\r\n", limits);
  ASSERT_EQ(out.what, read_outcome::kind::rejected);
  EXPECT_EQ(out.rejection->code, status::request_header_fields_too_large);
  EXPECT_NE(out.rejection->body.find("256"), std::string::npos);
}

// Beast's parser checks its limit per put() and forgets consumed fields: 60,000 short
// lines arriving a few hundred bytes at a time passed a 16 KiB limit before.
TEST(HttpIo, HeaderLimitCountsTheWholeHeaderHoweverItArrives) {
  // Beast consumes a field line once it sees the byte after its CRLF, and only when
  // fewer than 3 bytes stay unconsumed does it not wait for the whole header. 29 bytes
  // of request line and Host, then 6-byte lines, read 30 (or 300) bytes at a time:
  // every read ends 1 byte into a line, as a client sending such packets would.
  std::string many_lines = "GET / HTTP/1.1\r\nHost: abcde\r\n";
  ASSERT_EQ(many_lines.size(), 29u);
  for (int i = 0; i < 60000; ++i) many_lines += "a: b\r\n";
  many_lines += "\r\n";
  for (std::size_t read_size :
       {std::size_t{30}, std::size_t{300}, std::size_t{4096}, std::size_t{1} << 20}) {
    reader r;
    beast::test::stream ts(r.ioc, many_lines);
    ts.read_size(read_size);
    ts.close_remote();
    beast::flat_buffer buffer;
    auto out = r.read(ts, buffer);
    ASSERT_EQ(out.what, read_outcome::kind::rejected) << read_size;
    EXPECT_EQ(out.rejection->code, status::request_header_fields_too_large) << read_size;
    EXPECT_NE(out.rejection->body.find("16384"), std::string::npos) << out.rejection->body;
  }
  // Just under the limit, trickled, still reads; one byte more is refused.
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
  const std::string tail = "\r\n\r\n";
  for (std::size_t extra : {std::size_t{0}, std::size_t{1}}) {
    reader r;
    const std::string input =
        head + std::string(16 * 1024 - head.size() - tail.size() + extra, 'p') + tail;
    beast::test::stream ts(r.ioc, input);
    ts.read_size(100);
    ts.close_remote();
    beast::flat_buffer buffer;
    auto out = r.read(ts, buffer);
    EXPECT_EQ(out.what, extra == 0 ? read_outcome::kind::request : read_outcome::kind::rejected)
        << extra;
  }
}

TEST(HttpIo, TwoHostHeadersAre400) {
  reader r;
  auto out = r.read("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  ASSERT_EQ(out.what, read_outcome::kind::rejected);
  EXPECT_EQ(out.rejection->code, status::bad_request);
  EXPECT_NE(out.rejection->body.find("more than one Host header"), std::string::npos);
  EXPECT_EQ(r.read("GET / HTTP/1.1\r\nHost: a\r\n\r\n").what, read_outcome::kind::request);
}

TEST(HttpIo, MalformedRequestsAre400AndEndsOfStreamAreQuiet) {
  reader r;
  for (const char* bad : {"GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nBad Field\r\n\r\n",
                          "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "\x01\x02\r\n\r\n"}) {
    auto out = r.read(bad);
    ASSERT_EQ(out.what, read_outcome::kind::rejected) << bad;
    EXPECT_EQ(out.rejection->code, status::bad_request) << bad;
  }
  EXPECT_EQ(r.read("").what, read_outcome::kind::closed);
  auto partial = r.read("GET / HTTP/1.1\r\nHost: a\r\n");
  EXPECT_EQ(partial.what, read_outcome::kind::closed);
  EXPECT_EQ(partial.ec, http::error::partial_message);
}

TEST(HttpIo, ExpectContinueIsAnsweredOnlyWhenAllowed) {
  for (bool allowed : {true, false}) {
    reader r;
    beast::test::stream ts(r.ioc), peer(r.ioc);
    ts.connect(peer);
    ts.append("PUT /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok");
    beast::flat_buffer buffer;
    auto out = r.read(ts, buffer, {1024, 1024, allowed});
    ASSERT_EQ(out.what, read_outcome::kind::request);
    EXPECT_EQ(out.request.body(), "ok");
    EXPECT_EQ(peer.str(), allowed ? "HTTP/1.1 100 Continue\r\n\r\n" : "");
  }
}

TEST(HttpIo, EveryFailingStreamOperationEndsTheReadCleanly) {
  // Byte-at-a-time reads make many operations; failing each one in turn must always
  // end in `closed` with the injected error, never a crash or a bogus request.
  const std::string input = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  bool succeeded = false;
  for (std::size_t n = 0; n < 500 && !succeeded; ++n) {
    reader r;
    beast::test::fail_count fc(n);
    beast::test::stream ts(r.ioc, fc, input);
    ts.read_size(1);
    ts.close_remote();
    beast::flat_buffer buffer;
    auto out = r.read(ts, buffer);
    if (out.what == read_outcome::kind::request) {
      EXPECT_EQ(out.request.body(), "hello");
      succeeded = true;
    } else {
      EXPECT_EQ(out.what, read_outcome::kind::closed) << n;
      EXPECT_EQ(out.ec, beast::test::error::test_failure) << n;
    }
  }
  EXPECT_TRUE(succeeded);
}

TEST(HttpIo, ResponseIsSerializedWithLengthAndConnectionHeaders) {
  asio::io_context ioc;
  beast::test::stream ts(ioc), peer(ioc);
  ts.connect(peer);
  auto r = response::text(status::ok, "hello");
  r.headers.add("X-Extra", "1");
  r.headers.add("Content-Length", "999");  // framing is the session's
  auto res = to_beast_response(std::move(r), 11, false, false);
  const auto ec = run_sync(ioc, write_response(ts, res));
  EXPECT_FALSE(ec);
  const auto text = peer.str();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK\r\n")) << text;
  EXPECT_NE(text.find("X-Extra: 1\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Content-Length: 5\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("999"), std::string::npos) << text;
  EXPECT_NE(text.find("Connection: close\r\n"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\r\n\r\nhello")) << text;
}

TEST(HttpIo, HeadOnlyAndBodilessStatusesCarryNoBody) {
  auto head = to_beast_response(response::text(status::ok, "twelve bytes"), 11, true, true);
  EXPECT_EQ(head[http::field::content_length], "12");
  EXPECT_EQ(head.body(), "");
  auto none = to_beast_response(response::text(status::no_content, "ignored"), 11, true, false);
  EXPECT_EQ(none.body(), "");
  EXPECT_EQ(none.count(http::field::content_length), 0u);
}

TEST(HttpIo, FailingWritesReportTheError) {
  bool succeeded = false;
  for (std::size_t n = 0; n < 20 && !succeeded; ++n) {
    asio::io_context ioc;
    beast::test::fail_count fc(n);
    beast::test::stream ts(ioc, fc), peer(ioc);
    ts.connect(peer);
    auto res = to_beast_response(response::text(status::ok, std::string(10000, 'w')), 11, true, false);
    const auto ec = run_sync(ioc, write_response(ts, res));
    if (!ec) {
      succeeded = true;
      EXPECT_TRUE(peer.str().ends_with(std::string(10000, 'w')));
    } else {
      EXPECT_EQ(ec, beast::test::error::test_failure);
    }
  }
  EXPECT_TRUE(succeeded);
}

TEST(HttpIo, ConversionToNetRequestKeepsFieldsAndMovesTheBody) {
  beast_request req{http::verb::put, "/a%20b?c=d", 11};
  req.set(http::field::host, "h");
  req.insert("X-Twice", "1");
  req.insert("X-Twice", "2");
  req.body() = std::string(5000, 'b');
  const auto* body_data = req.body().data();
  auto out = to_net_request(req);
  EXPECT_EQ(out.method, verb::put);
  EXPECT_EQ(out.method_text, "PUT");
  EXPECT_EQ(out.target, "/a%20b?c=d");
  EXPECT_EQ(out.headers.get("host"), "h");
  EXPECT_EQ(out.headers.size(), 3u);
  EXPECT_EQ(out.body.data(), body_data) << "moved, not copied";
  EXPECT_TRUE(out.keep_alive);
}

}  // namespace http_io_test
}  // namespace tessera::net::detail
