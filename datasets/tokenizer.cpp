#include "datasets/tokenizer.h"

#include <stdexcept>

#include "datasets/vocabulary.h"

namespace attnzoo {
namespace {

constexpr const char* kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// The length of the well-formed UTF-8 sequence starting at `at`, or 0 when the byte there does
// not start one. The ranges are those of the Unicode standard's table of well-formed byte
// sequences (Table 3-7), which rule out overlong forms, surrogates and values above U+10FFFF.
size_t sequence_length(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const size_t left = text.size() - at;
  const unsigned char lead = byte(0);
  if (lead < 0x80)
    return 1;
  size_t length = 0;
  unsigned char second_low = 0x80, second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0)
      second_low = 0xA0;  // overlong below U+0800
    if (lead == 0xED)
      second_high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0)
      second_low = 0x90;  // overlong below U+10000
    if (lead == 0xF4)
      second_high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0, C1 (always overlong) or F5..FF
  }
  if (left < length)
    return 0;
  if (byte(1) < second_low || byte(1) > second_high)
    return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!is_continuation(byte(i)))
      return 0;
  }
  return length;
}

}  // namespace

Tokenizer::Tokenizer(const std::string& name, bool lowercase) : lowercase_(lowercase) {
  if (name == "words") {
    kind_ = Kind::kWords;
  } else if (name == "chars") {
    kind_ = Kind::kChars;
  } else if (name == "bytes") {
    kind_ = Kind::kBytes;
  } else {
    throw std::invalid_argument("option tokenizer is '" + name + "' (expected " +
                                tokenizer_names() + ")");
  }
}

const char* Tokenizer::name() const {
  switch (kind_) {
    case Kind::kWords:
      return "words";
    case Kind::kChars:
      return "chars";
    case Kind::kBytes:
      return "bytes";
  }
  return "words";
}

std::string tokenizer_names() {
  return "words, chars, bytes";
}

std::vector<std::string> Tokenizer::operator()(std::string_view text) const {
  const std::string lowered = lowercase_ ? ascii_lowercase(text) : std::string();
  const std::string_view input = lowercase_ ? std::string_view(lowered) : text;
  switch (kind_) {
    case Kind::kWords:
      return split_whitespace(std::string(input));
    case Kind::kChars:
      return split_utf8(input);
    case Kind::kBytes:
      break;
  }
  std::vector<std::string> bytes;
  bytes.reserve(input.size());
  for (const char c : input)
    bytes.emplace_back(1, c);
  return bytes;
}

std::vector<std::string> split_utf8(std::string_view text) {
  std::vector<std::string> chars;
  chars.reserve(text.size());
  size_t at = 0;
  while (at < text.size()) {
    const size_t length = sequence_length(text, at);
    if (length == 0) {
      chars.emplace_back(kReplacementCharacter);
      ++at;
    } else {
      chars.emplace_back(text.substr(at, length));
      at += length;
    }
  }
  return chars;
}

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace attnzoo
