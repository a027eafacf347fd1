# Sparse layers: the projections, the kernel and the output projection; `global_projections` is
# own_global_projections.py or shared_global_projections.py.

def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    q = self.split(torch.linear(x, self.query_weight, self.query_bias))
    k = self.split(torch.linear(x, self.key_weight, self.key_bias))
    v = self.split(torch.linear(x, self.value_weight, self.value_bias))
    gq, gk, gv = self.global_projections(x, q, k, v)
    out = self.sparse(q, k, v, gq, gk, gv, mask)
    return self.project(self.merge(out))
