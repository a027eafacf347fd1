#include "models/attention/block_sparse/band.h"

#include <algorithm>

#include <torch/autograd.h>
#include <torch/torch.h>

#include "models/attention/block_sparse/layout.h"

namespace attnzoo::block_sparse {

BandLayout band_layout(const SparsePattern& p) {
  BandLayout band;
  const int64_t nq = p.query_blocks(), slots = p.key_blocks.size(2);
  if (p.table_heads() != 1 || slots == 0 || nq == 0)
    return band;
  auto blocks_t = p.key_blocks.contiguous();
  auto valid_t = p.key_valid.contiguous();
  auto blocks = blocks_t.accessor<int64_t, 3>();
  auto valid = valid_t.accessor<bool, 3>();
  int64_t lo = 0, hi = 0;  // the band always holds the diagonal block
  for (int64_t q = 0; q < nq; ++q) {
    for (int64_t o = 0; o < slots; ++o) {
      if (valid[0][q][o]) {
        lo = std::min(lo, blocks[0][q][o] - q);
        hi = std::max(hi, blocks[0][q][o] - q);
      }
    }
  }
  const int64_t width = hi - lo + 1;
  if (width > slots)
    return band;
  band.valid = torch::zeros({nq, width}, torch::kBool);
  auto slot = band.valid.accessor<bool, 2>();
  for (int64_t q = 0; q < nq; ++q) {
    for (int64_t o = 0; o < slots; ++o) {
      if (!valid[0][q][o])
        continue;
      const int64_t key = blocks[0][q][o];
      if (key < 0 || key >= nq || slot[q][key - q - lo])
        return band;  // out of range or listed twice: leave it to the general path
      slot[q][key - q - lo] = true;
    }
  }
  band.ok = true;
  band.shift = lo;
  band.width = width;
  return band;
}

torch::Tensor band_key_positions(const SparsePattern& p, const BandLayout& band) {
  const int64_t nq = p.query_blocks(), b = p.block;
  auto first = (torch::arange(nq, torch::kLong).view({nq, 1, 1}) + band.shift +
                torch::arange(band.width, torch::kLong).view({1, band.width, 1})) *
               b;
  return (first + torch::arange(b, torch::kLong).view({1, 1, b})).view({nq, band.width * b});
}

torch::Tensor band_pattern_allowed(const SparsePattern& p, const BandLayout& band) {
  const int64_t nq = p.query_blocks(), b = p.block, width = band.width * b;
  auto keys = band_key_positions(p, band).view({1, nq, 1, width});
  auto allowed = band.valid.view({1, nq, band.width, 1})
                     .expand({1, nq, band.width, b})
                     .reshape({1, nq, 1, width}) &
                 (keys >= 0) & (keys < p.length);
  if (p.allows) {
    auto head = torch::zeros({1, 1, 1, 1}, torch::kLong);
    auto queries = torch::arange(p.padded_length(), torch::kLong).view({1, nq, b, 1});
    allowed = allowed & p.allows(head, queries, keys);
  }
  return allowed.expand({1, nq, b, width});
}

namespace {

// Slot o of the band for every query block: key rows [(nq + W - 1) * b, d] -> [nq, b, d], block
// q + o for query block q. A view: the products below run on it, never on a gathered copy.
torch::Tensor band_keys(const torch::Tensor& x, int64_t o, int64_t nq, int64_t block) {
  return x.narrow(0, o * block, nq * block).view({nq, block, x.size(1)});
}

}  // namespace

torch::Tensor band_scores_head(const torch::Tensor& q, const torch::Tensor& k, int64_t width) {
  const int64_t nq = q.size(0), b = q.size(1);
  auto scores = torch::empty({nq, b, width * b}, q.options());
  for (int64_t o = 0; o < width; ++o) {
    auto slot = scores.narrow(2, o * b, b);
    torch::bmm_out(slot, q, band_keys(k, o, nq, b).transpose(1, 2));
  }
  return scores;
}

void band_values_head(torch::Tensor out, const torch::Tensor& w, const torch::Tensor& v,
                      int64_t width) {
  const int64_t nq = w.size(0), b = w.size(1);
  out.zero_();
  for (int64_t o = 0; o < width; ++o)
    out.baddbmm_(w.narrow(2, o * b, b), band_keys(v, o, nq, b));
}

void band_transposed_head(torch::Tensor out, const torch::Tensor& a, const torch::Tensor& x,
                          int64_t width) {
  const int64_t nq = x.size(0), b = x.size(1);
  for (int64_t o = 0; o < width; ++o)
    band_keys(out, o, nq, b).baddbmm_(a.narrow(2, o * b, b).transpose(1, 2), x);
}

namespace {

// The same on [B * h, ...] tensors, one (example, head) at a time.
torch::Tensor band_scores(const torch::Tensor& q, const torch::Tensor& k, int64_t width) {
  const int64_t bh = q.size(0), nq = q.size(1), b = q.size(2);
  auto scores = torch::empty({bh, nq, b, width * b}, q.options());
  for (int64_t i = 0; i < bh; ++i)
    scores[i].copy_(band_scores_head(q[i], k[i], width));
  return scores;
}

torch::Tensor band_values(const torch::Tensor& w, const torch::Tensor& v, int64_t width) {
  auto out = torch::empty({w.size(0), w.size(1), w.size(2), v.size(2)}, v.options());
  for (int64_t i = 0; i < w.size(0); ++i)
    band_values_head(out[i], w[i], v[i], width);
  return out;
}

torch::Tensor band_transposed_product(const torch::Tensor& a, const torch::Tensor& b,
                                      const torch::Tensor& like, int64_t width) {
  auto out = torch::zeros_like(like);
  for (int64_t i = 0; i < b.size(0); ++i)
    band_transposed_head(out[i], a[i], b[i], width);
  return out;
}

// Gradients of band_scores: {dq, dk}. dq sums the gradient over the band keys, which is
// band_values' product; dk is the transposed product.
std::pair<torch::Tensor, torch::Tensor> band_scores_backward(const torch::Tensor& g,
                                                             const torch::Tensor& q,
                                                             const torch::Tensor& k,
                                                             int64_t width) {
  return {band_values(g, k, width), band_transposed_product(g, q, k, width)};
}

// Gradients of band_values: {dw, dv}. dw scores the output gradient against the band values,
// which is band_scores' product; dv is the transposed product.
std::pair<torch::Tensor, torch::Tensor> band_values_backward(const torch::Tensor& g,
                                                             const torch::Tensor& w,
                                                             const torch::Tensor& v,
                                                             int64_t width) {
  return {band_scores(g, v, width), band_transposed_product(w, g, v, width)};
}

// Scores of a band as an autograd function: queries [B, h, nq * b, d] and keys [B, h,
// (nq + W - 1) * b, d] -> [B, h, nq * b, W * b]. Keeps q and k only.
class BandScores : public torch::autograd::Function<BandScores> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, int64_t block, int64_t width) {
    auto qc = to_blocks(q, block), kc = to_rows(k);
    ctx->save_for_backward({qc, kc});
    ctx->saved_data["width"] = width;
    ctx->saved_data["k_shape"] = k.sizes().vec();
    return band_scores(qc, kc, width).view({q.size(0), q.size(1), q.size(2), width * block});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &qc = saved[0], &kc = saved[1];
    const int64_t width = ctx->saved_data["width"].toInt();
    auto g = grads[0].contiguous().view({qc.size(0), qc.size(1), qc.size(2), -1});
    auto [dq, dk] = band_scores_backward(g, qc, kc, width);
    const auto k_shape = ctx->saved_data["k_shape"].toIntVector();
    return {dq.view({k_shape[0], k_shape[1], -1, k_shape[3]}), dk.view(k_shape), torch::Tensor(),
            torch::Tensor()};
  }
};

// The weighted sum of a band as an autograd function: weights [B, h, nq * b, W * b] and values
// laid out as for BandScores -> [B, h, nq * b, d]. Keeps the weights (the tensor the softmax keeps
// anyway) and the values.
class BandValues : public torch::autograd::Function<BandValues> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& w,
                               const torch::Tensor& v, int64_t block, int64_t width) {
    auto wc = to_blocks(w, block), vc = to_rows(v);
    ctx->save_for_backward({wc, vc});
    ctx->saved_data["width"] = width;
    ctx->saved_data["v_shape"] = v.sizes().vec();
    return band_values(wc, vc, width).view({w.size(0), w.size(1), w.size(2), v.size(3)});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto &wc = saved[0], &vc = saved[1];
    const int64_t width = ctx->saved_data["width"].toInt();
    auto g = grads[0].contiguous().view({wc.size(0), wc.size(1), wc.size(2), vc.size(2)});
    auto [dw, dv] = band_values_backward(g, wc, vc, width);
    const auto v_shape = ctx->saved_data["v_shape"].toIntVector();
    return {dw.view({v_shape[0], v_shape[1], -1, dw.size(3)}), dv.view(v_shape), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor band_attention_scores(const torch::Tensor& q, const torch::Tensor& k, int64_t block,
                                    int64_t width) {
  return BandScores::apply(q, k, block, width);
}

torch::Tensor band_attention_values(const torch::Tensor& w, const torch::Tensor& v, int64_t block,
                                    int64_t width) {
  return BandValues::apply(w, v, block, width);
}

}  // namespace attnzoo::block_sparse
