#pragma once
// Token sequences with one label each (sequence classification), and a text task: the three
// splits with the vocabulary and label names they share.

#include <string>
#include <vector>

#include "datasets/batch.h"
#include "datasets/vocabulary.h"

namespace attnzoo {

struct TokenExample {
  std::vector<int64_t> tokens;
  int64_t label = 0;
};

class TokenDataset : public BatchSource {
 public:
  TokenDataset() = default;
  explicit TokenDataset(std::vector<TokenExample> examples) : examples_(std::move(examples)) {}

  int64_t size() const override { return static_cast<int64_t>(examples_.size()); }
  int64_t length(int64_t index) const override {
    return static_cast<int64_t>(examples_.at(static_cast<size_t>(index)).tokens.size());
  }
  /// Pads with Vocabulary::kPad to the longest example of the batch.
  Batch batch(const std::vector<int64_t>& indices) const override;

  const std::vector<TokenExample>& examples() const { return examples_; }
  int64_t max_length() const;

 private:
  std::vector<TokenExample> examples_;
};

struct TextTask {
  std::string name;  ///< e.g. "listops"
  Vocabulary vocabulary;
  std::vector<std::string> label_names;
  TokenDataset train, validation, test;

  int64_t num_classes() const { return static_cast<int64_t>(label_names.size()); }
  /// The longest example over all splits.
  int64_t max_length() const;
};

}  // namespace attnzoo
