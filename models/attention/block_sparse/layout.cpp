#include "models/attention/block_sparse/layout.h"

#include <torch/torch.h>

namespace attnzoo::block_sparse {

GlobalSlots global_slots(const torch::Tensor& is_global) {
  GlobalSlots g;
  g.count = is_global.sum(1).max().item<int64_t>();
  if (g.count == 0)
    return g;
  const int64_t batch = is_global.size(0);
  // A stable descending sort puts each example's global positions first, in order.
  auto order = std::get<1>(torch::sort(is_global.to(torch::kInt), /*stable=*/true, /*dim=*/1,
                                       /*descending=*/true));
  g.index = order.narrow(1, 0, g.count).contiguous();
  g.valid = is_global.gather(1, g.index);
  g.slot = torch::zeros_like(is_global, torch::kLong)
               .scatter(1, g.index, torch::arange(g.count, torch::kLong).expand({batch, g.count}));
  return g;
}

torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index) {
  const int64_t batch = x.size(0), heads = x.size(1), count = index.size(1), dim = x.size(3);
  return x.gather(2, index.view({batch, 1, count, 1}).expand({batch, heads, count, dim}));
}

// One index_select copies K blocks per query block; with a per-head table the (head, block) pairs
// are flattened so that one index_select still does it.
torch::Tensor gather_blocks(const torch::Tensor& x, const torch::Tensor& key_blocks,
                            int64_t block) {
  const int64_t batch = x.size(0), heads = x.size(1), dim = x.size(3);
  const int64_t nq = key_blocks.size(1), width = key_blocks.size(2) * block;
  if (key_blocks.size(0) == 1) {
    return x.reshape({batch, heads, nq, block, dim})
        .index_select(2, key_blocks.flatten())
        .view({batch, heads, nq, width, dim});
  }
  auto index = key_blocks + torch::arange(heads, torch::kLong).view({heads, 1, 1}) * nq;
  return x.reshape({batch, heads * nq, block, dim})
      .index_select(1, index.flatten())
      .view({batch, heads, nq, width, dim});
}

torch::Tensor to_blocks(const torch::Tensor& x, int64_t block) {
  return x.contiguous().view({x.size(0) * x.size(1), x.size(2) / block, block, x.size(3)});
}

torch::Tensor to_rows(const torch::Tensor& x) {
  return x.contiguous().view({x.size(0) * x.size(1), x.size(2), x.size(3)});
}

torch::Tensor pad_positions(const torch::Tensor& x, int64_t length) {
  if (x.size(2) == length)
    return x;
  return torch::constant_pad_nd(x, {0, 0, 0, length - x.size(2)}, 0);
}

torch::Tensor to_stride_groups(const torch::Tensor& x, int64_t stride) {
  const int64_t c = x.size(2) / stride;
  return x.reshape({x.size(0), x.size(1), c, stride, x.size(3)}).transpose(2, 3);
}

torch::Tensor from_stride_groups(const torch::Tensor& x) {
  return x.transpose(2, 3).reshape({x.size(0), x.size(1), x.size(2) * x.size(3), x.size(4)});
}

}  // namespace attnzoo::block_sparse
