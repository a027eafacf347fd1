#pragma once
// One registry maps names to attention variants. Adding a variant is one new file and one line in
// registry.cpp.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/attention/attention_layer.h"
#include "models/attention_config.h"

namespace attnzoo {

struct AttentionEntry {
  std::string name;
  std::string description;  ///< one line, shown by `attnzoo list`
  std::function<std::shared_ptr<AttentionLayerImpl>(const AttentionConfig&)> make;
};

/// Every registered variant, in the order `attnzoo list` shows them.
const std::vector<AttentionEntry>& attention_registry();

/// Builds the variant `config.name`; throws std::invalid_argument naming the known variants when
/// the name is unknown.
std::shared_ptr<AttentionLayerImpl> make_attention(const AttentionConfig& config);

/// The registered names joined by ", ".
std::string attention_names();

}  // namespace attnzoo
