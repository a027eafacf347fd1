#pragma once
// Token <-> id mapping. Id 0 is padding and id 1 the unknown token, in every vocabulary.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace attnzoo {

class Vocabulary {
 public:
  static constexpr int64_t kPad = 0;
  static constexpr int64_t kUnknown = 1;

  Vocabulary();
  /// Adds a token if it is new; returns its id.
  int64_t add(const std::string& token);
  /// The id of a token, kUnknown for tokens never added.
  int64_t id(const std::string& token) const;
  const std::string& token(int64_t id) const { return tokens_.at(static_cast<size_t>(id)); }
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }

  std::vector<int64_t> encode(const std::vector<std::string>& tokens) const;

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
};

/// Splits on runs of ASCII whitespace.
std::vector<std::string> split_whitespace(const std::string& text);

}  // namespace attnzoo
