# Longformer-style layers give global tokens their own projections.

def global_projections(self, x: Tensor, q: Tensor, k: Tensor, v: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    gq = self.split(torch.linear(x, self.query_global_weight, self.query_global_bias))
    gk = self.split(torch.linear(x, self.key_global_weight, self.key_global_bias))
    gv = self.split(torch.linear(x, self.value_global_weight, self.value_global_bias))
    return gq, gk, gv
