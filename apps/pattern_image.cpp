#include "apps/pattern_image.h"

#include <array>
#include <stdexcept>

// Debian's libstb-dev ships the single-file stb libraries under /usr/include/stb; the writer's
// implementation is compiled here, with internal linkage (no clash with a libstb that another
// library might bring).
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>

namespace attnzoo::cli {

namespace {

using Color = std::array<uint8_t, 3>;
constexpr Color kAllowed = {31, 78, 121};
constexpr Color kAllowedBorder = {86, 128, 166};
constexpr Color kEmpty = {255, 255, 255};
constexpr Color kEmptyBorder = {228, 228, 228};
constexpr Color kBlockLine = {150, 150, 150};

bool has_borders(const PatternImageOptions& options) {
  return options.cell >= 3;
}

void fill(RgbImage& image, int64_t x0, int64_t y0, int64_t w, int64_t h, const Color& color) {
  for (int64_t y = y0; y < y0 + h; ++y) {
    uint8_t* row = image.pixels.data() + (y * image.width + x0) * 3;
    for (int64_t x = 0; x < w; ++x) {
      row[3 * x] = color[0];
      row[3 * x + 1] = color[1];
      row[3 * x + 2] = color[2];
    }
  }
}

}  // namespace

int64_t panel_size(int64_t n, const PatternImageOptions& options) {
  return n * options.cell + (has_borders(options) ? 1 : 0);
}

int64_t panel_gap(const PatternImageOptions& options) {
  return 2 * options.cell;
}

RgbImage draw_pattern(const torch::Tensor& mask, const PatternImageOptions& options) {
  TORCH_CHECK(mask.dim() == 3 && mask.size(1) == mask.size(2),
              "a pattern picture needs a [panels, n, n] mask, got ", mask.sizes());
  TORCH_CHECK(options.cell >= 1, "cell size must be >= 1, got ", options.cell);
  const auto allowed = mask.to(torch::kBool).contiguous();
  const int64_t panels = allowed.size(0), n = allowed.size(1), cell = options.cell;
  const int64_t size = panel_size(n, options), gap = panel_gap(options);
  const bool borders = has_borders(options);
  const bool blocks = borders && options.block > 1 && options.block < n;

  RgbImage image;
  image.width = panels * size + (panels - 1) * gap;
  image.height = size;
  image.pixels.assign(static_cast<size_t>(image.width * image.height * 3), 255);
  const auto a = allowed.accessor<bool, 3>();
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t x0 = p * (size + gap);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const bool on = a[p][i][j];
        const int64_t x = x0 + j * cell, y = i * cell;
        fill(image, x, y, cell, cell, on ? kAllowed : kEmpty);
        if (borders) {
          fill(image, x, y, cell, 1, on ? kAllowedBorder : kEmptyBorder);
          fill(image, x, y, 1, cell, on ? kAllowedBorder : kEmptyBorder);
        }
      }
    }
    if (!borders)
      continue;
    // Block boundaries, then the panel's frame, over the cells.
    for (int64_t k = 0; k <= n; ++k) {
      const bool frame = k == 0 || k == n;
      if (!frame && !(blocks && k % options.block == 0))
        continue;
      fill(image, x0 + k * cell, 0, 1, size, kBlockLine);
      fill(image, x0, k * cell, size, 1, kBlockLine);
    }
  }
  return image;
}

void write_png(const std::string& path, const RgbImage& image) {
  const int ok =
      stbi_write_png(path.c_str(), static_cast<int>(image.width), static_cast<int>(image.height), 3,
                     image.pixels.data(), static_cast<int>(image.width * 3));
  if (!ok)
    throw std::runtime_error("cannot write PNG '" + path + "'");
}

}  // namespace attnzoo::cli
