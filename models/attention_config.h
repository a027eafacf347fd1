#pragma once
// Everything a user can say about an attention layer, by name, in one struct: the CLI and config
// files fill it, and the registry turns it into the Options of the chosen variant.

#include <cstdint>
#include <string>
#include <vector>

#include "models/attention/attention_kernel.h"

namespace attnzoo {

struct AttentionConfig {
  std::string name = "multihead";  ///< a name from the registry (`attnzoo list`), `--model`
  int64_t d_model = 64;
  int64_t heads = 4;
  double dropout = 0.0;  ///< on attention weights
  Score score = Score::kDot;
  Normalization normalization = Normalization::kSoftmax;

  // Sparse variants. The defaults are the reference configuration of the benchmarks: about 256
  // keys per query for local and longformer, one global token for longformer, and BigBird with
  // blocks of 64, a 3-block window, 2 global blocks and 3 random blocks.
  /// local, longformer, stride: query i sees keys j with |i - j| <= window, i.e. 2 * window + 1
  /// keys (257 by default); for stride, -1 means no local window.
  int64_t window = 128;
  /// truncated: query i sees keys i - truncate_left .. i + truncate_right (right 0: streaming).
  int64_t truncate_left = 255;
  int64_t truncate_right = 0;
  /// stride: query i also sees every key j with (i - j) mod stride == 0.
  int64_t stride = 64;
  /// global, longformer: the first `globals` tokens are global.
  int64_t globals = 1;
  /// longformer: the window's dilation for each head (empty: 1 for every head; one value: that
  /// value for every head); head h sees j = i + k * dilation[h] for |k| <= window.
  std::vector<int64_t> dilation;
  /// bigbird: block size, window in blocks (odd), global blocks (half at each end), random blocks
  /// per query block, and the seed that fixes the random blocks.
  int64_t block_size = 64;
  int64_t window_blocks = 3;
  int64_t global_blocks = 2;
  int64_t random_blocks = 3;
  uint64_t pattern_seed = 0;
  /// gat: slope of the LeakyReLU on the additive scores.
  double negative_slope = 0.2;
  /// cnn: the convolution's kernel size (odd).
  int64_t conv_kernel = 3;
  /// cnn: set by the image model, whose patch tokens are a grid this wide after grid_offset
  /// leading tokens ([CLS]), so the convolution is 2-D there (0: a 1-D sequence).
  int64_t grid_width = 0;
  int64_t grid_offset = 0;
  /// linear: query i sees only keys j <= i, computed a chunk of `linear_chunk` queries at a time
  /// (the chunk changes speed and memory, never the result).
  bool causal = false;
  int64_t linear_chunk = 64;
  /// truncated, local, stride, global, longformer: the kernel's block size (0: automatic). It
  /// changes speed and memory, never the result.
  int64_t kernel_block = 0;
};

}  // namespace attnzoo
