# The output projection W^o of multi-head layers.

def project(self, x: Tensor) -> Tensor:
    return torch.linear(x, self.output_weight, self.output_bias)
