#pragma once
// One registry maps names to attention variants, sequence and graph alike. Adding a variant is one
// new file and one line in registry.cpp.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/attention/attention_layer.h"
#include "models/attention/graph_attention_layer.h"
#include "models/attention_config.h"

namespace attnzoo {

struct AttentionEntry {
  std::string name;
  std::string description;  ///< one line, shown by `attnzoo list`
  /// Sequence variants: the layer for a config (empty for graph variants).
  std::function<std::shared_ptr<AttentionLayerImpl>(const AttentionConfig&)> make;
  /// Graph variants: one layer of the given shape (empty for sequence variants).
  std::function<std::shared_ptr<GraphAttentionLayerImpl>(const AttentionConfig&,
                                                         const GraphAttentionOptions&)>
      make_graph;

  bool is_graph() const { return static_cast<bool>(make_graph); }
};

/// Every registered variant, in the order `attnzoo list` shows them.
const std::vector<AttentionEntry>& attention_registry();

/// Builds the sequence variant `config.name`; throws std::invalid_argument naming the known
/// variants when the name is unknown or names a graph variant.
std::shared_ptr<AttentionLayerImpl> make_attention(const AttentionConfig& config);

/// Builds one layer of the graph variant `config.name` with the given shape (dropout and
/// negative slope come from `config`); throws std::invalid_argument naming the graph variants when
/// the name is unknown or names a sequence variant.
std::shared_ptr<GraphAttentionLayerImpl> make_graph_attention(const AttentionConfig& config,
                                                              GraphAttentionOptions shape);

/// Whether `name` is a registered graph variant.
bool is_graph_attention(const std::string& name);

/// The registered names joined by ", " (all, or only the graph or only the sequence variants).
enum class VariantKind { kAll, kSequence, kGraph };
std::string attention_names(VariantKind kind = VariantKind::kAll);

}  // namespace attnzoo
