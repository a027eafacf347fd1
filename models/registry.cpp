#include "models/registry.h"

#include <stdexcept>

#include "models/attention/bigbird_attention.h"
#include "models/attention/global_attention.h"
#include "models/attention/local_attention.h"
#include "models/attention/longformer_attention.h"
#include "models/attention/multi_head_attention.h"
#include "models/attention/self_attention.h"
#include "models/attention/stride_attention.h"
#include "models/attention/truncated_attention.h"

namespace attnzoo {

namespace {

std::shared_ptr<AttentionLayerImpl> make_vanilla(const AttentionConfig& c) {
  return std::make_shared<SelfAttentionImpl>(SelfAttentionOptions(c.d_model)
                                                 .score(c.score)
                                                 .normalization(c.normalization)
                                                 .dropout(c.dropout));
}

std::shared_ptr<AttentionLayerImpl> make_multihead(const AttentionConfig& c) {
  return std::make_shared<MultiHeadAttentionImpl>(MultiHeadAttentionOptions(c.d_model, c.heads)
                                                      .score(c.score)
                                                      .normalization(c.normalization)
                                                      .dropout(c.dropout));
}

// The sparse variants share the multi-head fields; each adds its own pattern's.
template <typename Options>
Options sparse_options(const AttentionConfig& c) {
  return Options(c.d_model, c.heads)
      .score(c.score)
      .normalization(c.normalization)
      .dropout(c.dropout);
}

std::shared_ptr<AttentionLayerImpl> make_truncated(const AttentionConfig& c) {
  return std::make_shared<TruncatedAttentionImpl>(sparse_options<TruncatedAttentionOptions>(c)
                                                      .left(c.truncate_left)
                                                      .right(c.truncate_right)
                                                      .block_size(c.kernel_block));
}

std::shared_ptr<AttentionLayerImpl> make_local(const AttentionConfig& c) {
  return std::make_shared<LocalAttentionImpl>(
      sparse_options<LocalAttentionOptions>(c).window(c.window).block_size(c.kernel_block));
}

std::shared_ptr<AttentionLayerImpl> make_stride(const AttentionConfig& c) {
  return std::make_shared<StrideAttentionImpl>(
      sparse_options<StrideAttentionOptions>(c).stride(c.stride).window(c.window).block_size(
          c.kernel_block));
}

std::shared_ptr<AttentionLayerImpl> make_global(const AttentionConfig& c) {
  return std::make_shared<GlobalAttentionImpl>(
      sparse_options<GlobalAttentionOptions>(c).globals(c.globals));
}

std::shared_ptr<AttentionLayerImpl> make_longformer(const AttentionConfig& c) {
  return std::make_shared<LongformerAttentionImpl>(sparse_options<LongformerAttentionOptions>(c)
                                                       .window(c.window)
                                                       .dilation(c.dilation)
                                                       .globals(c.globals)
                                                       .block_size(c.kernel_block));
}

std::shared_ptr<AttentionLayerImpl> make_bigbird(const AttentionConfig& c) {
  return std::make_shared<BigBirdAttentionImpl>(sparse_options<BigBirdAttentionOptions>(c)
                                                    .block_size(c.block_size)
                                                    .window_blocks(c.window_blocks)
                                                    .global_blocks(c.global_blocks)
                                                    .random_blocks(c.random_blocks)
                                                    .seed(c.pattern_seed));
}

}  // namespace

const std::vector<AttentionEntry>& attention_registry() {
  static const std::vector<AttentionEntry> entries = {
      {"vanilla", "single-head self-attention, dot-product or additive scores, softmax or ReLU",
       make_vanilla},
      {"multihead", "multi-head self-attention with an output projection (dense, n^2)",
       make_multihead},
      {"truncated", "query i sees keys i-left .. i+right (streaming when right = 0)",
       make_truncated},
      {"local", "sliding window |i - j| <= window, computed block-sparse", make_local},
      {"stride", "Sparse Transformer strided pattern (i - j) mod stride == 0, plus a local window",
       make_stride},
      {"global", "global tokens attend to all keys and all queries attend to them", make_global},
      {"longformer", "sliding window (dilated per head) plus global tokens with own projections",
       make_longformer},
      {"bigbird", "BigBird ITC: 3-block window, global blocks and seeded random blocks",
       make_bigbird},
  };
  return entries;
}

std::string attention_names() {
  std::string names;
  for (const auto& entry : attention_registry()) {
    if (!names.empty())
      names += ", ";
    names += entry.name;
  }
  return names;
}

std::shared_ptr<AttentionLayerImpl> make_attention(const AttentionConfig& config) {
  for (const auto& entry : attention_registry()) {
    if (entry.name == config.name)
      return entry.make(config);
  }
  throw std::invalid_argument("unknown attention '" + config.name +
                              "'; known: " + attention_names());
}

}  // namespace attnzoo
