#pragma once
// Trained text, speech and image models as TorchScript modules: parameters registered by name,
// forward written in TorchScript source, each encoder layer's attention a submodule
// (attention_script.h), so torch::jit::load (C++) and torch.jit.load (Python) run them at any
// length (only learned positions bound it: the attribute max_length, 0 for any length) and, with
// sinusoidal or no positions, on images of any size that divides into patches.
//   text:   forward(tokens: int64 [B, n], mask: bool [B, n]) -> [B, C] or [B, n, C] (labelling)
//   speech: forward(frames: float [B, T, F], mask: bool [B, T]) -> [B, C]
//   image:  forward(images: float [B, C, H, W], pixels in 0..1) -> [B, classes]
// Masks are true at real tokens; normalisation statistics are inside the module.

#include <string>
#include <vector>

#include <torch/script.h>

#include "models/image_model.h"
#include "models/speech_model.h"
#include "models/text_model.h"

namespace attnzoo {

/// With the attributes `label_names` and `vocabulary` (token id -> token).
torch::jit::Module script_text_model(TextModelImpl& model,
                                     const std::vector<std::string>& label_names,
                                     const std::vector<std::string>& vocabulary);

/// With the attribute `label_names`.
torch::jit::Module script_speech_model(SpeechModelImpl& model,
                                       const std::vector<std::string>& label_names);

/// With the attribute `label_names`.
torch::jit::Module script_image_model(ImageModelImpl& model,
                                      const std::vector<std::string>& label_names);

}  // namespace attnzoo
