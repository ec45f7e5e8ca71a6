#pragma once
/// Tokens of the gst-launch description syntax, read one at a time.
///
/// The lexer follows gst/parse/parse.l in spirit: a word followed by `.` is a
/// reference (`t.`, `t.src_0`), a word followed (after optional whitespace) by
/// `=` is a property, any other word is an element factory, `!` is a link, `(` or
/// `type.(` opens a bin and `)` closes it. As in gst-launch, an unquoted property
/// value runs to whitespace or `!`, so a `)` right after it belongs to it. Caps
/// are only recognised right after a link (the caller says so): a media type
/// `xxx/yyy` or a quoted string starts caps text that runs to the next unquoted
/// `!`. Everything is iterative; the lexer never recurses.

#include "core/parse/pipeline_desc.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::core {

enum class launch_token_kind {
  end,        ///< no more input
  link,       ///< `!`
  element,    ///< text = factory name
  property,   ///< text = property name, value = unescaped value
  reference,  ///< text = element name, value = pad name (may be empty)
  caps,       ///< value = caps text (unquoted if it was one quoted string)
  bin_open,   ///< `(` or `type.(`: text = the bin type ("bin" for a bare `(`)
  bin_close,  ///< `)`
};

struct launch_token {
  launch_token_kind kind = launch_token_kind::end;
  source_position position;        ///< first character of the token
  std::string text;
  std::string value;
  bool quoted = false;             ///< property or caps value was one quoted string
  source_position value_position;  ///< property: first character of the value
};

/// Splits a description into tokens. Borrows the text for its lifetime; not
/// thread-safe (one parse, one lexer).
class launch_lexer {
 public:
  explicit launch_lexer(std::string_view text) : text_(text) {}

  /// The next token, or a parse_error whose message starts with "line:column: ".
  /// `after_link`: the previous token was `!`, so caps may start here.
  result<launch_token> next(bool after_link);

 private:
  bool at_end() const { return offset_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[offset_]; }
  void advance();
  void skip_space();
  bool looks_like_media_type() const;

  result<launch_token> lex_word(launch_token token);
  result<launch_token> lex_caps(launch_token token);
  /// After a word: `.(` (spaces allowed around the dot) makes it a bin type and the
  /// token a bin_open; otherwise nothing is consumed.
  std::optional<launch_token> lex_bin_type(launch_token& token);
  result<void> lex_value(launch_token& token);
  /// Appends a quoted string's unescaped content; the cursor is on the quote.
  result<void> read_quoted(std::string& out);
  /// Moves past a quoted string (the cursor is on the quote).
  result<void> skip_quoted();
  /// Appends a quoted string verbatim (quotes and escapes kept).
  result<void> copy_quoted(std::string& out);
  /// After a word, reference or value: only whitespace, `!` or the end may follow.
  result<void> expect_boundary(std::string_view after);

  error fail_here(std::string_view what) const;

  std::string_view text_;
  std::size_t offset_ = 0;
  source_position position_;
};

/// How a character is shown in an error message: `"x"` or `byte 0xC3`.
std::string describe_char(char c);

}  // namespace tessera::core
