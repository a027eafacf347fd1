#include "models/torchscript/sequence_model_script.h"

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
std::string script_encoder(torch::jit::Module& module, EncoderImpl& encoder, int64_t max_length) {
  auto unit = std::make_shared<torch::jit::CompilationUnit>();
  std::string body;
  for (size_t l = 0; l < encoder.layers.size(); ++l) {
    auto& layer = *encoder.layers[l];
    const auto prefix = fmt::format("layer{}_", l);
    register_tensors(module, layer, prefix, "attention");
    module.register_module(
        fmt::format("attention{}", l),
        script_attention(*layer.attention, max_length, fmt::format("Attention{}", l), unit));
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

const char* kAddPositions = R"JIT(
    x = x + self.positional_table[:x.size(1)].to(x.dtype).unsqueeze(0)
)JIT";

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
  module.register_attribute("max_length", c10::IntType::get(), o.max_length());
  const int64_t max_tokens = o.max_length() + (model.uses_cls_token() ? 1 : 0);
  std::string source = script_encoder(module, *model.encoder, max_tokens);
  source += R"JIT(
def forward(self, tokens: Tensor, mask: Tensor) -> Tensor:
    assert tokens.dim() == 2 and tokens.dtype == torch.long, "expected tokens: int64 [B, n]"
    assert mask.dtype == torch.bool and mask.size() == tokens.size(), "expected mask: bool [B, n]"
    assert tokens.size(1) <= self.max_length, "longer than the model's max_length"
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
  if (o.positional() != PositionalKind::kNone)
    source += kAddPositions;
  source += "    h = self.encode(x, m)\n" + script_head(o.pooling(), o.labelling());
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
  module.register_attribute("max_length", c10::IntType::get(), o.max_length());
  const bool with_cls = o.pooling() == Pooling::kCls;
  std::string source = script_encoder(module, *model.encoder, o.max_length() + (with_cls ? 1 : 0));
  source += R"JIT(
def forward(self, frames: Tensor, mask: Tensor) -> Tensor:
    assert frames.dim() == 3 and frames.size(2) == self.feature_dim, "expected frames [B, T, F]"
    assert mask.dtype == torch.bool and mask.dim() == 2 and mask.size(0) == frames.size(0) \
        and mask.size(1) == frames.size(1), "expected mask: bool [B, T]"
    assert frames.size(1) <= self.max_length, "longer than the model's max_length"
    x = torch.linear((frames - self.mean) / self.std, self.input_weight, self.input_bias)
    m = mask
)JIT";
  if (with_cls)
    source += kPrependCls;
  if (o.positional() != PositionalKind::kNone)
    source += kAddPositions;
  source += "    h = self.encode(x, m)\n" + script_head(o.pooling(), /*labelling=*/false);
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
  std::string source = script_encoder(module, *model.encoder, model.patches() + (with_cls ? 1 : 0));
  source += R"JIT(
def forward(self, images: Tensor) -> Tensor:
    assert images.dim() == 4 and images.size(1) == self.channels and images.size(2) == self.height \
        and images.size(3) == self.width, "expected images [B, C, H, W] of the training size"
    b = images.size(0)
    p = self.patch
    x = (images - self.mean) / self.std
    x = x.reshape(b, self.channels, self.height // p, p, self.width // p, p).permute(0, 2, 4, 1, 3, 5)
    x = x.reshape(b, (self.height // p) * (self.width // p), self.channels * p * p)
    x = torch.linear(x, self.patch_embedding_projection_weight, self.patch_embedding_projection_bias)
    m = torch.ones([b, x.size(1)], dtype=torch.bool, device=x.device)
)JIT";
  if (model.positions.defined())
    source += "    x = x + self.positions.unsqueeze(0)\n";
  if (with_cls)
    source += kPrependCls;
  source += "    h = self.encode(x, m)\n" + script_head(o.pooling(), /*labelling=*/false);
  module.define(with_dtype_codes(source));
  module.eval();
  return module;
}

}  // namespace attnzoo
