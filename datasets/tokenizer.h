#pragma once
// Turning a line of text into tokens, before the vocabulary maps them to ids.
//
//   words  split on runs of ASCII whitespace (space, \t, \n, \r, \f, \v); a word keeps every
//          other byte as it is, including bytes that are not valid UTF-8
//   chars  one token per UTF-8 code point, whitespace included. Each byte that does not start a
//          well-formed sequence (a stray continuation byte, a truncated sequence, an overlong
//          form, a surrogate, a code point above U+10FFFF, bytes F5..FF) becomes its own
//          U+FFFD REPLACEMENT CHARACTER token, and decoding goes on at the next byte; so every
//          token is valid UTF-8 and no input can crash it
//   bytes  one token per byte (a one-byte string, which need not be valid UTF-8)
//
// `lowercase` lowers ASCII A-Z only (before splitting); other letters are left as they are.

#include <string>
#include <string_view>
#include <vector>

namespace attnzoo {

class Tokenizer {
 public:
  enum class Kind { kWords, kChars, kBytes };

  /// `name` is words, chars or bytes; throws std::invalid_argument naming the option tokenizer.
  explicit Tokenizer(const std::string& name = "words", bool lowercase = false);
  Tokenizer(Kind kind, bool lowercase) : kind_(kind), lowercase_(lowercase) {}

  std::vector<std::string> operator()(std::string_view text) const;

  Kind kind() const { return kind_; }
  bool lowercase() const { return lowercase_; }
  /// "words", "chars" or "bytes".
  const char* name() const;

 private:
  Kind kind_ = Kind::kWords;
  bool lowercase_ = false;
};

/// "words, chars, bytes".
std::string tokenizer_names();

/// The UTF-8 code points of `text`, each as its own string; invalid bytes become U+FFFD, one per
/// byte (see above).
std::vector<std::string> split_utf8(std::string_view text);

/// `text` with ASCII A-Z lowered.
std::string ascii_lowercase(std::string_view text);

}  // namespace attnzoo
