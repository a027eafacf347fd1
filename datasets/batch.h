#pragma once
// The one thing every dataset hands the trainer and every model reads.

#include <algorithm>
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace attnzoo {

/// Labels equal to kIgnoreLabel (padding in sequence labelling) count in neither loss nor metric.
constexpr int64_t kIgnoreLabel = -100;

struct Batch {
  torch::Tensor inputs;  ///< token ids [B, n] int64, features [B, n, F], images [B, C, H, W], or
                         ///< node features [N, F] (a graph: B is the number of nodes)
  torch::Tensor mask;    ///< [B, n] bool, true at real positions (undefined when all are real)
  torch::Tensor labels;  ///< [B] (classification) or [B, n] (labelling) int64
  torch::Tensor edges;   ///< graphs only: [2, E] int64, edge e from node edges[0][e] to edges[1][e]

  int64_t size() const { return inputs.size(0); }
  Batch to(const torch::Device& device) const {
    auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device) : t; };
    return {move(inputs), move(mask), move(labels), move(edges)};
  }
};

/// The length a batch whose longest example has `n` positions is padded to: `n` rounded up to one
/// of eight sizes per power of two (a multiple of 2^(floor(log2 n) - 3)), so at most an eighth
/// more, but never past `split_longest`, the longest example of the split (which the model
/// accepts), nor below `n`. With exact lengths every batch brings new tensor sizes, the blocks the
/// allocator keeps for reuse (core/runtime.h) fit ever worse and the heap only grows (24 GB
/// after 5,000 ListOps steps of 500-2000 tokens); with these few sizes it stays at a step's peak.
inline int64_t padded_batch_length(int64_t n, int64_t split_longest) {
  if (n <= 8)
    return n;
  int log2 = 0;
  while ((n >> (log2 + 1)) > 0)
    ++log2;
  const int64_t step = int64_t{1} << (log2 - 3);
  return std::max(n, std::min((n + step - 1) / step * step, split_longest));
}

/// A dataset split that the trainer can batch: examples addressed by index, with a length used to
/// bucket examples of similar length together (less padding).
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t size() const = 0;
  virtual int64_t length(int64_t index) const = 0;
  /// What the metrics count as examples: the indices by default; a graph split (one index, the
  /// whole graph) counts its labelled nodes.
  virtual int64_t example_count() const { return size(); }
  /// Collates the examples into one padded batch.
  virtual Batch batch(const std::vector<int64_t>& indices) const = 0;
};

/// Some examples of another source, by index (the other source must outlive it).
class SubsetSource : public BatchSource {
 public:
  SubsetSource(const BatchSource& base, std::vector<int64_t> indices)
      : base_(base), indices_(std::move(indices)) {}
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  int64_t length(int64_t index) const override { return base_.length(indices_[index]); }
  Batch batch(const std::vector<int64_t>& indices) const override {
    std::vector<int64_t> picked;
    picked.reserve(indices.size());
    for (auto i : indices)
      picked.push_back(indices_[i]);
    return base_.batch(picked);
  }

 private:
  const BatchSource& base_;
  std::vector<int64_t> indices_;
};

}  // namespace attnzoo
