#include "models/registry.h"

#include <stdexcept>

#include "models/attention/bigbird_attention.h"
#include "models/attention/gat_attention.h"
#include "models/attention/global_attention.h"
#include "models/attention/graph_dot_attention.h"
#include "models/attention/linear_attention.h"
#include "models/attention/local_attention.h"
#include "models/attention/longformer_attention.h"
#include "models/attention/multi_head_attention.h"
#include "models/attention/self_attention.h"
#include "models/attention/stride_attention.h"
#include "models/attention/truncated_attention.h"
#include "models/baselines/bilstm_mixer.h"
#include "models/baselines/convolution_mixer.h"

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

std::shared_ptr<AttentionLayerImpl> make_linear(const AttentionConfig& c) {
  // The feature map replaces both the scores and their normalization.
  if (c.score != Score::kDot || c.normalization != Normalization::kSoftmax)
    throw std::invalid_argument(
        "linear attention has its own feature map: --score and --normalization do not apply");
  return std::make_shared<LinearAttentionImpl>(
      LinearAttentionOptions(c.d_model, c.heads).causal(c.causal).chunk(c.linear_chunk));
}

std::shared_ptr<AttentionLayerImpl> make_cnn(const AttentionConfig& c) {
  return std::make_shared<ConvolutionMixerImpl>(ConvolutionMixerOptions(c.d_model)
                                                    .kernel_size(c.conv_kernel)
                                                    .grid_width(c.grid_width)
                                                    .grid_offset(c.grid_offset));
}

std::shared_ptr<AttentionLayerImpl> make_lstm(const AttentionConfig& c) {
  return std::make_shared<BiLstmMixerImpl>(BiLstmMixerOptions(c.d_model));
}

template <typename Layer>
std::shared_ptr<GraphAttentionLayerImpl> make_graph_layer(const AttentionConfig& c,
                                                          const GraphAttentionOptions& shape) {
  return std::make_shared<Layer>(
      GraphAttentionOptions(shape).dropout(c.dropout).negative_slope(c.negative_slope));
}

}  // namespace

const std::vector<AttentionEntry>& attention_registry() {
  static const std::vector<AttentionEntry> entries = {
      {"vanilla", "single-head self-attention, dot-product or additive scores, softmax or ReLU",
       make_vanilla, nullptr},
      {"multihead", "multi-head self-attention with an output projection (dense, n^2)",
       make_multihead, nullptr},
      {"truncated", "query i sees keys i-left .. i+right (streaming when right = 0)",
       make_truncated, nullptr},
      {"local", "sliding window |i - j| <= window, computed block-sparse", make_local, nullptr},
      {"stride", "Sparse Transformer strided pattern (i - j) mod stride == 0, plus a local window",
       make_stride, nullptr},
      {"global", "global tokens attend to all keys and all queries attend to them", make_global,
       nullptr},
      {"longformer", "sliding window (dilated per head) plus global tokens with own projections",
       make_longformer, nullptr},
      {"bigbird", "BigBird ITC: 3-block window, global blocks and seeded random blocks",
       make_bigbird, nullptr},
      {"linear", "linear attention phi(Q) (phi(K)^T V), phi = elu + 1 (n d^2; --causal)",
       make_linear, nullptr},
      {"cnn", "baseline: convolution over neighbouring tokens (1-D; 2-D over image patches)",
       make_cnn, nullptr},
      {"lstm", "baseline: bidirectional LSTM over the sequence", make_lstm, nullptr},
      {"gat", "graph: GAT additive scores LeakyReLU(a^T [Wh_i || Wh_j]) along the edges", nullptr,
       make_graph_layer<GatAttentionImpl>},
      {"graph", "graph: scaled dot-product multi-head attention along the edges only", nullptr,
       make_graph_layer<GraphDotAttentionImpl>},
  };
  return entries;
}

std::string attention_names(VariantKind kind) {
  std::string names;
  for (const auto& entry : attention_registry()) {
    if ((kind == VariantKind::kGraph && !entry.is_graph()) ||
        (kind == VariantKind::kSequence && entry.is_graph()))
      continue;
    if (!names.empty())
      names += ", ";
    names += entry.name;
  }
  return names;
}

bool is_graph_attention(const std::string& name) {
  for (const auto& entry : attention_registry()) {
    if (entry.name == name)
      return entry.is_graph();
  }
  return false;
}

std::shared_ptr<AttentionLayerImpl> make_attention(const AttentionConfig& config) {
  for (const auto& entry : attention_registry()) {
    if (entry.name != config.name)
      continue;
    if (entry.is_graph()) {
      throw std::invalid_argument("'" + config.name +
                                  "' is a graph attention: it needs a graph dataset; sequence "
                                  "variants: " +
                                  attention_names(VariantKind::kSequence));
    }
    return entry.make(config);
  }
  throw std::invalid_argument("unknown attention '" + config.name +
                              "'; known: " + attention_names());
}

std::shared_ptr<GraphAttentionLayerImpl> make_graph_attention(const AttentionConfig& config,
                                                              GraphAttentionOptions shape) {
  for (const auto& entry : attention_registry()) {
    if (entry.name == config.name && entry.is_graph())
      return entry.make_graph(config, shape);
  }
  throw std::invalid_argument("'" + config.name + "' is not a graph attention; graph variants: " +
                              attention_names(VariantKind::kGraph));
}

}  // namespace attnzoo
