#include "models/attention/block_sparse/fused.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <torch/autograd.h>
#include <torch/torch.h>

#include "models/attention/block_sparse/band.h"
#include "models/attention/block_sparse/layout.h"

namespace attnzoo::block_sparse {

namespace {

// A run of query blocks [first, first + count) and, for a band, the key rows it reads: the band
// functions work on it exactly as on the whole band. Chunks keep one head's temporaries small
// (in cache, and recycled by the allocator) whatever the length, so time grows linearly with it.
struct QueryChunk {
  int64_t first, count, block, width;
  torch::Tensor queries(const torch::Tensor& x) const { return x.narrow(0, first, count); }
  torch::Tensor keys(const torch::Tensor& x) const {
    return x.narrow(0, first * block, (count + width - 1) * block);
  }
};

// Chunks of about `queries` queries (at least one block each).
std::vector<QueryChunk> query_chunks(int64_t nq, int64_t block, int64_t width, int64_t queries) {
  const int64_t size = std::max<int64_t>(1, queries / block);
  std::vector<QueryChunk> chunks;
  for (int64_t first = 0; first < nq; first += size)
    chunks.push_back({first, std::min(size, nq - first), block, width});
  return chunks;
}

// The key blocks of every query block, for FusedBlockAttention: a band (shifted views of the
// key rows [(nq + W - 1) * b, d]) or a table (copies of the listed blocks of the rows [nq * b, d],
// made one chunk at a time). `width` is the number of slots: W for a band, K for a table.
struct BlockKeys {
  torch::Tensor table;  // [Ht, nq, K] int64 for a table; empty for a band
  int64_t block = 0, width = 0;

  bool band() const { return table.numel() == 0; }

  torch::Tensor index(const QueryChunk& c, int64_t head) const {
    return table[head % table.size(0)].narrow(0, c.first, c.count).flatten();
  }
  // The chunk's key blocks side by side: [count, K * b, d].
  torch::Tensor gather(const QueryChunk& c, const torch::Tensor& rows, int64_t head) const {
    return rows.view({-1, block, rows.size(1)})
        .index_select(0, index(c, head))
        .view({c.count, width * block, rows.size(1)});
  }
  // q [count, b, d] against the chunk's keys: [count, b, slots * b].
  torch::Tensor scores(const QueryChunk& c, const torch::Tensor& q, const torch::Tensor& rows,
                       int64_t head) const {
    if (band())
      return band_scores_head(q, c.keys(rows), width);
    return torch::bmm(q, gather(c, rows, head).transpose(1, 2));
  }
  // out [count, b, m] = w [count, b, slots * b] times the chunk's rows.
  void values(const QueryChunk& c, torch::Tensor out, const torch::Tensor& w,
              const torch::Tensor& rows, int64_t head) const {
    if (band()) {
      band_values_head(out, w, c.keys(rows), width);
    } else {
      torch::bmm_out(out, w, gather(c, rows, head));
    }
  }
  // The chunk's rows of `into` += a^T x, with a [count, b, slots * b] and x [count, b, m].
  void add_transposed(const QueryChunk& c, torch::Tensor into, const torch::Tensor& a,
                      const torch::Tensor& x, int64_t head) const {
    if (band()) {
      band_transposed_head(c.keys(into), a, x, width);
    } else {
      auto part = torch::bmm(a.transpose(1, 2), x);  // [count, K * b, m]
      into.view({-1, block, into.size(1)})
          .index_add_(0, index(c, head), part.view({c.count * width, block, x.size(2)}));
    }
  }
};

// See fused.h; i = example * heads + head. (Autograd functions take no undefined tensors: an
// absent input is an empty one.)
class FusedBlockAttention : public torch::autograd::Function<FusedBlockAttention> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& gk, const torch::Tensor& gv,
                               const torch::Tensor& masked, const torch::Tensor& global_masked,
                               const torch::Tensor& table, int64_t block, int64_t width,
                               int64_t chunk) {
    const double inf = std::numeric_limits<double>::infinity();
    const int64_t heads = q.size(1), dim = q.size(3);
    const bool globals = gk.size(2) > 0;
    auto qc = to_blocks(q, block), kc = to_rows(k), vc = to_rows(v);
    auto gkc = to_rows(gk), gvc = to_rows(gv);
    const BlockKeys keys{table, block, width};
    auto out = torch::empty_like(qc);
    auto lse = torch::empty({qc.size(0), qc.size(1), block, 1}, q.options());
    const auto chunks = query_chunks(qc.size(1), block, width, chunk);  // the same for every head
    for (int64_t i = 0; i < qc.size(0); ++i) {
      const int64_t example = i / heads, head = i % heads;
      auto mask = masked[example][head % masked.size(1)];
      for (const auto& c : chunks) {
        auto qi = c.queries(qc[i]);
        auto w = keys.scores(c, qi, kc[i], head);
        w.masked_fill_(c.queries(mask), -inf);
        auto row_max = std::get<0>(w.max(-1, /*keepdim=*/true));
        torch::Tensor wg;  // [count, b, G]
        if (globals) {
          wg = torch::matmul(qi, gkc[i].t()).masked_fill_(global_masked[example], -inf);
          row_max = torch::maximum(row_max, std::get<0>(wg.max(-1, /*keepdim=*/true)));
        }
        row_max.masked_fill_(row_max == -inf, 0.0);
        w.sub_(row_max).exp_();
        auto row_sum = w.sum(-1, /*keepdim=*/true);
        if (globals)
          row_sum.add_(wg.sub_(row_max).exp_().sum(-1, /*keepdim=*/true));
        // A query with no allowed key: weights 0 now, and lse = +inf makes exp(s - lse) 0 later.
        auto empty = row_sum == 0;
        c.queries(lse[i]).copy_((row_max + row_sum.log()).masked_fill_(empty, inf));
        row_sum.masked_fill_(empty, 1.0);
        w.div_(row_sum);
        auto oi = c.queries(out[i]);
        keys.values(c, oi, w, vc[i], head);
        if (globals)
          oi.view({-1, dim}).addmm_(wg.div_(row_sum).view({-1, wg.size(2)}), gvc[i]);
      }
    }
    ctx->save_for_backward({qc, kc, vc, gkc, gvc, masked, global_masked, table, lse, out});
    ctx->saved_data["block"] = block;
    ctx->saved_data["width"] = width;
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["k_shape"] = k.sizes().vec();
    return out.view({q.size(0), heads, q.size(2), dim});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const double inf = std::numeric_limits<double>::infinity();
    auto saved = ctx->get_saved_variables();
    const auto &qc = saved[0], &kc = saved[1], &vc = saved[2], &gkc = saved[3], &gvc = saved[4];
    const auto &masked = saved[5], &global_masked = saved[6], &table = saved[7];
    const auto &lse = saved[8], &out = saved[9];
    const int64_t block = ctx->saved_data["block"].toInt();
    const int64_t width = ctx->saved_data["width"].toInt();
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const int64_t heads = ctx->saved_data["heads"].toInt(), dim = qc.size(3);
    const bool globals = gkc.size(1) > 0;
    const BlockKeys keys{table, block, width};
    auto g = grads[0].contiguous().view_as(out);
    // Softmax backward: ds = w * (dw - sum_keys(w * dw)), and sum_keys(w * dw) = g . out.
    auto dot = (g * out).sum(-1, /*keepdim=*/true);
    auto dq = torch::empty_like(qc), dk = torch::zeros_like(kc), dv = torch::zeros_like(vc);
    auto dgk = globals ? torch::zeros_like(gkc) : torch::Tensor();
    auto dgv = globals ? torch::zeros_like(gvc) : torch::Tensor();
    const auto chunks = query_chunks(qc.size(1), block, width, chunk);  // the same for every head
    for (int64_t i = 0; i < qc.size(0); ++i) {
      const int64_t example = i / heads, head = i % heads;
      auto mask = masked[example][head % masked.size(1)];
      for (const auto& c : chunks) {
        auto qi = c.queries(qc[i]), gi = c.queries(g[i]), li = c.queries(lse[i]);
        auto doti = c.queries(dot[i]);
        auto w = keys.scores(c, qi, kc[i], head);
        w.masked_fill_(c.queries(mask), -inf).sub_(li).exp_();
        keys.add_transposed(c, dv[i], w, gi, head);
        auto ds = keys.scores(c, gi, vc[i], head).sub_(doti).mul_(w);
        auto dqi = c.queries(dq[i]);
        keys.values(c, dqi, ds, kc[i], head);
        keys.add_transposed(c, dk[i], ds, qi, head);
        if (globals) {
          auto wg = torch::matmul(qi, gkc[i].t())
                        .masked_fill_(global_masked[example], -inf)
                        .sub_(li)
                        .exp_()
                        .view({-1, gkc.size(1)});
          dgv[i].addmm_(wg.t(), gi.reshape({-1, dim}));
          auto dsg =
              torch::mm(gi.reshape({-1, dim}), gvc[i].t()).sub_(doti.reshape({-1, 1})).mul_(wg);
          dqi.view({-1, dim}).addmm_(dsg, gkc[i]);
          dgk[i].addmm_(dsg.t(), qi.reshape({-1, dim}));
        }
      }
    }
    const auto k_shape = ctx->saved_data["k_shape"].toIntVector();
    const auto global_grad = [&](const torch::Tensor& x) {
      return x.defined() ? x.view({k_shape[0], k_shape[1], -1, dim}) : x;
    };
    return {dq.view({k_shape[0], k_shape[1], -1, dim}),
            dk.view(k_shape),
            dv.view(k_shape),
            global_grad(dgk),
            global_grad(dgv),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor fused_block_attention(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v, const torch::Tensor& gk,
                                    const torch::Tensor& gv, const torch::Tensor& masked,
                                    const torch::Tensor& global_masked, const torch::Tensor& table,
                                    int64_t block, int64_t width, int64_t chunk) {
  return FusedBlockAttention::apply(q, k, v, gk, gv, masked, global_masked, table, block, width,
                                    chunk);
}

}  // namespace attnzoo::block_sparse
