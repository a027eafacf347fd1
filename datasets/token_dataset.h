#pragma once
// Token sequences with one label each (sequence classification) or one label per token (sequence
// labelling), and a text task: the three splits with the vocabulary and label names they share.

#include <string>
#include <vector>

#include "datasets/batch.h"
#include "datasets/vocabulary.h"

namespace attnzoo {

struct TokenExample {
  std::vector<int64_t> tokens;
  int64_t label = 0;          ///< classification: the sequence's label
  std::vector<int64_t> tags;  ///< labelling: one label per token (same length as tokens)
};

class TokenDataset : public BatchSource {
 public:
  TokenDataset() = default;
  /// With `labelling`, examples carry per-token `tags` and batches have [B, n] labels.
  explicit TokenDataset(std::vector<TokenExample> examples, bool labelling = false);

  int64_t size() const override { return static_cast<int64_t>(examples_.size()); }
  int64_t length(int64_t index) const override {
    return static_cast<int64_t>(examples_.at(static_cast<size_t>(index)).tokens.size());
  }
  /// Pads tokens with Vocabulary::kPad and tags with kIgnoreLabel to padded_batch_length of the
  /// longest example, at most to the longest example of the split (which the model accepts).
  Batch batch(const std::vector<int64_t>& indices) const override;

  const std::vector<TokenExample>& examples() const { return examples_; }
  int64_t max_length() const { return max_length_; }
  bool labelling() const { return labelling_; }

 private:
  std::vector<TokenExample> examples_;
  bool labelling_ = false;
  int64_t max_length_ = 0;
};

struct TextTask {
  std::string name;  ///< e.g. "listops"
  Vocabulary vocabulary;
  std::vector<std::string> label_names;  ///< class names, or tag names for labelling
  bool labelling = false;                ///< a label per token instead of per sequence
  TokenDataset train, validation, test;

  int64_t num_classes() const { return static_cast<int64_t>(label_names.size()); }
  /// The longest example over all splits.
  int64_t max_length() const;
};

}  // namespace attnzoo
