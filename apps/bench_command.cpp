// `attnzoo bench`: times attention variants at several lengths against the dense baseline
// (`dense`, the registry's `multihead`) and LibTorch's own torch::nn::MultiheadAttention
// (`torch-mha`), and measures each case's peak memory.
//
// Every (model, length) case runs in a child process (this executable again, with the hidden
// flag --internal-case), so that its peak is its own. For each pass the child builds the layer
// and the input, runs the warm-up, returns freed memory to the system, reads its RSS, resets the
// kernel's high-water mark (VmHWM) and runs the pass once: the peak reported is the high-water
// mark minus that RSS, i.e. what one forward (or forward+backward) pass allocated, not what
// loading LibTorch, the weights or the input cost. The timed runs follow. A child that
// dies (e.g. killed for memory) makes its case "failed"; a case whose estimated need exceeds the
// available memory is "skipped" before it starts.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/core.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "apps/child_process.h"
#include "apps/command.h"
#include "bench/attention_cost.h"
#include "bench/measure.h"
#include "core/runtime.h"
#include "models/attention/linear_attention.h"
#include "models/attention/multi_head_attention.h"
#include "models/attention/sparse_attention.h"
#include "models/registry.h"
#include "training/checkpoint.h"
#include "training/progress.h"

namespace attnzoo::cli {

namespace {

using json = nlohmann::json;

constexpr const char* kDense = "dense";               // the registry's multihead layer
constexpr const char* kTorchMha = "torch-mha";        // torch::nn::MultiheadAttention
constexpr const char* kCaseFlag = "--internal-case";  // hidden: run one case, print its JSON

struct BenchSettings {
  AttentionConfig attention;
  std::vector<std::string> models;  ///< dense and torch-mha first, then the others as given
  std::vector<int64_t> lengths;
  int64_t batch = 1;
  int64_t head_dim = 64;
  int64_t warmup = 2;
  int64_t repeats = 5;
  bool backward = false;
  std::string json_path;
  int64_t memory_limit_mb = 0;
  int threads = 0;
  uint64_t seed = 0;

  AttentionShape shape(int64_t n) const { return {batch, n, attention.heads, head_dim}; }
};

std::vector<int64_t> parse_lengths(const std::string& text) {
  std::vector<int64_t> lengths;
  for (const auto& item : split_list(text)) {
    size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != item.size() || value < 1) {
      throw UsageError("--lengths: '" + item + "' is not a positive integer (e.g. 1024,4096)");
    }
    lengths.push_back(value);
  }
  if (lengths.empty())
    throw UsageError("--lengths: no length given (e.g. 1024,4096)");
  return lengths;
}

std::string known_models() {
  std::string names = std::string(kDense) + ", " + kTorchMha;
  for (const auto& entry : attention_registry()) {
    if (entry.is_graph())
      continue;
    AttentionConfig probe;
    probe.name = entry.name;
    if (std::dynamic_pointer_cast<MultiHeadAttentionImpl>(entry.make(probe))) {
      names += ", " + entry.name;
    }
  }
  return names;
}

// Checks every name and puts the two references first: every other figure is divided by theirs.
std::vector<std::string> parse_models(const std::string& text, const AttentionConfig& attention) {
  std::vector<std::string> models = {kDense, kTorchMha};
  for (const auto& name : split_list(text)) {
    if (std::find(models.begin(), models.end(), name) != models.end())
      continue;
    AttentionConfig config = attention;
    config.name = name;
    std::shared_ptr<AttentionLayerImpl> layer;
    try {
      layer = make_attention(config);
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).rfind("unknown attention", 0) == 0) {
        throw UsageError("--models: unknown model '" + name + "' (known: " + known_models() + ")");
      }
      throw UsageError("--models: " + name + ": " + e.what());
    }
    if (!std::dynamic_pointer_cast<MultiHeadAttentionImpl>(layer)) {
      throw UsageError("--models: '" + name +
                       "' is not a multi-head layer; bench compares multi-head layers (known: " +
                       known_models() + ")");
    }
    models.push_back(name);
  }
  if (split_list(text).empty())
    throw UsageError("--models: no model given (e.g. dense,local)");
  return models;
}

// Parses the options shared by the parent and its children; false when --help was shown.
bool parse_settings(const std::vector<std::string>& args, BenchSettings& s) {
  s.attention.heads = 8;
  std::string models, lengths;
  po::options_description bench("Benchmark");
  // clang-format off
  bench.add_options()
      ("models", po::value<std::string>(&models)->default_value("dense,local,longformer,bigbird"),
       "comma-separated models: dense (the registry's multihead), torch-mha "
       "(torch::nn::MultiheadAttention) or a sparse variant; dense and torch-mha always run")
      ("lengths", po::value<std::string>(&lengths)->default_value("1024,4096"),
       "comma-separated sequence lengths")
      ("batch", po::value<int64_t>(&s.batch)->default_value(s.batch), "batch size")
      ("head-dim", po::value<int64_t>(&s.head_dim)->default_value(s.head_dim),
       "size of each head (d-model = heads * head-dim)")
      ("backward", po::bool_switch(&s.backward), "also time forward+backward (pass 'backward')")
      ("warmup", po::value<int64_t>(&s.warmup)->default_value(s.warmup), "untimed runs per case")
      ("repeats", po::value<int64_t>(&s.repeats)->default_value(s.repeats),
       "timed runs per case (the median is reported)")
      ("json", po::value<std::string>(&s.json_path), "also write the records to this JSON file")
      ("memory-limit-mb", po::value<int64_t>(&s.memory_limit_mb)->default_value(0),
       "memory a case may use; a case estimated to need more is skipped (0: MemAvailable less a "
       "margin)")
      ("seed", po::value<uint64_t>(&s.seed)->default_value(s.seed),
       "seed of the input and the weights (the same input for every model)")
      ("threads", po::value<int>(&s.threads)->default_value(0), "CPU threads (0: all cores)");
  // clang-format on
  po::options_description options;
  options.add(bench).add(attention_options(s.attention));
  po::variables_map vm;
  if (!parse("bench", "[options]", options, args, vm))
    return false;
  finish_attention_options(vm, s.attention);

  if (!vm["model"].defaulted())
    throw UsageError("--model: bench takes a list, use --models");
  if (s.batch < 1)
    throw UsageError("--batch must be >= 1, got " + std::to_string(s.batch));
  if (s.attention.heads < 1 || s.head_dim < 1) {
    throw UsageError("--heads and --head-dim must be >= 1");
  }
  if (s.warmup < 0 || s.repeats < 1) {
    throw UsageError("--warmup must be >= 0 and --repeats >= 1");
  }
  const int64_t d_model = s.attention.heads * s.head_dim;
  if (!vm["d-model"].defaulted() && s.attention.d_model != d_model) {
    throw UsageError(fmt::format("--d-model {} disagrees with --heads {} x --head-dim {}",
                                 s.attention.d_model, s.attention.heads, s.head_dim));
  }
  s.attention.d_model = d_model;
  if (!s.json_path.empty()) {  // found out now, not after a long run
    const auto directory = std::filesystem::path(s.json_path).parent_path();
    if (!directory.empty() && !std::filesystem::is_directory(directory)) {
      throw UsageError("--json: directory '" + directory.string() + "' does not exist");
    }
  }
  s.lengths = parse_lengths(lengths);
  s.models = parse_models(models, s.attention);
  return true;
}

// ---- the child: one case in this process -------------------------------------------------------

// The layer of `model` as a function of the input [B, n, d_model], and its parameters.
struct Layer {
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const torch::Tensor&)> forward;
};

Layer make_layer(const BenchSettings& s, const std::string& model) {
  if (model == kTorchMha) {
    auto mha = std::make_shared<torch::nn::MultiheadAttentionImpl>(
        torch::nn::MultiheadAttentionOptions(s.attention.d_model, s.attention.heads)
            .dropout(s.attention.dropout));
    // LibTorch's layer takes [n, B, d_model]; need_weights = false spares it the averaged weights.
    return {mha, [mha](const torch::Tensor& x) {
              auto seq_first = x.transpose(0, 1);
              return std::get<0>(mha->forward(seq_first, seq_first, seq_first, {}, false));
            }};
  }
  AttentionConfig config = s.attention;
  config.name = model == kDense ? "multihead" : model;
  auto layer = make_attention(config);
  return {layer, [layer](const torch::Tensor& x) { return layer->forward(x).output; }};
}

// Warm-up runs first (one-time initialisations are not the case's), then one run whose peak is
// measured from a clean start (freed memory returned, high-water mark reset), then the timed runs,
// which find the allocator warm.
json measure_pass(const std::function<void()>& work, const BenchSettings& s) {
  time_runs_ms(work, s.warmup, 0);
  release_free_memory();
  const int64_t baseline = resident_bytes();
  const bool reset = reset_peak_resident();
  work();
  const int64_t peak = peak_resident_bytes();
  auto times = time_runs_ms(work, 0, s.repeats);
  return {{"times_ms", times},
          {"baseline_bytes", baseline},
          {"peak_bytes", std::max<int64_t>(0, peak - baseline)},
          {"peak_method", reset ? "VmHWM reset before the case, minus RSS before the case"
                                : "VmHWM (could not be reset) minus RSS before the case"}};
}

int run_case(const BenchSettings& s, const std::string& spec) {
  // spec: MODEL:N:forward|backward|forward,backward
  const auto first = spec.find(':'), second = spec.rfind(':');
  if (first == std::string::npos || second == first)
    throw UsageError("bad internal case " + spec);
  const std::string model = spec.substr(0, first);
  const int64_t n = std::stoll(spec.substr(first + 1, second - first - 1));
  const auto passes = split_list(spec.substr(second + 1));
  use_threads(s.threads);

  torch::manual_seed(s.seed);
  auto x = torch::randn({s.batch, n, s.attention.d_model});  // first: the same for every model
  torch::manual_seed(s.seed + 1);
  Layer layer = make_layer(s, model);
  // Start the thread pool and the BLAS buffers before the baseline: they are not the case's.
  torch::matmul(torch::randn({256, 256}), torch::randn({256, 256}));
  torch::randn({1 << 20}).exp();

  json result = json::object();
  for (const auto& pass : passes) {
    if (pass == "forward") {
      torch::NoGradGuard no_grad;
      result[pass] = measure_pass([&] { layer.forward(x); }, s);
    } else if (pass == "backward") {
      auto input = x.detach().requires_grad_(true);
      auto parameters = layer.module->parameters();
      result[pass] = measure_pass(
          [&] {
            layer.forward(input).sum().backward();
            input.mutable_grad().reset();
            for (auto& p : parameters)
              p.mutable_grad().reset();
          },
          s);
    } else {
      throw UsageError("bad internal pass " + pass);
    }
  }
  fmt::print("{}\n", result.dump());
  std::fflush(stdout);
  return 0;
}

// ---- the parent: every case, each in a child
// -----------------------------------------------------

struct ChildResult {
  bool ok = false;
  std::string reason;  ///< why not ok
  json output;
};

// Runs this executable with `args` (args[0] included) and waits for it. Its stdout is the result
// (a JSON line); its stderr is kept aside and passed on, so that a failure's reason can be quoted.
ChildResult run_child(const std::vector<std::string>& args) {
  using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
  File out(std::tmpfile(), std::fclose);
  File errors(std::tmpfile(), std::fclose);
  if (!out || !errors)
    return {false, std::string("tmpfile: ") + std::strerror(errno), {}};
  const ChildExit ended = run_child_process(args, out.get(), errors.get());
  const std::string messages = read_file_from_start(errors.get());
  if (!ended.ok()) {
    // main() prefixes its one-line errors; the reason is what follows.
    std::string why = ended.started && ended.signal == 0 ? last_line(messages) : "";
    const std::string prefix = "attnzoo bench: error: ";
    if (why.rfind(prefix, 0) == 0)
      why.erase(0, prefix.size());
    return {false, ended.describe() + (why.empty() ? "" : ": " + why), {}};
  }
  if (!messages.empty())
    fmt::print(stderr, "\n{}", messages);  // e.g. LibTorch's warnings
  const std::string text = read_file_from_start(out.get());
  // The result is the last line that is a JSON object.
  std::string result;
  std::stringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{')
      result = line;
  }
  try {
    return {true, "", json::parse(result)};
  } catch (const std::exception&) {
    return {false, "gave no result", {}};
  }
}

std::string format_bytes(double bytes) {
  if (bytes >= 1e9)
    return fmt::format("{:.1f} GB", bytes / 1e9);
  return fmt::format("{:.0f} MB", bytes / 1e6);
}

// The pairs one model attends to at length n, and how many elements per query row it holds.
std::pair<int64_t, int64_t> model_cost(const BenchSettings& s, const std::string& model,
                                       int64_t n) {
  if (model != kDense && model != kTorchMha) {
    AttentionConfig config = s.attention;
    config.name = model;
    auto layer = make_attention(config);
    if (auto sparse = std::dynamic_pointer_cast<SparseAttentionImpl>(layer)) {
      auto pattern = sparse->pattern(n);
      return {allowed_pairs(pattern, s.attention.heads), sparse_row_elements(pattern, s.head_dim)};
    }
    if (auto linear = std::dynamic_pointer_cast<LinearAttentionImpl>(layer)) {
      const auto& o = linear->linear_options;
      return {linear_equivalent_pairs(s.attention.heads, n, s.head_dim, o.causal(), o.chunk()),
              linear_row_elements(n, s.head_dim, o.causal(), o.chunk())};
    }
  }
  return {dense_pairs(s.attention.heads, n), dense_row_elements(n)};
}

json null_if_not_finite(double value) {
  return std::isfinite(value) ? json(value) : json();
}

// Divides the reference's figure by this record's: > 1 means faster or smaller than the reference.
void add_ratios(json& records) {
  for (auto& record : records) {
    for (const auto& [reference, suffix] :
         {std::pair{kDense, "dense"}, std::pair{kTorchMha, "torch_mha"}}) {
      json speedup, memory;
      for (const auto& other : records) {
        if (other["model"] != reference || other["n"] != record["n"] ||
            other["pass"] != record["pass"] || other["status"] != "ok" ||
            record["status"] != "ok") {
          continue;
        }
        speedup = null_if_not_finite(other["median_ms"].get<double>() /
                                     record["median_ms"].get<double>());
        const auto peak = record["peak_bytes"].get<int64_t>();
        if (peak > 0) {
          memory = null_if_not_finite(static_cast<double>(other["peak_bytes"].get<int64_t>()) /
                                      static_cast<double>(peak));
        }
      }
      record[std::string("speedup_vs_") + suffix] = speedup;
      record[std::string("memory_ratio_vs_") + suffix] = memory;
    }
  }
}

std::string ratio_cell(const json& value) {
  return value.is_null() ? "-" : fmt::format("{:.2f}x", value.get<double>());
}

void print_table(const BenchSettings& s, const json& records) {
  fmt::print(
      "\nbatch {}, {} heads x {} (d_model {}), float32, {} threads, median of {} runs after {} "
      "warm-up\n",
      s.batch, s.attention.heads, s.head_dim, s.attention.d_model, torch::get_num_threads(),
      s.repeats, s.warmup);
  fmt::print("{:<11} {:>6} {:<8} {:>10} {:>9} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10}\n", "model",
             "n", "pass", "median ms", "peak MB", "GFLOP/s", "%GEMM", "speed/dns", "mem/dns",
             "speed/mha", "mem/mha");
  for (const auto& r : records) {
    const auto model = r["model"].get<std::string>();
    const auto pass = r["pass"].get<std::string>();
    const auto n = r["n"].get<int64_t>();
    if (r["status"] != "ok") {
      fmt::print("{:<11} {:>6} {:<8} {}: {}\n", model, n, pass, r["status"].get<std::string>(),
                 r["reason"].get<std::string>());
      continue;
    }
    fmt::print("{:<11} {:>6} {:<8} {:>10.2f} {:>9.1f} {:>8.1f} {:>6} {:>10} {:>10} {:>10} {:>10}\n",
               model, n, pass, r["median_ms"].get<double>(), r["peak_bytes"].get<int64_t>() / 1e6,
               r["gflops"].get<double>(),
               r["gemm_share"].is_number()
                   ? fmt::format("{:.0f}%", 100.0 * r["gemm_share"].get<double>())
                   : std::string("-"),
               ratio_cell(r["speedup_vs_dense"]), ratio_cell(r["memory_ratio_vs_dense"]),
               ratio_cell(r["speedup_vs_torch_mha"]), ratio_cell(r["memory_ratio_vs_torch_mha"]));
  }
  fmt::print(
      "pass backward = forward+backward. %GEMM = GFLOP/s as a share of this machine's matrix "
      "products of the same shapes.\nspeed = reference time / time, mem = reference peak / "
      "peak\n(> 1: faster or smaller than dense (dns) or torch-mha (mha)). Peak = the case's own "
      "measured peak RSS.\n");
}

// The memory a case may use: --memory-limit-mb, or MemAvailable less a margin (for the child's
// own LibTorch and whatever else runs on the machine); -1 when unknown.
int64_t memory_limit_bytes(const BenchSettings& s) {
  if (s.memory_limit_mb > 0)
    return s.memory_limit_mb << 20;
  const int64_t available = available_memory_bytes();
  if (available < 0)
    return -1;
  return available - std::max<int64_t>(int64_t{1} << 30, available / 10);
}

// The machine's matrix-product rate on the attention's own shapes at length n, in GFLOP/s: the
// projections' [B n, d_model] x [d_model, d_model] and a block of scores' [B h, n, D] x
// [B h, D, 256] (batched, as the kernels run them), the faster of the two. Every case's GFLOP/s
// is quoted as a share of it: what the kernel makes of what this machine's BLAS can do.
double gemm_gflops(const BenchSettings& s, int64_t n) {
  torch::NoGradGuard no_grad;
  const int64_t d = s.attention.d_model, bh = s.batch * s.attention.heads;
  const int64_t keys = std::min<int64_t>(n, 256);
  auto x = torch::randn({s.batch * n, d}), w = torch::randn({d, d});
  auto q = torch::randn({bh, n, s.head_dim}), k = torch::randn({bh, s.head_dim, keys});
  const double projection_flops = 2.0 * static_cast<double>(s.batch * n) * d * d;
  const double score_flops = 2.0 * static_cast<double>(bh * n) * s.head_dim * keys;
  const double projection_ms =
      median(time_runs_ms([&] { torch::mm(x, w); }, s.warmup, std::max<int64_t>(s.repeats, 5)));
  const double score_ms =
      median(time_runs_ms([&] { torch::bmm(q, k); }, s.warmup, std::max<int64_t>(s.repeats, 5)));
  return std::max(projection_flops / (projection_ms * 1e6), score_flops / (score_ms * 1e6));
}

int run_all(const BenchSettings& s, const std::vector<std::string>& args) {
  const int threads = use_threads(s.threads);
  const std::vector<std::string> passes = s.backward
                                              ? std::vector<std::string>{"forward", "backward"}
                                              : std::vector<std::string>{"forward"};
  const int64_t cases = static_cast<int64_t>(s.lengths.size() * s.models.size());
  json records = json::array();
  int64_t index = 0, failed = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const int64_t n : s.lengths) {
    const double gemm = gemm_gflops(s, n);
    fmt::print(stderr, "bench: matrix products of the shapes at n={}: {:.1f} GFLOP/s\n", n, gemm);
    for (const auto& model : s.models) {
      ++index;
      const auto [pairs, row_elements] = model_cost(s, model, n);
      const auto shape = s.shape(n);
      const int64_t limit = memory_limit_bytes(s);
      std::vector<std::string> run_passes;
      std::vector<json> case_records;
      for (const auto& pass : passes) {
        const bool backward = pass == "backward";
        const int64_t estimate = estimate_peak_bytes(shape, row_elements, backward);
        const double flops = attention_flops(shape, pairs, backward);
        json record = {{"model", model},
                       {"n", n},
                       {"batch", s.batch},
                       {"heads", s.attention.heads},
                       {"head_dim", s.head_dim},
                       {"d_model", s.attention.d_model},
                       {"pass", pass},
                       {"status", "ok"},
                       {"median_ms", nullptr},
                       {"times_ms", json::array()},
                       {"peak_bytes", nullptr},
                       {"flops", flops},
                       {"gflops", nullptr},
                       {"gemm_gflops", gemm},
                       {"gemm_share", nullptr},
                       {"allowed_pairs", pairs},
                       {"estimated_bytes", estimate},
                       {"threads", threads},
                       {"warmup", s.warmup},
                       {"repeats", s.repeats}};
        if (limit >= 0 && estimate > limit) {
          record["status"] = "skipped";
          record["reason"] =
              fmt::format("would need about {}, only {} may be used", format_bytes(estimate),
                          format_bytes(static_cast<double>(limit)));
        } else {
          run_passes.push_back(pass);
        }
        case_records.push_back(record);
      }

      fmt::print(stderr, "bench [{}/{}] {} n={}: ", index, cases, model, n);
      std::fflush(stderr);
      ChildResult child{true, "", json::object()};
      if (!run_passes.empty()) {
        std::string spec = fmt::format("{}:{}:", model, n);
        for (size_t i = 0; i < run_passes.size(); ++i)
          spec += (i ? "," : "") + run_passes[i];
        std::vector<std::string> child_args = {"/proc/self/exe", "bench"};
        child_args.insert(child_args.end(), args.begin(), args.end());
        child_args.push_back(kCaseFlag);
        child_args.push_back(spec);
        child = run_child(child_args);
      }
      std::vector<std::string> summary;
      for (auto& record : case_records) {
        const auto pass = record["pass"].get<std::string>();
        if (record["status"] == "ok" && !child.ok) {
          record["status"] = "failed";
          record["reason"] = child.reason;
          ++failed;
        } else if (record["status"] == "ok") {
          const auto& measured = child.output.at(pass);
          const auto times = measured.at("times_ms").get<std::vector<double>>();
          const double ms = median(times);
          record["times_ms"] = times;
          record["median_ms"] = ms;
          record["peak_bytes"] = measured.at("peak_bytes");
          record["baseline_bytes"] = measured.at("baseline_bytes");
          record["peak_method"] = measured.at("peak_method");
          record["gflops"] = null_if_not_finite(record["flops"].get<double>() / (ms * 1e6));
          if (record["gflops"].is_number())
            record["gemm_share"] = record["gflops"].get<double>() / gemm;
        }
        summary.push_back(record["status"] == "ok"
                              ? fmt::format("{} {:.1f} ms, peak {}", pass,
                                            record["median_ms"].get<double>(),
                                            format_bytes(record["peak_bytes"].get<double>()))
                              : fmt::format("{} {}: {}", pass, record["status"].get<std::string>(),
                                            record["reason"].get<std::string>()));
        records.push_back(record);
      }
      std::string line;
      for (const auto& part : summary)
        line += (line.empty() ? "" : "; ") + part;
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::print(stderr, "{} ({} so far)\n", line, format_duration(elapsed));
    }
  }
  add_ratios(records);
  print_table(s, records);
  if (!s.json_path.empty()) {
    write_file_atomically(s.json_path, records.dump(2) + "\n");
    fmt::print("wrote {} records to {}\n", records.size(), s.json_path);
  }
  if (failed > 0) {
    fmt::print(stderr, "attnzoo bench: {} pass(es) failed (see above)\n", failed);
    return 1;
  }
  return 0;
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  // The hidden child flag is taken out before parsing, so that --help never shows it.
  std::vector<std::string> rest;
  std::optional<std::string> case_spec;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == kCaseFlag && i + 1 < args.size()) {
      case_spec = args[++i];
    } else {
      rest.push_back(args[i]);
    }
  }
  BenchSettings settings;
  if (!parse_settings(rest, settings))
    return 0;
  if (case_spec)
    return run_case(settings, *case_spec);
  return run_all(settings, rest);
}

}  // namespace attnzoo::cli
