#include "core/parse/launch_lexer.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace tessera::core {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// GStreamer's _identifier: [[:alpha:]][[:alnum:]\-_%]*
bool is_word_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '%'; }
bool is_quote(char c) { return c == '"' || c == '\''; }
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A short, single-line excerpt of `text` for an error message.
std::string excerpt(std::string_view text) {
  constexpr std::size_t max_bytes = 40;
  std::size_t end = text.find_first_of("\r\n");
  if (end == std::string_view::npos) end = text.size();
  bool cut = end < text.size();
  if (end > max_bytes) {
    end = max_bytes;
    while (end > 0 && is_continuation(text[end])) --end;
    cut = true;
  }
  return std::string(text.substr(0, end)) + (cut ? "..." : "");
}

error unterminated(source_position start, char quote) {
  return error(errc::parse_error, to_string(start) + ": unterminated string: no closing " +
                                      std::string(1, quote) + " for the quote opened here");
}

}  // namespace

std::string describe_char(char c) {
  if (c > ' ' && c < 0x7f) return std::string("\"") + c + "\"";
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "byte 0x%02X", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buffer;
}

void launch_lexer::advance() {
  char c = text_[offset_++];
  if (c == '\n') {
    ++position_.line;
    position_.column = 1;
  } else if (!is_continuation(c)) {
    ++position_.column;
  }
}

void launch_lexer::skip_space() {
  while (!at_end() && is_space(peek())) advance();
}

error launch_lexer::fail_here(std::string_view what) const {
  return error(errc::parse_error, to_string(position_) + ": " + std::string(what));
}

bool launch_lexer::looks_like_media_type() const {
  // GStreamer's _mimetype: [[:alnum:]-]+ "/" ...
  std::size_t i = offset_;
  while (i < text_.size() && (is_alpha(text_[i]) || is_digit(text_[i]) || text_[i] == '-')) ++i;
  return i > offset_ && i < text_.size() && text_[i] == '/';
}

result<launch_token> launch_lexer::next(bool after_link) {
  skip_space();
  launch_token token;
  token.position = position_;
  if (at_end()) return token;

  char c = peek();
  if (c == '!') {
    advance();
    token.kind = launch_token_kind::link;
    return token;
  }
  if (c == '(' || c == ')') {
    advance();
    token.kind = c == '(' ? launch_token_kind::bin_open : launch_token_kind::bin_close;
    if (c == '(') token.text = "bin";
    return token;
  }
  if (after_link && (is_quote(c) || looks_like_media_type())) return lex_caps(std::move(token));
  if (looks_like_media_type()) {
    std::size_t end = std::min(text_.find('!', offset_), text_.size());
    while (end > offset_ && is_space(text_[end - 1])) --end;
    return fail_here("caps \"" + excerpt(text_.substr(offset_, end - offset_)) +
                     "\" must come after an element and \"!\" (element ! caps ! element)");
  }
  if (is_alpha(c)) return lex_word(std::move(token));
  if (is_quote(c)) return fail_here("unexpected quoted string: expected an element, a reference or \"!\"");
  if (c == '.') return fail_here("unexpected \".\": a reference needs an element name before the dot (\"name.\" or \"name.pad\")");
  if (c == '=') return fail_here("unexpected \"=\" without a property name before it");
  return fail_here("unexpected character " + describe_char(c) +
                   ": expected an element, a reference or \"!\"");
}

result<void> launch_lexer::expect_boundary(std::string_view after) {
  if (at_end() || is_space(peek()) || peek() == '!' || peek() == '(' || peek() == ')') return {};
  return fail_here("unexpected " + describe_char(peek()) + " after " + std::string(after));
}

result<launch_token> launch_lexer::lex_word(launch_token token) {
  std::size_t start = offset_;
  while (!at_end() && is_word_char(peek())) advance();
  token.text = std::string(text_.substr(start, offset_ - start));

  if (auto opener = lex_bin_type(token)) return *opener;
  if (peek() == '.') {
    advance();
    std::size_t pad_start = offset_;
    if (is_alpha(peek())) {
      while (!at_end() && is_word_char(peek())) advance();
    }
    token.kind = launch_token_kind::reference;
    token.value = std::string(text_.substr(pad_start, offset_ - pad_start));
    if (auto r = expect_boundary("reference \"" + token.text + "." + token.value + "\""); !r) return r.error();
    return token;
  }

  // GStreamer allows whitespace around "=" ("width = 320").
  std::size_t word_end = offset_;
  source_position word_end_position = position_;
  skip_space();
  if (peek() == '=') {
    advance();
    token.kind = launch_token_kind::property;
    if (auto r = lex_value(token); !r) return r.error();
    return token;
  }
  offset_ = word_end;
  position_ = word_end_position;
  token.kind = launch_token_kind::element;
  if (auto r = expect_boundary("\"" + token.text + "\""); !r) return r.error();
  return token;
}

std::optional<launch_token> launch_lexer::lex_bin_type(launch_token& token) {
  // GStreamer's _binref: identifier, optional spaces, ".", optional spaces, "(".
  std::size_t i = offset_;
  while (i < text_.size() && is_space(text_[i])) ++i;
  if (i >= text_.size() || text_[i] != '.') return std::nullopt;
  ++i;
  while (i < text_.size() && is_space(text_[i])) ++i;
  if (i >= text_.size() || text_[i] != '(') return std::nullopt;
  while (offset_ <= i) advance();
  token.kind = launch_token_kind::bin_open;
  return std::move(token);
}

result<void> launch_lexer::lex_value(launch_token& token) {
  skip_space();
  token.value_position = position_;
  if (at_end() || peek() == '!') {
    return error(errc::parse_error, to_string(token.position) + ": property \"" + token.text + "\" has no value");
  }
  if (is_quote(peek())) {
    token.quoted = true;
    if (auto r = read_quoted(token.value); !r) return r;
    return expect_boundary("the quoted value of property \"" + token.text + "\"");
  }
  // Unquoted: runs to whitespace or "!"; "\x" stands for x; a quoted section
  // inside is kept as written, so caps values keep their quotes.
  while (!at_end() && !is_space(peek()) && peek() != '!') {
    char c = peek();
    if (is_quote(c)) {
      if (auto r = copy_quoted(token.value); !r) return r;
      continue;
    }
    advance();
    if (c == '\\' && !at_end()) {
      c = peek();
      advance();
    }
    token.value += c;
  }
  return {};
}

result<void> launch_lexer::read_quoted(std::string& out) {
  source_position start = position_;
  char quote = peek();
  advance();
  for (;;) {
    if (at_end()) {
      return unterminated(start, quote);
    }
    char c = peek();
    advance();
    if (c == quote) return {};
    if (c == '\\' && !at_end()) {
      c = peek();
      advance();
    }
    out += c;
  }
}

result<void> launch_lexer::skip_quoted() {
  source_position start = position_;
  char quote = peek();
  advance();
  for (;;) {
    if (at_end()) {
      return unterminated(start, quote);
    }
    char c = peek();
    advance();
    if (c == quote) return {};
    if (c == '\\' && !at_end()) advance();
  }
}

result<void> launch_lexer::copy_quoted(std::string& out) {
  std::size_t begin = offset_;
  if (auto r = skip_quoted(); !r) return r;
  out += text_.substr(begin, offset_ - begin);
  return {};
}

result<launch_token> launch_lexer::lex_caps(launch_token token) {
  // GStreamer's _caps: the text runs to the next "!" outside quotes; an escaped "\!" does not
  // end it either.
  token.kind = launch_token_kind::caps;
  std::size_t begin = offset_;
  std::string leading_unquoted;  // the leading quoted string, unescaped
  std::size_t leading_end = std::string_view::npos;
  if (is_quote(peek())) {
    if (auto r = read_quoted(leading_unquoted); !r) return r.error();
    leading_end = offset_;
  }
  while (!at_end() && peek() != '!') {
    if (is_quote(peek())) {
      if (auto r = skip_quoted(); !r) return r.error();
      continue;
    }
    char c = peek();
    advance();
    if (c == '\\' && !at_end()) advance();
  }
  std::size_t end = offset_;
  while (end > begin && is_space(text_[end - 1])) --end;
  if (at_end()) {
    return error(errc::parse_error, to_string(token.position) + ": caps \"" +
                                        excerpt(text_.substr(begin, end - begin)) +
                                        "\" must be followed by \"!\" and an element");
  }
  if (leading_end == end) {
    // The caps are exactly one quoted string: "video/x-raw, format=(string)GRAY8".
    if (leading_unquoted.find_first_not_of(" \t\r\n\v\f") == std::string::npos) {
      return error(errc::parse_error, to_string(token.position) + ": the quoted caps are empty");
    }
    token.value = std::move(leading_unquoted);
    token.quoted = true;
  } else {
    token.value = std::string(text_.substr(begin, end - begin));
  }
  return token;
}

}  // namespace tessera::core
