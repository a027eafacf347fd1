#include "models/torchscript/sequence_model_script.h"

#include <cmath>
#include <memory>

#include <fmt/core.h>

#include "models/torchscript/attention_script.h"

namespace attnzoo {

namespace {

std::string layer_norm(const std::string& x, const torch::nn::LayerNorm& norm,
                       const std::string& name) {
  return fmt::format("torch.layer_norm({}, [{}], self.{}_weight, self.{}_bias, {:.17g})", x,
                     norm->options.normalized_shape()[0], name, name, norm->options.eps());
}

// The Encoder (pre-LayerNorm blocks, then a final LayerNorm) as a method `encode(x, mask)`, each
// layer's attention a submodule `attention<l>`; models are exported in eval mode (no dropout).
std::string script_encoder(torch::jit::Module& module, EncoderImpl& encoder) {
  auto unit = std::make_shared<torch::jit::CompilationUnit>();
  std::string body;
  for (size_t l = 0; l < encoder.layers.size(); ++l) {
    auto& layer = *encoder.layers[l];
    const auto prefix = fmt::format("layer{}_", l);
    register_tensors(module, layer, prefix, "attention");
    module.register_module(fmt::format("attention{}", l),
                           script_attention(*layer.attention, fmt::format("Attention{}", l), unit));
    body += fmt::format("    h = h + self.attention{}.forward({}, mask)\n", l,
                        layer_norm("h", layer.attention_norm, prefix + "attention_norm"));
    body += fmt::format("    m = {}\n", layer_norm("h", layer.mlp_norm, prefix + "mlp_norm"));
    body += fmt::format(
        "    h = h + torch.linear(torch.gelu(torch.linear(m, self.{0}mlp_in_weight, "
        "self.{0}mlp_in_bias)), self.{0}mlp_out_weight, self.{0}mlp_out_bias)\n",
        prefix);
  }
  register_tensors(module, *encoder.final_norm, "final_norm_");
  return "\ndef encode(self, h: Tensor, mask: Tensor) -> Tensor:\n" + body + "    return " +
         layer_norm("h", encoder.final_norm, "final_norm") + "\n";
}

// Pooling (pooling.h) and the head.
std::string script_head(Pooling pooling, bool labelling) {
  std::string pooled = "h";
  if (!labelling) {
    pooled = pooling == Pooling::kCls ? "h[:, 0]"
                                      : "(h * m.unsqueeze(-1).to(h.dtype)).sum(1) / "
                                        "m.unsqueeze(-1).to(h.dtype).sum(1).clamp_min(1.0)";
  }
  return fmt::format("    return torch.linear({}, self.head_weight, self.head_bias)\n", pooled);
}

// Puts the [CLS] vector in front of x and a real-token mark in front of m.
const char* kPrependCls = R"JIT(
    x = torch.cat([self.cls.view(1, 1, -1).expand(x.size(0), 1, x.size(2)), x], 1)
    m = torch.cat([torch.ones([m.size(0), 1], dtype=torch.bool, device=m.device), m], 1)
)JIT";

// sinusoidal_table (positional_encoding.cpp) for d channels, computed for the length at hand: the
// method `sinusoidal(n, device)`.
std::string script_sinusoidal(int64_t d) {
  return fmt::format(R"JIT(
def sinusoidal(self, n: int, device: Device) -> Tensor:
    position = torch.arange(n, dtype=torch.float64, device=device).unsqueeze(1)
    inv_freq = torch.exp(torch.arange(0, {d}, 2, dtype=torch.float64, device=device) * {factor:.17g})
    angles = position * inv_freq
    table = torch.zeros([n, {d}], dtype=torch.float64, device=device)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles)[:, :{half}]
    return table.to(torch.float32)
)JIT",
                     fmt::arg("d", d), fmt::arg("half", d / 2),
                     fmt::arg("factor", -std::log(10000.0) / static_cast<double>(d)));
}

// The positions of a text or speech model (PositionalEncoding): the statement that adds them to
// x (after any [CLS]) and the methods it calls.
struct ScriptPositions {
  std::string statement, methods;
};

ScriptPositions script_positions(PositionalKind kind, int64_t d) {
  switch (kind) {
    case PositionalKind::kNone:
      return {};
    case PositionalKind::kLearned:
      return {"    x = x + self.positional_table[:x.size(1)].to(x.dtype).unsqueeze(0)\n", ""};
    case PositionalKind::kSinusoidal:
      break;
  }
  return {"    x = x + self.sinusoidal(x.size(1), x.device).to(x.dtype).unsqueeze(0)\n",
          script_sinusoidal(d)};
}

// Only a learned table bounds the length (max_length 0: any length); `what` is the start of the
// C++ model's message, with {} for the length.
std::string script_length_check(int64_t max_length, const std::string& input,
                                const std::string& what) {
  if (max_length == 0)
    return "";
  return fmt::format(
      "    assert {0}.size(1) <= self.max_length, \"{1} is longer than the learned position table "
      "(max_positions {{}})\".format({0}.size(1), self.max_length)\n",
      input, what);
}

torch::jit::Module new_module(const std::string& name, const torch::nn::Module& model,
                              const std::vector<std::string>& label_names) {
  torch::jit::Module module(name);
  register_tensors(module, model, "", "encoder");
  register_strings(module, "label_names", label_names);
  return module;
}

}  // namespace

torch::jit::Module script_text_model(TextModelImpl& model,
                                     const std::vector<std::string>& label_names,
                                     const std::vector<std::string>& vocabulary) {
  torch::NoGradGuard no_grad;
  const auto& o = model.options;
  auto module = new_module("AttnzooTextModel", model, label_names);
  register_strings(module, "vocabulary", vocabulary);
  module.register_attribute("vocab_size", c10::IntType::get(), o.vocab_size());
  module.register_attribute("max_length", c10::IntType::get(), model.max_length());
  std::string source = script_encoder(module, *model.encoder);
  source += R"JIT(
def forward(self, tokens: Tensor, mask: Tensor) -> Tensor:
    assert tokens.dim() == 2 and tokens.dtype == torch.long, "expected tokens: int64 [B, n]"
    assert mask.dtype == torch.bool and mask.size() == tokens.size(), "expected mask: bool [B, n]"
)JIT";
  source += script_length_check(model.max_length(), "tokens", "an input of {} tokens");
  source += R"JIT(
    if tokens.numel() > 0:
        assert int(tokens.min()) >= 0 and int(tokens.max()) < self.vocab_size, \
            "a token id is outside the vocabulary"
    x = torch.embedding(self.embedding_weight, tokens)
    m = mask
)JIT";
  if (model.token_class.defined()) {
    source += R"JIT(
    classes = self.token_class.index_select(0, tokens.reshape(-1)).view_as(tokens)
    x = x + torch.embedding(self.embedding_weight, classes) * (classes != 0).unsqueeze(-1).to(x.dtype)
)JIT";
  }
  if (model.uses_cls_token())
    source += kPrependCls;
  const auto positions = script_positions(o.positional(), model.d_model());
  source += positions.statement;
  source += "    h = self.encode(x, m)\n" + script_head(o.pooling(), o.labelling());
  source += positions.methods;
  module.define(with_dtype_codes(source));
  module.eval();
  return module;
}

torch::jit::Module script_speech_model(SpeechModelImpl& model,
                                       const std::vector<std::string>& label_names) {
  torch::NoGradGuard no_grad;
  const auto& o = model.options;
  auto module = new_module("AttnzooSpeechModel", model, label_names);
  module.register_attribute("feature_dim", c10::IntType::get(), o.feature_dim());
  module.register_attribute("max_length", c10::IntType::get(), model.max_length());
  const bool with_cls = o.pooling() == Pooling::kCls;
  std::string source = script_encoder(module, *model.encoder);
  source += R"JIT(
def forward(self, frames: Tensor, mask: Tensor) -> Tensor:
    assert frames.dim() == 3 and frames.size(2) == self.feature_dim, "expected frames [B, T, F]"
    assert mask.dtype == torch.bool and mask.dim() == 2 and mask.size(0) == frames.size(0) \
        and mask.size(1) == frames.size(1), "expected mask: bool [B, T]"
)JIT";
  source += script_length_check(model.max_length(), "frames", "an utterance of {} frames");
  source += R"JIT(
    m = mask
)JIT";
  if (o.utterance_norm()) {
    source += R"JIT(
    real = m.unsqueeze(-1).to(frames.dtype)
    frames = frames - (frames * real).sum(1, True) / real.sum(1, True).clamp_min(1.0)
)JIT";
  }
  source += R"JIT(
    x = torch.linear((frames - self.mean) / self.std, self.input_weight, self.input_bias)
)JIT";
  if (with_cls)
    source += kPrependCls;
  const auto positions = script_positions(o.positional(), model.d_model());
  source += positions.statement;
  source += "    h = self.encode(x, m)\n" + script_head(o.pooling(), /*labelling=*/false);
  source += positions.methods;
  module.define(with_dtype_codes(source));
  module.eval();
  return module;
}

torch::jit::Module script_image_model(ImageModelImpl& model,
                                      const std::vector<std::string>& label_names) {
  torch::NoGradGuard no_grad;
  const auto& o = model.options;
  auto module = new_module("AttnzooImageModel", model, label_names);
  for (const auto& [name, value] : {std::pair<const char*, int64_t>{"channels", o.channels()},
                                    {"height", o.height()},
                                    {"width", o.width()},
                                    {"patch", o.patch()}}) {
    module.register_attribute(name, c10::IntType::get(), value);
  }
  const bool with_cls = model.cls.defined();
  const bool learned = o.positional() == PositionalKind::kLearned;
  std::string source = script_encoder(module, *model.encoder);
  // The sizes image_size_error accepts, with its messages.
  source += R"JIT(
def forward(self, images: Tensor) -> Tensor:
    assert images.dim() == 4 and images.size(1) == self.channels, "expected images [B, C, H, W]"
    b = images.size(0)
    p = self.patch
    height = images.size(2)
    width = images.size(3)
    assert height >= p and width >= p and height % p == 0 and width % p == 0, \
        "images of {}x{} pixels do not divide into {}x{} patches".format(height, width, p, p)
)JIT";
  if (learned) {
    source += R"JIT(
    assert height == self.height and width == self.width, \
        "images of {}x{} pixels, but the learned patch positions cover {}x{} (sinusoidal positions take any size)".format(height, width, self.height, self.width)
)JIT";
  }
  if (image_grid_bound(o)) {
    source += R"JIT(
    assert width == self.width, "images {} pixels wide, but the cnn mixer's grid is {} wide ({}x{} in training)".format(width, self.width, self.height, self.width)
)JIT";
  }
  source += R"JIT(
    rows = height // p
    cols = width // p
    x = (images - self.mean) / self.std
    x = x.reshape(b, self.channels, rows, p, cols, p).permute(0, 2, 4, 1, 3, 5)
    x = x.reshape(b, rows * cols, self.channels * p * p)
    x = torch.linear(x, self.patch_embedding_projection_weight, self.patch_embedding_projection_bias)
    m = torch.ones([b, x.size(1)], dtype=torch.bool, device=x.device)
)JIT";
  if (learned) {
    source += "    x = x + self.positions.unsqueeze(0)\n";
  } else if (o.positional() == PositionalKind::kSinusoidal) {
    // sinusoidal_table_2d (image_model.cpp): the row's code, then the column's.
    source += fmt::format(R"JIT(
    row = self.sinusoidal(rows, x.device).unsqueeze(1).expand(rows, cols, {half})
    col = self.sinusoidal(cols, x.device).unsqueeze(0).expand(rows, cols, {half})
    x = x + torch.cat([row, col], 2).reshape(rows * cols, {d}).to(x.dtype).unsqueeze(0)
)JIT",
                          fmt::arg("half", model.d_model() / 2), fmt::arg("d", model.d_model()));
  }
  if (with_cls)
    source += kPrependCls;
  source += "    h = self.encode(x, m)\n" + script_head(o.pooling(), /*labelling=*/false);
  if (o.positional() == PositionalKind::kSinusoidal)
    source += script_sinusoidal(model.d_model() / 2);
  module.define(with_dtype_codes(source));
  module.eval();
  return module;
}

}  // namespace attnzoo
