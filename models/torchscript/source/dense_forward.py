# Dense layers: every pair but padded keys; `project` is output_projection.py or
# no_output_projection.py.

def forward(self, x: Tensor, mask: Tensor) -> Tensor:
    self.check(x, mask)
    q = self.split(torch.linear(x, self.query_weight, self.query_bias)).contiguous()
    k = self.split(torch.linear(x, self.key_weight, self.key_bias)).contiguous()
    v = self.split(torch.linear(x, self.value_weight, self.value_bias)).contiguous()
    weights = self.normalize(self.score(q, k), mask.view(mask.size(0), 1, 1, mask.size(1)))
    return self.project(self.merge(torch.matmul(weights, v)))
