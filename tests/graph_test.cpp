// Graphs: the edge-list attention of every graph variant against dense attention masked by the
// adjacency matrix (outputs and gradients), the node-table and edge-list readers (good and
// malformed files), edge building and splits, the real Cora files, and `attnzoo train` / `eval`
// on graphs.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "datasets/graph/node_table.h"
#include "datasets/graph/split_file.h"
#include "datasets/graph_datasets.h"
#include "models/attention/edge_softmax.h"
#include "models/graph_model.h"
#include "models/registry.h"
#include "models/torchscript/graph_model_script.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace attnzoo;
using attnzoo::testing::contains;
using attnzoo::testing::max_abs_diff;
using attnzoo::testing::message_of;

fs::path fresh_dir(const std::string& name) {
  return attnzoo::testing::fresh_dir("graph", name);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::vector<std::string> graph_variants() {
  std::vector<std::string> names;
  for (const auto& entry : attention_registry()) {
    if (entry.is_graph())
      names.push_back(entry.name);
  }
  return names;
}

// A random directed graph on n nodes without duplicate edges: each ordered pair is an edge with
// probability p; nodes 0 and 1 get no incoming edge at all (isolated as queries), and node 2 is
// connected only to itself.
torch::Tensor random_edges(int64_t n, double p, uint64_t seed) {
  torch::manual_seed(seed);
  auto adjacency = torch::rand({n, n}) < p;  // [target, source]
  adjacency.index_put_({torch::indexing::Slice(0, 2)}, false);
  adjacency.index_put_({2}, false);
  adjacency.index_put_({torch::indexing::Slice(), 2}, false);
  adjacency.index_put_({2, 2}, true);
  auto nonzero = adjacency.nonzero();  // [E, 2] as (target, source)
  return torch::stack({nonzero.select(1, 1), nonzero.select(1, 0)});
}

struct OracleCase {
  std::string variant;
  bool concat;
  torch::Dtype dtype;
  double tolerance;
};

// The layer over the edge list and over the dense adjacency-masked scores, from the same
// parameters and inputs: outputs and the gradients of x and of every parameter must agree.
void expect_matches_dense(const OracleCase& c, int64_t n, const torch::Tensor& edges) {
  AttentionConfig config;
  config.name = c.variant;
  auto layer = make_graph_attention(config, GraphAttentionOptions(7, 5, 3).concat(c.concat));
  layer->to(c.dtype);
  layer->eval();
  auto x_sparse = torch::randn({n, 7}, torch::dtype(c.dtype)).requires_grad_();
  auto x_dense = x_sparse.detach().clone().requires_grad_();
  // A bias that is not zero, so that isolated nodes check it too.
  for (auto& p : layer->parameters())
    p.data().add_(torch::randn_like(p) * 0.1);

  auto out_sparse = layer->forward(x_sparse, edges);
  const auto sparse_grads = [&] {
    auto g = torch::randn_like(out_sparse);
    layer->zero_grad();
    out_sparse.backward(g);
    std::vector<torch::Tensor> grads;
    for (auto& p : layer->parameters())
      grads.push_back(p.grad().clone());
    return std::make_pair(g, grads);
  }();
  auto out_dense = layer->forward_dense(x_dense, edges_to_allowed(edges, n));
  layer->zero_grad();
  out_dense.backward(sparse_grads.first);

  const std::string what =
      c.variant + (c.concat ? " concat " : " mean ") + std::string(c10::toString(c.dtype));
  EXPECT_LE(max_abs_diff(out_sparse, out_dense), c.tolerance) << what << " output";
  EXPECT_LE(max_abs_diff(x_sparse.grad(), x_dense.grad()), c.tolerance) << what << " x grad";
  const auto params = layer->parameters();
  ASSERT_EQ(params.size(), sparse_grads.second.size());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_LE(max_abs_diff(sparse_grads.second[i], params[i].grad()), c.tolerance)
        << what << " parameter " << i;
  }
}

TEST(GraphAttention, EveryVariantMatchesDenseAdjacencyMaskedAttention) {
  const auto variants = graph_variants();
  ASSERT_EQ(variants, (std::vector<std::string>{"gat", "graph"}));
  for (const auto& variant : variants) {
    for (bool concat : {true, false}) {
      for (int64_t n : {1, 9, 23}) {
        auto edges = n >= 3 ? random_edges(n, 0.3, static_cast<uint64_t>(n))
                            : torch::zeros({2, 0}, torch::kLong);
        expect_matches_dense({variant, concat, torch::kFloat64, 1e-10}, n, edges);
        expect_matches_dense({variant, concat, torch::kFloat32, 1e-5}, n, edges);
      }
      // With self-loops on every node, as the datasets build them.
      auto with_loops = build_edges({{3, 4}, {4, 3}, {0, 5}, {6, 6}}, 8, /*directed=*/true, true);
      expect_matches_dense({variant, concat, torch::kFloat64, 1e-10}, 8, with_loops);
    }
  }
}

TEST(GraphAttention, IsolatedNodesGetOnlyTheBiasAndWeightsSumToOne) {
  const int64_t n = 12;
  auto edges = random_edges(n, 0.4, 3);
  auto target = edges[1];
  auto weights = edge_softmax(torch::randn({edges.size(1), 2}, torch::kFloat64), target, n);
  auto sums = torch::zeros({n, 2}, torch::kFloat64).index_add(0, target, weights);
  auto has_incoming = torch::zeros({n}, torch::kBool).index_fill(0, target, true);
  EXPECT_LE(max_abs_diff(sums.index({has_incoming}), torch::ones_like(sums.index({has_incoming}))),
            1e-12);
  EXPECT_FALSE(has_incoming[0].item<bool>());

  AttentionConfig config;
  config.name = "gat";
  auto layer = make_graph_attention(config, GraphAttentionOptions(4, 3, 2));
  layer->eval();
  for (auto& p : layer->parameters())
    p.data().normal_();
  auto out = layer->forward(torch::randn({n, 4}), edges);
  auto bias = layer->named_parameters()["bias"];
  EXPECT_LE(max_abs_diff(out[0], bias), 1e-6);
  EXPECT_LE(max_abs_diff(out[1], bias), 1e-6);
  EXPECT_GT(max_abs_diff(out[3], bias), 1e-3);
}

TEST(GraphAttention, RegistryKeepsGraphAndSequenceVariantsApart) {
  AttentionConfig config;
  config.name = "gat";
  EXPECT_TRUE(contains(message_of([&] { make_attention(config); }), "is a graph attention"));
  config.name = "local";
  EXPECT_TRUE(contains(message_of([&] {
                         make_graph_attention(config, {4, 4, 1});
                       }),
                       "graph variants: gat, graph"));
  EXPECT_TRUE(is_graph_attention("graph"));
  EXPECT_FALSE(is_graph_attention("multihead"));
}

// A graph far too big for anything n^2: 300,000 nodes would need 360 GB for one dense float
// score matrix per head. Forward and backward along a ring of edges must simply work.
TEST(GraphAttention, ScalesWithEdgesNotNodesSquared) {
  const int64_t n = 300000;
  auto nodes = torch::arange(n, torch::kLong);
  auto edges = torch::stack({torch::cat({nodes, nodes}), torch::cat({(nodes + 1) % n, nodes})});
  for (const auto& variant : graph_variants()) {
    AttentionConfig config;
    config.name = variant;
    auto layer = make_graph_attention(config, GraphAttentionOptions(4, 2, 2));
    auto x = torch::randn({n, 4}, torch::requires_grad());
    auto out = layer->forward(x, edges);
    out.sum().backward();
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{n, 4})) << variant;
    EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>()) << variant;
  }
}

TEST(GraphModel, ShapesAndBadEdges) {
  for (const auto& variant : graph_variants()) {
    AttentionConfig config;
    config.name = variant;
    config.d_model = 12;
    config.heads = 3;
    auto model = GraphModel(GraphModelOptions(6, 4, config).layers(3).output_heads(2));
    auto edges = build_edges({{0, 1}, {1, 2}, {3, 4}}, 5, false, true);
    EXPECT_EQ(model->forward(torch::randn({5, 6}), edges).sizes(), (std::vector<int64_t>{5, 4}));
    auto bad = torch::tensor({{0, 7}, {1, 2}}, torch::kLong);
    EXPECT_TRUE(contains(message_of([&] {
                           model->forward(torch::randn({5, 6}), bad);
                         }),
                         "an edge names node 7, but the graph has nodes 0..4"))
        << variant;
  }
}

// Value dropout follows dropout unless set: each layer gets what the model's options say.
TEST(GraphModel, ValueDropoutFollowsDropoutUnlessSet) {
  AttentionConfig config;
  config.name = "gat";
  config.d_model = 12;
  config.heads = 3;
  auto value_dropouts = [](const GraphModel& model) {
    std::vector<double> out;
    for (const auto& layer : *model->layers)
      out.push_back(layer->as<GraphAttentionLayerImpl>()->options.value_dropout());
    return out;
  };
  auto options = GraphModelOptions(6, 4, config).layers(2).dropout(0.3);
  EXPECT_EQ(value_dropouts(GraphModel(options)), (std::vector<double>{0.3, 0.3}));
  EXPECT_EQ(value_dropouts(GraphModel(options.value_dropout(0.0))), (std::vector<double>{0, 0}));
  // Without value dropout a layer's training output equals its evaluation output.
  auto layer_options = GraphAttentionOptions(6, 4, 3).value_dropout(0.0);
  auto layer = make_graph_attention(config, layer_options);
  auto x = torch::randn({5, 6});
  auto edges = build_edges({{0, 1}, {1, 2}, {3, 4}}, 5, false, true);
  layer->train();
  auto trained = layer->forward(x, edges);
  layer->eval();
  EXPECT_LE(max_abs_diff(trained, layer->forward(x, edges)), 1e-6);
}

// ---- TorchScript export -----------------------------------------------------------------------

// Every graph variant, exported and reloaded, computes what the C++ model computes, on graphs
// larger and smaller than any seen before, with and without self-loops (isolated nodes); and
// Python's torch.jit.load runs the same file to the same numbers.
TEST(GraphExport, ReloadedModuleMatchesTheModelInCppAndPython) {
  auto dir = fresh_dir("export");
  for (const auto& name : graph_variants()) {
    for (bool bias : {true, false}) {
      const auto variant = name + (bias ? "" : "_nobias");
      AttentionConfig config;
      config.name = name;
      config.d_model = 12;
      config.heads = 3;
      torch::manual_seed(5);
      auto model = GraphModel(
          GraphModelOptions(6, 4, config).layers(3).output_heads(2).row_normalize(true).bias(bias));
      model->eval();
      bool has_bias = false;
      for (const auto& item : model->named_parameters())
        has_bias = has_bias || contains(item.key(), "bias");
      EXPECT_EQ(has_bias, bias) << variant;
      const auto path = (dir / (variant + ".pt")).string();
      script_graph_model(*model, {"a", "b", "c", "d"}).save(path);
      auto loaded = torch::jit::load(path);
      EXPECT_EQ(loaded.attr("label_names").toListRef().size(), 4u);

      attnzoo::testing::ExportCases cases;
      for (int64_t n : {1, 7, 40, 123}) {
        auto x = torch::rand({n, 6});
        x[0].zero_();  // a node without features (row normalisation keeps it zero)
        for (bool loops : {true, false}) {
          std::vector<std::pair<int64_t, int64_t>> pairs;
          for (int64_t i = 0; i + 2 < n; ++i)
            pairs.emplace_back(i, (i * 7 + 3) % n);
          auto edges = build_edges(pairs, n, false, loops);
          torch::NoGradGuard no_grad;
          auto expected = model->forward(x, edges);
          auto out = loaded.forward({x, edges}).toTensor();
          EXPECT_LE(max_abs_diff(out, expected), 1e-5) << variant << " n=" << n;
          cases.add({x, edges}, expected);
        }
      }
      cases.save((dir / (variant + "_cases.pt")).string());
      auto bad = message_of([&] {
        loaded.forward({torch::rand({3, 5}), torch::zeros({2, 0}, torch::kLong)});
      });
      EXPECT_TRUE(contains(bad, "expected node features [N, 6]")) << bad;

      if (!attnzoo::testing::python_torch_available())
        GTEST_SKIP() << "Debian's python3-torch is not installed (scripts/setup.sh installs it)";
      auto python =
          attnzoo::testing::check_export_in_python(path, (dir / (variant + "_cases.pt")).string());
      EXPECT_EQ(python.status, 0) << variant << ": " << python.output;
      EXPECT_TRUE(contains(python.output, "labels ['a', 'b', 'c', 'd']")) << python.output;
    }
  }
}

// ---- readers -----------------------------------------------------------------------------------

TEST(NodeTable, ReadsLinqsContentWithStringIdsAndCommaSeparatedTables) {
  auto dir = fresh_dir("table");
  write_text(dir / "a.content", "p1\t0\t1\t0\tTheory\nsmith98x\t1\t0\t1\tAI\n\n");
  auto table = read_node_table((dir / "a.content").string());
  EXPECT_EQ(table.ids, (std::vector<std::string>{"p1", "smith98x"}));
  EXPECT_EQ(table.feature_dim, 3);
  EXPECT_EQ(table.features, (std::vector<float>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(table.labels, (std::vector<std::string>{"Theory", "AI"}));

  write_text(dir / "b.csv", "id,f1,f2,label\n# a comment\nn1,0.5,-2,x\nn2,1e-3,3,y\n");
  auto csv = read_node_table((dir / "b.csv").string(), /*header=*/true);
  EXPECT_EQ(csv.feature_dim, 2);
  EXPECT_EQ(csv.features, (std::vector<float>{0.5f, -2.0f, 1e-3f, 3.0f}));
  EXPECT_EQ(csv.lines, (std::vector<int64_t>{3, 4}));
}

TEST(NodeTable, MalformedFilesNameTheFileAndLine) {
  auto dir = fresh_dir("bad_table");
  auto error = [&](const std::string& text) {
    write_text(dir / "t.content", text);
    return message_of([&] { read_node_table((dir / "t.content").string()); });
  };
  const auto path = (dir / "t.content").string();
  EXPECT_TRUE(contains(error("a\t1\tX\nb\tX\n"), path + ":2: 2 fields (expected a node ID"));
  EXPECT_TRUE(contains(error("a\t1\t0\tX\nb\t1\tY\n"),
                       path + ":2: 1 features (expected 2, as on the first node's line)"));
  EXPECT_TRUE(contains(error("a\t1\tX\nb\tone\tX\n"),
                       path + ":2: feature 1 is 'one' (expected a finite number)"));
  EXPECT_TRUE(contains(error("a\t1\tX\na\t0\tX\n"), path + ":2: node 'a' appears twice"));
  EXPECT_TRUE(contains(error(""), path + ": no node found"));
  EXPECT_TRUE(contains(error("a\t1\tX\nb\t\x01\t1\n"), "feature 1 is '\\x01'"));
  EXPECT_TRUE(contains(error("\xff\xfe\t1\tX\n"), path + ":1: invalid UTF-8 at byte 1"));

  write_text(dir / "e.cites", "a b\nc\n");
  EXPECT_TRUE(contains(message_of([&] { read_edge_list((dir / "e.cites").string()); }),
                       (dir / "e.cites").string() + ":2: 1 fields (expected two node IDs)"));
  write_text(dir / "e.cites", "# nothing\n");
  EXPECT_TRUE(
      contains(message_of([&] { read_edge_list((dir / "e.cites").string()); }), "no edge found"));
}

TEST(GraphDatasets, ReadsThePubmedDiabetesTabLayout) {
  auto dir = fresh_dir("pubmed");
  write_text(dir / "Pubmed-Diabetes.NODE.paper.tab",
             "NODE\tpaper\n"
             "cat=1,2,3:label\tnumeric:w-rat:0.0\tnumeric:w-cell:0.0\tstring:summary\n"
             "12187484\tlabel=1\tw-rat=0.5\tsummary=w-rat\n"
             "2344352\tlabel=3\tw-cell=0.25\tw-rat=0.125\tsummary=w-cell,w-rat\n"
             "14654069\tlabel=1\tsummary=\n");
  write_text(dir / "Pubmed-Diabetes.DIRECTED.cites.tab",
             "DIRECTED\tcites\nNO_FEATURES\n"
             "33824\tpaper:12187484\t|\tpaper:2344352\n"
             "33825\tpaper:14654069\t|\tpaper:99999\n");
  GraphDataOptions options;
  options.data = dir.string();
  options.split = "random";
  options.validation_fraction = 0.34;
  options.test_fraction = 0.34;
  options.directed = true;
  options.self_loops = false;
  auto task = load_graph_task(options);
  EXPECT_EQ(task.name, "Pubmed-Diabetes");
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"1", "3"}));
  EXPECT_TRUE(torch::equal(task.graph->features,
                           torch::tensor({{0.5f, 0.0f}, {0.125f, 0.25f}, {0.0f, 0.0f}})));
  EXPECT_EQ(task.graph->skipped_edges, 1);
  // 12187484 cites 2344352: the edge goes from the citing paper (node 0) to the cited (node 1).
  EXPECT_TRUE(torch::equal(task.graph->edges, torch::tensor({{0}, {1}}, torch::kLong)));

  write_text(dir / "Pubmed-Diabetes.NODE.paper.tab",
             "NODE\tpaper\nnumeric:w-rat:0.0\n1\tlabel=1\tw-bad=1\n");
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(options); }),
                       "Pubmed-Diabetes.NODE.paper.tab:3: feature 'w-bad' is not declared"));
  write_text(dir / "Pubmed-Diabetes.NODE.paper.tab",
             "NODE\tpaper\nnumeric:w-rat:0.0\n1\tw-rat=1\n");
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(options); }), ":3: no label=K field"));
  write_text(dir / "Pubmed-Diabetes.DIRECTED.cites.tab",
             "DIRECTED\tcites\nNO_FEATURES\n1\tpaper:1\n");
  EXPECT_TRUE(contains(message_of([&] {
                         read_linqs_tab_edges(
                             (dir / "Pubmed-Diabetes.DIRECTED.cites.tab").string());
                       }),
                       ".tab:3: 2 fields (expected EDGE_ID, paper:A, |, paper:B)"));
}

TEST(GraphDatasets, BuildEdgesMergesDuplicatesAndAddsSelfLoopsOnce) {
  auto edges = build_edges({{0, 1}, {0, 1}, {1, 0}, {2, 2}, {2, 2}}, 4, /*directed=*/false, true);
  std::set<std::pair<int64_t, int64_t>> pairs;
  for (int64_t e = 0; e < edges.size(1); ++e)
    pairs.emplace(edges[0][e].item<int64_t>(), edges[1][e].item<int64_t>());
  EXPECT_EQ(pairs, (std::set<std::pair<int64_t, int64_t>>{
                       {0, 1}, {1, 0}, {0, 0}, {1, 1}, {2, 2}, {3, 3}}));
  EXPECT_EQ(edges.size(1), 6);
  auto directed = build_edges({{0, 1}, {2, 2}}, 3, /*directed=*/true, false);
  EXPECT_TRUE(torch::equal(directed, torch::tensor({{0, 2}, {1, 2}}, torch::kLong)));
}

// A LINQS-style graph: nodes of three classes, a duplicate citation, a self-citation, and
// citations of papers that are not in the content file.
fs::path write_small_linqs(const std::string& name, int64_t per_class) {
  auto dir = fresh_dir(name);
  std::ofstream content(dir / "toy.content"), cites(dir / "toy.cites");
  const char* classes[] = {"Theory", "Neural_Networks", "Case_Based"};
  const int64_t n = 3 * per_class;
  for (int64_t i = 0; i < n; ++i) {
    content << "id" << i;
    for (int64_t f = 0; f < 4; ++f)
      content << '\t' << ((i + f) % 3 == 0 ? 1 : 0);
    content << '\t' << classes[i % 3] << '\n';
  }
  for (int64_t i = 0; i + 1 < n; ++i)
    cites << "id" << i << "\tid" << i + 1 << '\n';
  cites << "id0\tid1\n";                  // duplicate of the first
  cites << "id5\tid5\n";                  // self-citation
  cites << "id3\tmissing\nghost\tid2\n";  // unknown nodes
  return dir;
}

TEST(GraphDatasets, LinqsDirectoryMergesEdgesCountsUnknownNodesAndSplitsPlanetoidStyle) {
  auto dir = write_small_linqs("linqs", 30);
  GraphDataOptions options;
  options.data = dir.string();
  options.per_class = 5;
  options.validation = 20;
  options.test = 40;
  auto task = load_graph_task(options);
  const auto& graph = *task.graph;
  EXPECT_EQ(task.name, "toy");
  EXPECT_EQ(graph.num_nodes(), 90);
  EXPECT_EQ(graph.skipped_edges, 2);
  // 89 chain edges both ways, plus one self-loop per node (the self-citation among them).
  EXPECT_EQ(graph.num_edges(), 2 * 89 + 90);
  EXPECT_EQ(task.label_names,
            (std::vector<std::string>{"Case_Based", "Neural_Networks", "Theory"}));
  EXPECT_EQ(task.train.example_count(), 15);
  EXPECT_EQ(task.validation.example_count(), 20);
  EXPECT_EQ(task.test.example_count(), 40);
  std::set<int64_t> seen;
  std::vector<int64_t> train_per_class(3, 0);
  for (const auto* split : {&task.train, &task.validation, &task.test}) {
    for (auto node : split->nodes())
      EXPECT_TRUE(seen.insert(node).second) << "node " << node << " is in two splits";
  }
  for (auto node : task.train.nodes())
    ++train_per_class[static_cast<size_t>(graph.labels[node].item<int64_t>())];
  EXPECT_EQ(train_per_class, (std::vector<int64_t>{5, 5, 5}));
  // Labels outside the split are ignored by the loss.
  auto batch = task.validation.batch({0});
  EXPECT_EQ((batch.labels != kIgnoreLabel).sum().item<int64_t>(), 20);
  EXPECT_TRUE(torch::equal(batch.edges, graph.edges));

  // The same seed gives the same split, another seed another one.
  auto again = load_graph_task(options);
  EXPECT_EQ(again.test.nodes(), task.test.nodes());
  options.split_seed = 1;
  EXPECT_NE(load_graph_task(options).test.nodes(), task.test.nodes());

  // Directed and without self-loops: the chain's 89 edges, the self-citation once.
  options.directed = true;
  options.self_loops = false;
  EXPECT_EQ(load_graph_task(options).graph->num_edges(), 89 + 1);

  options.per_class = 31;
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(options); }),
                       "has 30 nodes; --per-class 31 needs at least that many"));
}

TEST(GraphDatasets, RandomSplitGraphTableAndGeneratedGraph) {
  auto dir = write_small_linqs("table_kind", 20);
  GraphDataOptions options;
  options.kind = "graph-table";
  options.data = (dir / "toy.content").string() + "," + (dir / "toy.cites").string();
  options.split = "random";
  auto task = load_graph_task(options);
  EXPECT_EQ(task.validation.example_count(), 6);
  EXPECT_EQ(task.test.example_count(), 12);
  EXPECT_EQ(task.train.example_count(), 42);

  GraphDataOptions generated;
  generated.kind = "generated-graph";
  generated.nodes = 500;
  generated.edges = 1000;
  generated.features = 8;
  generated.classes = 4;
  generated.split = "random";
  auto g = load_graph_task(generated);
  EXPECT_EQ(g.graph->num_nodes(), 500);
  EXPECT_EQ(g.graph->features.sizes(), (std::vector<int64_t>{500, 8}));
  EXPECT_EQ(g.num_classes(), 4);
  EXPECT_LE(g.graph->num_edges(), 2 * 1000 + 500);
  EXPECT_GT(g.graph->num_edges(), 2 * 900 + 500);
  // Mostly edges within a class.
  auto same = g.graph->labels.index_select(0, g.graph->edges[0]) ==
              g.graph->labels.index_select(0, g.graph->edges[1]);
  EXPECT_GT(same.to(torch::kDouble).mean().item<double>(), 0.75);
  EXPECT_TRUE(torch::equal(load_graph_task(generated).graph->features, g.graph->features));

  options.data = (dir / "toy.content").string();
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(options); }), "expected NODES,EDGES"));
}

// A split file fixes the split: a run's splits.json read back gives the same nodes; integer IDs
// are accepted for numeric ones; every bad file is an error naming the file and what is wrong.
TEST(GraphDatasets, SplitFileGivesTheSplitAndNamesBadEntries) {
  auto dir = write_small_linqs("split_file", 10);
  GraphDataOptions options;
  options.data = dir.string();
  options.per_class = 2;
  options.validation = 6;
  options.test = 8;
  auto drawn = load_graph_task(options);
  const auto file = dir / "splits.json";
  write_text(file,
             split_file_text(drawn.graph->node_ids,
                             {drawn.train.nodes(), drawn.validation.nodes(), drawn.test.nodes()}));
  options.split = "file";
  options.split_file = file.string();
  options.split_seed = 7;  // not used by a file split
  auto read = load_graph_task(options);
  EXPECT_EQ(read.train.nodes(), drawn.train.nodes());
  EXPECT_EQ(read.validation.nodes(), drawn.validation.nodes());
  EXPECT_EQ(read.test.nodes(), drawn.test.nodes());

  // Nodes come back sorted by their place in the graph, whatever the file's order.
  write_text(file, R"({"train": ["id4", "id0"], "validation": ["id2"], "test": ["id9", "id1"]})");
  read = load_graph_task(options);
  EXPECT_EQ(read.train.nodes(), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(read.test.nodes(), (std::vector<int64_t>{1, 9}));
  EXPECT_EQ(read.validation.example_count(), 1);

  // Numeric IDs may be written as integers.
  write_text(dir / "numeric.tsv", "10\t1\t0\ta\n20\t0\t1\tb\n30\t1\t1\ta\n");
  write_text(dir / "numeric.edges", "10\t20\n");
  write_text(file, R"({"train": [10, "20"], "validation": [30], "test": ["10x"]})");
  GraphDataOptions table;
  table.kind = "graph-table";
  table.data = (dir / "numeric.tsv").string() + "," + (dir / "numeric.edges").string();
  table.split = "file";
  table.split_file = file.string();
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(table); }),
                       file.string() + ": \"test\"[0]: node '10x' is not in the graph"));
  write_text(file, R"({"train": [10, "20"], "validation": [30], "test": [20]})");
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(table); }),
                       file.string() + ": node '20' is in both \"train\" and \"test\""));

  const std::pair<std::string, std::string> bad[] = {
      {R"({"train": ["id0"], "validation": ["id1"]})", ": expected \"test\": an array of node IDs"},
      {R"({"train": [], "validation": ["id1"], "test": ["id2"]})", ": \"train\" lists no node"},
      {R"({"train": ["id0", "id0"], "validation": ["id1"], "test": ["id2"]})",
       ": \"train\" lists node 'id0' twice"},
      {R"({"train": ["id0"], "validation": [1.5], "test": ["id2"]})",
       ": \"validation\"[0]: expected a node ID (a string or an integer), got '1.5'"},
      {R"(["id0"])", ": expected a JSON object with \"train\""},
      {"{\"train\": [\"id0\"],\n \"validation\": [\"id1\"\n", ": not JSON: parse error at line 3"},
  };
  for (const auto& [text, expected] : bad) {
    write_text(file, text);
    const auto message = message_of([&] { load_graph_task(options); });
    EXPECT_TRUE(contains(message, file.string() + expected)) << text << " -> " << message;
  }
  options.split_file = (dir / "absent.json").string();
  EXPECT_TRUE(contains(message_of([&] { load_graph_task(options); }),
                       "absent.json: cannot open the split file"));
  options.split_file.clear();
  EXPECT_TRUE(
      contains(message_of([&] { load_graph_task(options); }), "--split file needs --split-file"));
}

TEST(GraphDatasets, RealCora) {
  const fs::path cora = fs::path(ATTNZOO_SHARED_DATA) / "cora";
  if (!fs::exists(cora / "cora.content"))
    GTEST_SKIP() << "no Cora at " << cora << " (see ../shared/data/README.md)";
  GraphDataOptions options;
  options.data = cora.string();
  auto task = load_graph_task(options);
  EXPECT_EQ(task.graph->num_nodes(), 2708);
  EXPECT_EQ(task.graph->features.size(1), 1433);
  EXPECT_EQ(task.num_classes(), 7);
  EXPECT_EQ(task.graph->skipped_edges, 0);
  // 5,278 unique undirected citations both ways, plus 2,708 self-loops.
  EXPECT_EQ(task.graph->num_edges(), 2 * 5278 + 2708);
  EXPECT_EQ(task.graph->features.sum().item<double>(), 49216.0);
  EXPECT_EQ(task.train.example_count(), 140);
}

// ---- CLI ---------------------------------------------------------------------------------------

double final_value(const fs::path& run, const std::string& key) {
  std::ifstream in(run / "final.json");
  return nlohmann::json::parse(in).at(key).get<double>();
}

TEST(GraphCli, TrainsEvaluatesAndResumesExactly) {
  auto dir = fresh_dir("cli");
  const std::string bin = ATTNZOO_BINARY;
  const std::string common =
      " train --dataset generated-graph --nodes 300 --edges 900 --features 16 --classes 3 "
      "--per-class 10 --val-nodes 60 --test-nodes 120 --epochs 15 --patience 0 --threads 1 "
      "--dropout 0.1 --attention-dropout 0.1 --lr 0.01 ";
  for (const std::string model : {"gat", "graph"}) {
    const auto run = dir / model;
    auto train =
        attnzoo::testing::shell(bin + common + "--model " + model + " --out " + run.string());
    ASSERT_EQ(train.status, 0) << train.output;
    EXPECT_TRUE(contains(train.output, "30 train / 60 validation / 120 test nodes"))
        << train.output;
    EXPECT_GT(final_value(run, "test_accuracy"), 0.6) << train.output;  // chance: 1/3
    std::ifstream splits_file(run / "splits.json");
    const auto splits = nlohmann::json::parse(splits_file);
    EXPECT_EQ(splits.at("train").size(), 30u);
    EXPECT_EQ(splits.at("test").size(), 120u);

    auto eval = attnzoo::testing::shell(bin + " eval --run " + run.string() +
                                        " --dataset generated-graph --data none --threads 1");
    ASSERT_EQ(eval.status, 0) << eval.output;
    EXPECT_TRUE(contains(eval.output, "300 examples")) << eval.output;

    auto exported = attnzoo::testing::shell(bin + " export --run " + run.string() + " --out " +
                                            (dir / (model + ".pt")).string());
    ASSERT_EQ(exported.status, 0) << exported.output;
    auto module = torch::jit::load((dir / (model + ".pt")).string());
    EXPECT_EQ(module.attr("label_names").toListRef().size(), 3u);
    // predict: the exported module and the run's C++ model label every node alike.
    auto by_module = attnzoo::testing::shell(bin + " predict --threads 1 --model " +
                                             (dir / (model + ".pt")).string());
    auto by_run = attnzoo::testing::shell(bin + " predict --threads 1 --run " + run.string());
    ASSERT_EQ(by_module.status, 0) << by_module.output;
    ASSERT_EQ(by_run.status, 0) << by_run.output;
    EXPECT_EQ(by_module.output, by_run.output);
    EXPECT_EQ(std::count(by_run.output.begin(), by_run.output.end(), '\n'), 300);
    EXPECT_TRUE(contains(by_run.output, "0\tclass")) << by_run.output.substr(0, 200);

    // Stopped after 5 epochs and resumed: the same result as the uninterrupted run.
    const auto resumed = dir / (model + "_resumed");
    auto first = attnzoo::testing::shell(bin + common + "--model " + model +
                                         " --stop-after-epochs 5 --out " + resumed.string());
    ASSERT_EQ(first.status, 0) << first.output;
    auto second =
        attnzoo::testing::shell(bin + " train --resume --threads 1 --out " + resumed.string());
    ASSERT_EQ(second.status, 0) << second.output;
    EXPECT_EQ(final_value(resumed, "test_accuracy"), final_value(run, "test_accuracy"));
    EXPECT_EQ(final_value(resumed, "val_accuracy"), final_value(run, "val_accuracy"));

    // The run's own split given back as a file (another split seed, which it overrides): the
    // same result.
    const auto reused = dir / (model + "_split_file");
    auto again = attnzoo::testing::shell(
        bin + common + "--model " + model + " --split file --split-seed 9 --split-file " +
        (run / "splits.json").string() + " --out " + reused.string());
    ASSERT_EQ(again.status, 0) << again.output;
    EXPECT_EQ(final_value(reused, "test_accuracy"), final_value(run, "test_accuracy"));
  }
  auto stray = attnzoo::testing::shell(bin + common + "--split-file x.json --out " +
                                       (dir / "stray").string());
  EXPECT_EQ(stray.status, 2) << stray.output;
  EXPECT_TRUE(contains(stray.output, "--split-file is read with --split file")) << stray.output;

  auto wrong =
      attnzoo::testing::shell(bin + common + "--model local --out " + (dir / "wrong").string());
  EXPECT_EQ(wrong.status, 2) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "graph datasets take a graph attention: gat, graph"))
      << wrong.output;
  auto missing =
      attnzoo::testing::shell(bin + " train --dataset linqs --data " + (dir / "nothing").string() +
                              " --out " + (dir / "missing").string());
  EXPECT_NE(missing.status, 0);
  EXPECT_TRUE(contains(missing.output, (dir / "nothing").string())) << missing.output;
}

}  // namespace
