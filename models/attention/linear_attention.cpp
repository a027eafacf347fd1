#include "models/attention/linear_attention.h"

#include <array>

#include <fmt/core.h>
#include <torch/nn/functional/activation.h>

namespace attnzoo {

namespace {

// Sums over the allowed keys are zero only for a query without one, whose numerator is zero too.
torch::Tensor divide_rows(const torch::Tensor& numerator, const torch::Tensor& denominator) {
  return numerator /
         torch::where(denominator > 0, denominator, torch::ones_like(denominator)).unsqueeze(-1);
}

// Along `dim`: the sum of the entries before each one (the first gets zeros).
torch::Tensor exclusive_cumsum(const torch::Tensor& x, int64_t dim) {
  const int64_t size = x.size(dim);
  return torch::cat(
      {torch::zeros_like(x.narrow(dim, 0, 1)), x.narrow(dim, 0, size - 1).cumsum(dim)}, dim);
}

// phi(k) with padded keys zeroed, so that they add nothing to any sum.
torch::Tensor key_features(const torch::Tensor& k, const torch::Tensor& mask) {
  auto features = linear_feature_map(k);
  if (!mask.defined())
    return features;
  TORCH_CHECK(mask.dim() == 2 && mask.scalar_type() == torch::kBool && mask.size(0) == k.size(0) &&
                  mask.size(1) == k.size(2),
              "linear attention: mask must be [batch, length] bool, got ", mask.sizes());
  return features * mask.view({mask.size(0), 1, mask.size(1), 1}).to(features.scalar_type());
}

torch::Tensor causal_linear_attention(const torch::Tensor& fq, const torch::Tensor& fk,
                                      const torch::Tensor& v, int64_t chunk) {
  const int64_t b = fq.size(0), h = fq.size(1), n = fq.size(2), e = v.size(3);
  const int64_t c = std::min(chunk, n), chunks = (n + c - 1) / c, pad = chunks * c - n;
  // Padded rows of keys and values are zeros: they add nothing to the prefix sums.
  auto blocks = [&](const torch::Tensor& t) {
    return torch::constant_pad_nd(t, {0, 0, 0, pad}, 0).view({b, h, chunks, c, t.size(3)});
  };
  auto q = blocks(fq), k = blocks(fk), vb = blocks(v);
  // Earlier chunks: each chunk's sum of phi(k) v^T and phi(k), summed over the chunks before it.
  auto state = exclusive_cumsum(torch::matmul(k.transpose(-2, -1), vb), 2);  // [b, h, C, d, e]
  auto normalizer = exclusive_cumsum(k.sum(-2), 2);                          // [b, h, C, d]
  // The chunk's own keys: j <= i inside it.
  auto causal = torch::ones({c, c}, fq.options().dtype(torch::kBool)).tril();
  auto scores = torch::matmul(q, k.transpose(-2, -1)).masked_fill(~causal, 0.0);
  auto numerator = torch::matmul(q, state) + torch::matmul(scores, vb);
  auto denominator = (q * normalizer.unsqueeze(-2)).sum(-1) + scores.sum(-1);
  return divide_rows(numerator, denominator).view({b, h, chunks * c, e}).narrow(2, 0, n);
}

// The layer's Q, K and V of x [B, n, d_model], heads split: [B, h, n, d] each.
std::array<torch::Tensor, 3> project_heads(LinearAttentionImpl& layer, const torch::Tensor& x) {
  const auto& o = layer.options;
  TORCH_CHECK(x.dim() == 3 && x.size(2) == o.d_model(),
              "LinearAttention expects input [batch, length, ", o.d_model(), "], got ", x.sizes());
  return {split_heads(layer.query(x), o.heads()), split_heads(layer.key(x), o.heads()),
          split_heads(layer.value(x), o.heads())};
}

}  // namespace

torch::Tensor linear_feature_map(const torch::Tensor& x) {
  return torch::elu(x) + 1.0;
}

torch::Tensor linear_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& mask, bool causal,
                               int64_t chunk) {
  TORCH_CHECK(q.dim() == 4 && k.sizes() == q.sizes() && v.dim() == 4 && v.size(2) == q.size(2),
              "linear attention expects q, k [B, h, n, d] and v [B, h, n, e], got ", q.sizes(),
              ", ", k.sizes(), ", ", v.sizes());
  TORCH_CHECK(chunk > 0, "linear attention: chunk must be positive, got ", chunk);
  if (q.size(2) == 0)
    return v.clone();
  auto fq = linear_feature_map(q);
  auto fk = key_features(k, mask);
  if (causal)
    return causal_linear_attention(fq, fk, v, chunk);
  auto state = torch::matmul(fk.transpose(-2, -1), v);  // [B, h, d, e]
  auto normalizer = fk.sum(-2, /*keepdim=*/true);       // [B, h, 1, d]
  return divide_rows(torch::matmul(fq, state), (fq * normalizer).sum(-1));
}

std::pair<torch::Tensor, torch::Tensor> dense_linear_attention(const torch::Tensor& q,
                                                               const torch::Tensor& k,
                                                               const torch::Tensor& v,
                                                               const torch::Tensor& mask,
                                                               bool causal) {
  const int64_t n = q.size(2);
  auto kernel = torch::matmul(linear_feature_map(q), linear_feature_map(k).transpose(-2, -1));
  auto allowed = torch::ones({1, 1, n, n}, q.options().dtype(torch::kBool));
  if (causal)
    allowed = allowed.tril();
  if (mask.defined())
    allowed = allowed & mask.view({mask.size(0), 1, 1, n});
  kernel = kernel.masked_fill(~allowed, 0.0);
  auto weights = divide_rows(kernel, kernel.sum(-1));
  return {torch::matmul(weights, v), weights};
}

LinearAttentionImpl::LinearAttentionImpl(const LinearAttentionOptions& o)
    : MultiHeadAttentionImpl(MultiHeadAttentionOptions(o.d_model(), o.heads()).bias(o.bias())),
      linear_options(o) {
  TORCH_CHECK(o.chunk() > 0, "linear attention: chunk must be positive, got ", o.chunk());
}

AttentionOutput LinearAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                             bool need_weights) {
  auto [q, k, v] = project_heads(*this, x);
  auto heads = linear_attention(q, k, v, mask, linear_options.causal(), linear_options.chunk());
  torch::Tensor weights;
  if (need_weights)
    weights = dense_linear_attention(q, k, v, mask, linear_options.causal()).second;
  return {output(merge_heads(heads)), weights};
}

AttentionOutput LinearAttentionImpl::dense_forward(const torch::Tensor& x,
                                                   const torch::Tensor& mask) {
  auto [q, k, v] = project_heads(*this, x);
  auto [heads, weights] = dense_linear_attention(q, k, v, mask, linear_options.causal());
  return {output(merge_heads(heads)), weights};
}

// The kernel above, line for line, for sequences of any length.
std::string LinearAttentionImpl::script_source() const {
  return fmt::format(R"JIT(
def divide_rows(self, numerator: Tensor, denominator: Tensor) -> Tensor:
    return numerator / torch.where(denominator > 0, denominator, torch.ones_like(denominator)).unsqueeze(-1)

def exclusive_cumsum(self, x: Tensor, dim: int) -> Tensor:
    return torch.cat([torch.zeros_like(x.narrow(dim, 0, 1)), x.narrow(dim, 0, x.size(dim) - 1).cumsum(dim)], dim)

def blocks(self, t: Tensor, chunks: int, c: int, pad: int) -> Tensor:
    return torch.constant_pad_nd(t, [0, 0, 0, pad], 0.0).view(t.size(0), t.size(1), chunks, c, t.size(3))

def attend(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
    n = q.size(2)
    if n == 0:
        return v.clone()
    fq = torch.elu(q) + 1.0
    fk = (torch.elu(k) + 1.0) * mask.view(mask.size(0), 1, mask.size(1), 1).to(q.dtype)
    if {causal}:
        c = min({chunk}, n)
        chunks = (n + c - 1) // c
        pad = chunks * c - n
        qb = self.blocks(fq, chunks, c, pad)
        kb = self.blocks(fk, chunks, c, pad)
        vb = self.blocks(v, chunks, c, pad)
        state = self.exclusive_cumsum(torch.matmul(kb.transpose(-2, -1), vb), 2)
        normalizer = self.exclusive_cumsum(kb.sum(-2), 2)
        causal = torch.ones([c, c], dtype=torch.bool, device=q.device).tril()
        scores = torch.matmul(qb, kb.transpose(-2, -1)).masked_fill(~causal, 0.0)
        numerator = torch.matmul(qb, state) + torch.matmul(scores, vb)
        denominator = (qb * normalizer.unsqueeze(-2)).sum(-1) + scores.sum(-1)
        out = self.divide_rows(numerator, denominator)
        return out.view(out.size(0), out.size(1), chunks * c, out.size(4)).narrow(2, 0, n)
    state = torch.matmul(fk.transpose(-2, -1), v)
    normalizer = fk.sum(-2, keepdim=True)
    return self.divide_rows(torch.matmul(fq, state), (fq * normalizer).sum(-1))

def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    q = self.split(torch.linear(x, self.query_weight, self.query_bias))
    k = self.split(torch.linear(x, self.key_weight, self.key_bias))
    v = self.split(torch.linear(x, self.value_weight, self.value_bias))
    return torch.linear(self.merge(self.attend(q, k, v, mask)), self.output_weight, self.output_bias)
)JIT",
                     fmt::arg("causal", linear_options.causal() ? "True" : "False"),
                     fmt::arg("chunk", linear_options.chunk()));
}

}  // namespace attnzoo
