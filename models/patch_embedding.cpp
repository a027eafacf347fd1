#include "models/patch_embedding.h"

namespace attnzoo {

torch::Tensor image_to_patches(const torch::Tensor& images, int64_t patch) {
  TORCH_CHECK(images.dim() == 4, "images must be [batch, channels, height, width], got ",
              images.sizes());
  const int64_t b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  TORCH_CHECK(h % patch == 0 && w % patch == 0, "image size ", h, "x", w,
              " is not divisible by the patch size ", patch, " (choose a patch that divides both)");
  return images.reshape({b, c, h / patch, patch, w / patch, patch})
      .permute({0, 2, 4, 1, 3, 5})  // [B, H/P, W/P, C, P, P]
      .reshape({b, (h / patch) * (w / patch), c * patch * patch});
}

PatchEmbeddingImpl::PatchEmbeddingImpl(const PatchEmbeddingOptions& options_) : options(options_) {
  TORCH_CHECK(options.patch() > 0, "patch size must be positive, got ", options.patch());
  projection = register_module(
      "projection",
      torch::nn::Linear(options.channels() * options.patch() * options.patch(), options.d_model()));
}

torch::Tensor PatchEmbeddingImpl::forward(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == options.channels(), "expected images [batch, ",
              options.channels(), ", height, width], got ", images.sizes());
  return projection(image_to_patches(images, options.patch()));
}

}  // namespace attnzoo
