#include "datasets/graph_datasets.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include <fmt/core.h>

#include "core/compat.h"
#include "datasets/graph/node_table.h"
#include "datasets/graph/split_file.h"
#include "datasets/portable_random.h"
#include "datasets/text/seeded_split.h"
#include "datasets/text/text_file.h"

namespace attnzoo {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kKinds = {"linqs", "graph-table", "generated-graph"};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The node table and the edge list a --data value names.
std::pair<std::string, std::string> graph_files(const GraphDataOptions& options) {
  if (options.data.empty())
    throw std::invalid_argument("--dataset " + options.kind + " needs --data");
  if (options.kind == "linqs" && fs::is_directory(options.data)) {
    std::string content, cites;
    // Cora/CiteSeer: *.content and *.cites; PubMed-Diabetes: *.NODE.paper.tab and
    // *.DIRECTED.cites.tab.
    for (const auto& file : list_files(options.data)) {
      for (auto [suffix, into] : {std::pair<const char*, std::string*>{".content", &content},
                                  {".cites", &cites},
                                  {".NODE.paper.tab", &content},
                                  {".DIRECTED.cites.tab", &cites}}) {
        if (!ends_with(file, suffix))
          continue;
        if (!into->empty())
          throw_at(options.data, 0, fmt::format("more than one *{} file", suffix));
        *into = file;
      }
    }
    if (content.empty() || cites.empty())
      throw_at(options.data, 0,
               "expected one *.content and one *.cites file (or PubMed-Diabetes' "
               "*.NODE.paper.tab and *.DIRECTED.cites.tab)");
    return {content, cites};
  }
  const auto paths = split_path_list(options.data, "--data");
  if (paths.size() != 2) {
    throw std::invalid_argument(
        fmt::format("--data {}: expected {} (two files separated by a comma){}", options.data,
                    options.kind == "linqs" ? "CONTENT,CITES" : "NODES,EDGES",
                    options.kind == "linqs" ? " or a directory with both" : ""));
  }
  for (const auto& path : paths)
    require_exists(path, options.kind == "linqs" ? "a LINQS file" : "a graph file");
  return {paths[0], paths[1]};
}

Graph read_graph(const GraphDataOptions& options, std::vector<std::string>& label_names,
                 bool labels_fixed, bool unknown_labels_ok) {
  const auto [nodes_path, edges_path] = graph_files(options);
  const bool tab = ends_with(nodes_path, ".tab");
  auto table = tab ? read_linqs_tab_nodes(nodes_path) : read_node_table(nodes_path, options.header);
  const auto pairs =
      ends_with(edges_path, ".tab") ? read_linqs_tab_edges(edges_path) : read_edge_list(edges_path);
  const auto n = static_cast<int64_t>(table.ids.size());

  if (!labels_fixed) {
    label_names = table.labels;
    std::sort(label_names.begin(), label_names.end());
    label_names.erase(std::unique(label_names.begin(), label_names.end()), label_names.end());
  }
  std::map<std::string, int64_t> class_of;
  for (size_t c = 0; c < label_names.size(); ++c)
    class_of[label_names[c]] = static_cast<int64_t>(c);
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto found = class_of.find(table.labels[i]);
    if (found == class_of.end() && unknown_labels_ok) {
      labels[i] = kIgnoreLabel;
      continue;
    }
    if (found == class_of.end()) {
      throw_at(nodes_path, table.lines[i],
               "class " + shown_text(table.labels[i]) + " is not one the model knows");
    }
    labels[i] = found->second;
  }

  std::unordered_map<std::string, int64_t> index;
  index.reserve(table.ids.size());
  for (size_t i = 0; i < table.ids.size(); ++i)
    index.emplace(table.ids[i], static_cast<int64_t>(i));
  std::vector<std::pair<int64_t, int64_t>> directed;
  directed.reserve(pairs.size());
  Graph graph;
  for (const auto& [first, second] : pairs) {
    const auto a = index.find(first), b = index.find(second);
    if (a == index.end() || b == index.end()) {
      ++graph.skipped_edges;
      continue;
    }
    // LINQS: "cited citing", the link goes from the second ID to the first.
    directed.emplace_back(b->second, a->second);
  }
  const auto file = fs::path(nodes_path).filename().string();
  graph.name = file.substr(0, file.find('.'));  // cora.content, Pubmed-Diabetes.NODE.paper.tab
  graph.node_ids = std::move(table.ids);
  graph.features =
      torch::from_blob(table.features.data(), {n, table.feature_dim}, torch::kFloat).clone();
  graph.labels = torch::tensor(labels, torch::kLong);
  graph.edges = build_edges(directed, n, options.directed, options.self_loops);
  return graph;
}

// Nodes in classes of equal size; each class has its own random centre in feature space, and a
// node's features are its centre plus unit noise, so features alone are only partly informative.
// A share `homophily` of the edges joins two nodes of one class, the rest are uniform.
Graph generate_graph(const GraphDataOptions& o) {
  if (o.nodes < o.classes || o.classes < 2 || o.features < 1 || o.edges < 0 || o.homophily < 0 ||
      o.homophily > 1) {
    throw std::invalid_argument(
        "generated-graph: expected --classes >= 2, --nodes >= --classes, --features >= 1, "
        "--edges >= 0 and --homophily in 0..1");
  }
  std::mt19937_64 rng(o.data_seed);
  Graph graph;
  graph.name = o.kind;
  std::vector<int64_t> labels(static_cast<size_t>(o.nodes));
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(o.classes));
  for (int64_t i = 0; i < o.nodes; ++i) {
    labels[static_cast<size_t>(i)] = i % o.classes;
    members[static_cast<size_t>(i % o.classes)].push_back(i);
    graph.node_ids.push_back(std::to_string(i));
  }
  graph.labels = torch::tensor(labels, torch::kLong);
  auto generator = compat::seeded_cpu_generator(o.data_seed);
  auto centres = torch::randn({o.classes, o.features}, generator) * 0.5;
  graph.features =
      centres.index_select(0, graph.labels) + torch::randn({o.nodes, o.features}, generator);
  std::vector<std::pair<int64_t, int64_t>> pairs;
  pairs.reserve(static_cast<size_t>(o.edges));
  const auto same_class_per_million = static_cast<uint64_t>(std::lround(o.homophily * 1e6));
  for (int64_t e = 0; e < o.edges; ++e) {
    const auto a = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(o.nodes)));
    int64_t b;
    if (uniform_below(rng, 1000000) < same_class_per_million) {
      const auto& same = members[static_cast<size_t>(labels[static_cast<size_t>(a)])];
      b = same[uniform_below(rng, same.size())];
    } else {
      b = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(o.nodes)));
    }
    pairs.emplace_back(a, b);
  }
  graph.edges = build_edges(pairs, o.nodes, o.directed, o.self_loops);
  return graph;
}

Graph make_graph(const GraphDataOptions& options, std::vector<std::string>& label_names,
                 bool labels_fixed, bool unknown_labels_ok = false) {
  if (!is_graph_dataset_kind(options.kind)) {
    throw std::invalid_argument("unknown graph dataset kind '" + options.kind +
                                "'; known: " + graph_dataset_kinds());
  }
  if (options.kind != "generated-graph")
    return read_graph(options, label_names, labels_fixed, unknown_labels_ok);
  std::vector<std::string> names;
  for (int64_t c = 0; c < options.classes; ++c)
    names.push_back(fmt::format("class{}", c));
  if (labels_fixed && names != label_names) {
    throw std::invalid_argument(fmt::format("generated-graph: {} classes, the model knows {}",
                                            names.size(), label_names.size()));
  }
  label_names = names;
  return generate_graph(options);
}

std::vector<int64_t> as_nodes(const std::vector<size_t>& indices) {
  return std::vector<int64_t>(indices.begin(), indices.end());
}

// Planetoid style: in a seeded order of the nodes, the first per_class nodes of each class train,
// then the next `validation` nodes validate and the next `test` nodes test.
void planetoid_split(const GraphDataOptions& o, const std::vector<int64_t>& labels, int64_t classes,
                     const std::vector<std::string>& names, std::vector<int64_t>& train,
                     std::vector<int64_t>& validation, std::vector<int64_t>& test) {
  std::vector<int64_t> order(labels.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = static_cast<int64_t>(i);
  std::mt19937_64 rng(o.split_seed);
  portable_shuffle(order, rng);
  std::vector<int64_t> taken(static_cast<size_t>(classes), 0);
  std::vector<int64_t> rest;
  for (auto node : order) {
    auto& count = taken[static_cast<size_t>(labels[static_cast<size_t>(node)])];
    if (count < o.per_class) {
      ++count;
      train.push_back(node);
    } else {
      rest.push_back(node);
    }
  }
  for (int64_t c = 0; c < classes; ++c) {
    if (taken[static_cast<size_t>(c)] < o.per_class) {
      throw std::invalid_argument(
          fmt::format("class '{}' has {} nodes; --per-class {} needs at least that many",
                      names[static_cast<size_t>(c)], taken[static_cast<size_t>(c)], o.per_class));
    }
  }
  if (static_cast<int64_t>(rest.size()) < o.validation + o.test) {
    throw std::invalid_argument(fmt::format(
        "{} nodes are left after the training nodes; --val-nodes {} and --test-nodes {} need {}",
        rest.size(), o.validation, o.test, o.validation + o.test));
  }
  validation.assign(rest.begin(), rest.begin() + o.validation);
  test.assign(rest.begin() + o.validation, rest.begin() + o.validation + o.test);
  for (auto* split : {&train, &validation, &test})
    std::sort(split->begin(), split->end());
}

}  // namespace

std::string graph_dataset_kinds() {
  std::string text;
  for (const auto& kind : kKinds)
    text += (text.empty() ? "" : " | ") + kind;
  return text;
}

bool is_graph_dataset_kind(const std::string& kind) {
  return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
}

torch::Tensor build_edges(const std::vector<std::pair<int64_t, int64_t>>& pairs, int64_t num_nodes,
                          bool directed, bool self_loops) {
  // One key per edge, target-major, so sorting groups each node's incoming edges together.
  std::vector<int64_t> keys;
  keys.reserve(pairs.size() * (directed ? 1 : 2) + static_cast<size_t>(num_nodes));
  for (const auto& [source, target] : pairs) {
    keys.push_back(target * num_nodes + source);
    if (!directed)
      keys.push_back(source * num_nodes + target);
  }
  if (self_loops) {
    for (int64_t i = 0; i < num_nodes; ++i)
      keys.push_back(i * num_nodes + i);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto edges = torch::empty({2, static_cast<int64_t>(keys.size())}, torch::kLong);
  auto accessor = edges.accessor<int64_t, 2>();
  for (size_t e = 0; e < keys.size(); ++e) {
    accessor[0][static_cast<int64_t>(e)] = keys[e] % num_nodes;
    accessor[1][static_cast<int64_t>(e)] = keys[e] / num_nodes;
  }
  return edges;
}

GraphSplit::GraphSplit(std::shared_ptr<const Graph> graph, const std::vector<int64_t>& nodes)
    : graph_(std::move(graph)), nodes_(nodes) {
  labels_ = torch::full({graph_->num_nodes()}, kIgnoreLabel, torch::kLong);
  auto index = torch::tensor(nodes_, torch::kLong);
  labels_.index_put_({index}, graph_->labels.index_select(0, index));
}

Batch GraphSplit::batch(const std::vector<int64_t>& indices) const {
  TORCH_CHECK(indices.size() == 1 && indices[0] == 0,
              "a graph split is one example: the whole graph");
  Batch batch;
  batch.inputs = graph_->features;
  batch.labels = labels_;
  batch.edges = graph_->edges;
  return batch;
}

Graph load_graph(const GraphDataOptions& options, const std::vector<std::string>& label_names,
                 bool unknown_labels_ok) {
  auto names = label_names;
  return make_graph(options, names, /*labels_fixed=*/true, unknown_labels_ok);
}

GraphTask load_graph_task(const GraphDataOptions& options) {
  GraphTask task;
  auto graph = std::make_shared<Graph>(make_graph(options, task.label_names, false));
  task.name = graph->name;
  std::vector<int64_t> labels(graph->labels.data_ptr<int64_t>(),
                              graph->labels.data_ptr<int64_t>() + graph->num_nodes());
  std::vector<int64_t> train, validation, test;
  if (options.split == "planetoid") {
    planetoid_split(options, labels, task.num_classes(), task.label_names, train, validation, test);
  } else if (options.split == "random") {
    std::vector<std::string> strata;
    for (auto label : labels)
      strata.push_back(task.label_names[static_cast<size_t>(label)]);
    const size_t total = strata.size();
    const size_t v = split_size(total, options.validation_fraction),
                 t = split_size(total, options.test_fraction);
    if (v + t >= total)
      throw std::invalid_argument("--val-fraction and --test-fraction leave no training node");
    const auto split = seeded_split(strata, v, t, options.split_seed);
    train = as_nodes(split.train);
    validation = as_nodes(split.validation);
    test = as_nodes(split.test);
  } else if (options.split == "file") {
    if (options.split_file.empty())
      throw std::invalid_argument("--split file needs --split-file");
    auto splits = read_split_file(options.split_file, graph->node_ids);
    train = std::move(splits.train);
    validation = std::move(splits.validation);
    test = std::move(splits.test);
  } else {
    throw std::invalid_argument("--split: expected planetoid, random or file, got '" +
                                options.split + "'");
  }
  task.graph = graph;
  task.train = GraphSplit(graph, train);
  task.validation = GraphSplit(graph, validation);
  task.test = GraphSplit(graph, test);
  return task;
}

}  // namespace attnzoo
