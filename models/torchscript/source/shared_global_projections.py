# Global tokens use the layer's own projections.

def global_projections(self, x: Tensor, q: Tensor, k: Tensor, v: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    return q, k, v
