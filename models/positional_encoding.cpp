#include "models/positional_encoding.h"

#include <cmath>
#include <stdexcept>

#include <torch/nn/init.h>

namespace attnzoo {

const char* to_string(PositionalKind kind) {
  switch (kind) {
    case PositionalKind::kNone:
      return "none";
    case PositionalKind::kSinusoidal:
      return "sinusoidal";
    case PositionalKind::kLearned:
      return "learned";
  }
  return "?";
}

PositionalKind parse_positional(const std::string& name) {
  if (name == "none")
    return PositionalKind::kNone;
  if (name == "sinusoidal")
    return PositionalKind::kSinusoidal;
  if (name == "learned")
    return PositionalKind::kLearned;
  throw std::invalid_argument(
      "positional encoding must be 'none', 'sinusoidal' or 'learned', got '" + name + "'");
}

int64_t positions_max_length(PositionalKind kind, int64_t max_positions) {
  return kind == PositionalKind::kLearned ? max_positions : 0;
}

torch::Tensor sinusoidal_table(int64_t length, int64_t d_model, torch::Device device) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  auto position = torch::arange(length, f64).unsqueeze(1);  // [n, 1]
  // 10000^(-2i/d) for the even dimensions 2i.
  auto inv_freq = torch::exp(torch::arange(0, d_model, 2, f64) * (-std::log(10000.0) / d_model));
  auto angles = position * inv_freq;  // [n, ceil(d/2)]
  auto table = torch::zeros({length, d_model}, f64);
  using torch::indexing::None;
  using torch::indexing::Slice;
  table.index_put_({Slice(), Slice(0, None, 2)}, torch::sin(angles));
  table.index_put_({Slice(), Slice(1, None, 2)}, torch::cos(angles).narrow(1, 0, d_model / 2));
  return table.to(torch::kFloat32);
}

PositionalEncodingImpl::PositionalEncodingImpl(const PositionalEncodingOptions& options_)
    : options(options_) {
  reset();
}

void PositionalEncodingImpl::reset() {
  table = torch::Tensor();
  if (options.kind() == PositionalKind::kLearned) {
    TORCH_CHECK(options.max_positions() > 0, "learned positions need max_positions > 0, got ",
                options.max_positions());
    table = register_parameter("table", torch::empty({options.max_positions(), options.d_model()}));
    torch::nn::init::normal_(table, 0.0, 0.02);
  }
}

torch::Tensor PositionalEncodingImpl::forward(const torch::Tensor& x) {
  const int64_t n = x.size(1);
  switch (options.kind()) {
    case PositionalKind::kNone:
      return x;
    case PositionalKind::kSinusoidal:
      return x + sinusoidal_table(n, options.d_model(), x.device()).to(x.dtype()).unsqueeze(0);
    case PositionalKind::kLearned:
      break;
  }
  TORCH_CHECK(n <= options.max_positions(), "a sequence of ", n,
              " positions is longer than the learned position table (", options.max_positions(),
              " rows)");
  return x + table.narrow(0, 0, n).to(x.dtype()).unsqueeze(0);
}

}  // namespace attnzoo
