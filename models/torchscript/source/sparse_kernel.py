# The general path of block_sparse_attention (models/attention/block_sparse_kernel.cpp), part by
# part: the block table's keys gathered per query block, the strided part as dense attention
# inside each stride group, the global keys, and the rows of global queries over every key. The
# parts are normalized together; memory grows with n * (table keys + n / stride + globals), never
# n^2. The variant's pattern methods come from its script_pattern().

def kernel_block_size(self, requested: int, reach: int, n: int) -> int:
    if requested > 0:
        return requested
    return min(min(max(reach, 16), 128), max(n, 1))

def band_block_table(self, nq: int, block: int, left: int, right: int) -> Tuple[Tensor, Tensor]:
    q = torch.arange(nq, dtype=torch.long)
    lo = torch.div(q * block - left, block, rounding_mode='floor').clamp_min(0)
    hi = torch.div(q * block + block - 1 + right, block, rounding_mode='floor').clamp_max(nq - 1)
    count = hi - lo + 1
    width = int(count.max()) if nq > 0 else 0
    slots = torch.arange(width, dtype=torch.long).view(1, width)
    valid = slots < count.view(nq, 1)
    blocks = torch.where(valid, lo.view(nq, 1) + slots, torch.zeros_like(slots))
    return blocks.view(1, nq, width), valid.view(1, nq, width)

def stack_head_tables(self, tables: List[Tuple[Tensor, Tensor]]) -> Tuple[Tensor, Tensor]:
    width = 0
    for t in tables:
        width = max(width, t[0].size(2))
    blocks: List[Tensor] = []
    valid: List[Tensor] = []
    for t in tables:
        pad = width - t[0].size(2)
        blocks.append(torch.constant_pad_nd(t[0], [0, pad], 0))
        valid.append(torch.constant_pad_nd(t[1], [0, pad], 0))
    return torch.cat(blocks), torch.cat(valid)

def empty_table(self, nq: int) -> Tuple[Tensor, Tensor]:
    return torch.zeros([1, nq, 0], dtype=torch.long), torch.zeros([1, nq, 0], dtype=torch.bool)

def first_positions(self, n: int, count: int) -> Tensor:
    return torch.arange(n, dtype=torch.long) < count

def pad_rows(self, x: Tensor, length: int) -> Tensor:
    return torch.constant_pad_nd(x, [0, 0, 0, length - x.size(2)], 0.0)

def gather_blocks(self, x: Tensor, key_blocks: Tensor, block: int) -> Tensor:
    b = x.size(0)
    h = x.size(1)
    d = x.size(3)
    nq = key_blocks.size(1)
    width = key_blocks.size(2) * block
    if key_blocks.size(0) == 1:
        return x.reshape(b, h, nq, block, d).index_select(2, key_blocks.flatten()).view(b, h, nq, width, d)
    index = key_blocks + torch.arange(h, dtype=torch.long, device=x.device).view(h, 1, 1) * nq
    return x.reshape(b, h * nq, block, d).index_select(1, index.flatten()).view(b, h, nq, width, d)

def to_groups(self, x: Tensor, stride: int) -> Tensor:
    c = x.size(2) // stride
    return x.reshape(x.size(0), x.size(1), c, stride, x.size(3)).transpose(2, 3)

def from_groups(self, x: Tensor) -> Tensor:
    return x.transpose(2, 3).reshape(x.size(0), x.size(1), x.size(2) * x.size(3), x.size(4))

def sparse(self, q: Tensor, k: Tensor, v: Tensor, gq: Tensor, gk: Tensor, gv: Tensor,
           key_mask: Tensor) -> Tensor:
    b = q.size(0)
    h = q.size(1)
    n = q.size(2)
    d = q.size(3)
    device = q.device
    block, key_blocks, key_valid, stride, global_pos = self.pattern(n)
    key_blocks = key_blocks.to(device)
    key_valid = key_valid.to(device)
    global_pos = global_pos.to(device)
    nq = (n + block - 1) // block
    padded = nq * block
    groups = (padded + stride - 1) // stride if stride > 0 else 0
    full = max(padded, groups * stride)
    key_ok = torch.constant_pad_nd(key_mask & ~global_pos.view(1, n), [0, full - n], 0)
    qs = self.pad_rows(self.scaled(q), full)
    ks = self.pad_rows(k, full)
    vs = self.pad_rows(v, full)
    queries = qs[:, :, :padded]
    scores: List[Tensor] = []
    allowed: List[Tensor] = []
    ht = key_blocks.size(0)
    slots = key_blocks.size(2)
    width = slots * block
    block_values = vs
    # 1. Block part: query block i scores the key blocks of its table row.
    if slots > 0:
        positions = (key_blocks.unsqueeze(-1) * block
                     + torch.arange(block, dtype=torch.long, device=device)).reshape(ht, nq, width)
        keys = positions.unsqueeze(2)
        ok = key_valid.unsqueeze(-1).expand(ht, nq, slots, block).reshape(ht, nq, 1, width)
        ok = ok & (keys < n) & self.allows(
            torch.arange(ht, dtype=torch.long, device=device).view(ht, 1, 1, 1),
            torch.arange(padded, dtype=torch.long, device=device).view(1, nq, block, 1), keys)
        ok = ok & key_ok.index_select(1, positions.flatten()).view(b, ht, nq, 1, width)
        block_keys = self.gather_blocks(ks[:, :, :padded], key_blocks, block)
        block_values = self.gather_blocks(vs[:, :, :padded], key_blocks, block)
        scores.append(self.kernel_score(queries.reshape(b, h, nq, block, d), block_keys)
                      .reshape(b, h, padded, width))
        allowed.append(ok.expand(b, ht, nq, block, width).reshape(b, ht, padded, width)
                       .expand(b, h, padded, width))
    # 2. Strided part: (i - j) mod stride == 0, without the pairs the block part has.
    if stride > 0:
        length = groups * stride
        grouped = self.kernel_score(self.to_groups(qs[:, :, :length], stride),
                                    self.to_groups(ks[:, :, :length], stride))
        scores.append(self.from_groups(grouped)[:, :, :padded])
        rows = torch.arange(padded, dtype=torch.long, device=device)
        positions = (torch.arange(groups, dtype=torch.long, device=device).view(1, groups) * stride
                     + rows.view(padded, 1).remainder(stride))
        member = torch.zeros([ht, nq, nq], dtype=torch.long, device=device).scatter_add(
            2, key_blocks, key_valid.to(torch.long)) > 0
        query_pos = rows.view(1, padded, 1)
        key_pos = positions.unsqueeze(0)
        pair = (torch.div(query_pos, block, rounding_mode='floor') * nq
                + torch.div(key_pos, block, rounding_mode='floor').clamp_max(nq - 1))
        in_block = member.view(ht, nq * nq).index_select(1, pair.flatten()).view(ht, padded, groups)
        in_block = in_block & self.allows(
            torch.arange(ht, dtype=torch.long, device=device).view(ht, 1, 1), query_pos, key_pos)
        ok = ((key_pos < n) & ~in_block).unsqueeze(0) & \
            key_ok.index_select(1, positions.flatten()).view(b, 1, padded, groups)
        allowed.append(ok.expand(b, h, padded, groups))
    # 3. Global keys, which every query sees.
    global_index = global_pos.nonzero().flatten()
    count = global_index.numel()
    global_values = vs
    if count > 0:
        global_values = v.index_select(2, global_index)
        scores.append(self.kernel_score(queries, k.index_select(2, global_index)))
        allowed.append(key_mask.index_select(1, global_index).view(b, 1, 1, count)
                       .expand(b, h, padded, count))
    out = torch.zeros([b, h, padded, d], dtype=q.dtype, device=device)
    if len(scores) > 0:
        weights = self.normalize(torch.cat(scores, -1), torch.cat(allowed, -1))
        offset = 0
        if slots > 0:
            w = weights[:, :, :, :width].reshape(b, h, nq, block, width)
            out = out + torch.matmul(w, block_values).reshape(b, h, padded, d)
            offset = width
        if stride > 0:
            length = groups * stride
            w = self.pad_rows(weights[:, :, :, offset:offset + groups], length)
            grouped = torch.matmul(self.to_groups(w, stride), self.to_groups(vs[:, :, :length], stride))
            out = out + self.from_groups(grouped)[:, :, :padded]
            offset = offset + groups
        if count > 0:
            out = out + torch.matmul(weights[:, :, :, offset:], global_values)
    out = out[:, :, :n]
    # Global queries attend to every real key, with their own projections where the variant
    # has them; their rows replace what the parts computed.
    if count > 0:
        rows_q = self.scaled(gq.index_select(2, global_index))
        w = self.normalize(self.kernel_score(rows_q, gk), key_mask.view(b, 1, 1, n))
        out = torch.index_copy(out, 2, global_index, torch.matmul(w, gv))
    return out
