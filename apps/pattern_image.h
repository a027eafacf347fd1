#pragma once
// Pictures of attention patterns, as the Longformer and BigBird papers draw them: query rows top
// to bottom, key columns left to right, allowed pairs filled; one panel per head side by side.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace attnzoo::cli {

/// An 8-bit RGB image, rows top to bottom.
struct RgbImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;  ///< width * height * 3
};

struct PatternImageOptions {
  /// Pixels per (query, key) cell. From 3 up, each cell gets a light one-pixel border on its top
  /// and left (and the panel a closing one on its right and bottom).
  int64_t cell = 8;
  /// Block size of the pattern: a darker grid line every `block` cells (0 or 1: none).
  int64_t block = 0;
};

/// Layout: panel p's cell (i, j) covers x in [p * (panel_size + gap) + j * cell, ... + cell) and
/// y in [i * cell, (i + 1) * cell), where panel_size = n * cell (+ 1 with borders) and gap =
/// 2 * cell; the middle pixel of a cell is never a border.
int64_t panel_size(int64_t n, const PatternImageOptions& options);
int64_t panel_gap(const PatternImageOptions& options);

/// Draws `mask` ([panels, n, n] bool, true: query i may attend to key j).
RgbImage draw_pattern(const torch::Tensor& mask, const PatternImageOptions& options);

/// Writes `image` as a PNG file; throws std::runtime_error naming the path when it cannot.
void write_png(const std::string& path, const RgbImage& image);

}  // namespace attnzoo::cli
