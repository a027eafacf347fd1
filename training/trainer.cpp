#include "training/trainer.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>

#include <fmt/core.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <nlohmann/json.hpp>

#include "core/compat.h"
#include "datasets/portable_random.h"
#include "training/batching.h"
#include "training/checkpoint.h"
#include "training/distributed.h"
#include "training/progress.h"
#include "training/run_directory.h"
#include "training/schedule.h"

namespace attnzoo {

namespace fs = std::filesystem;
using json = nlohmann::json;

torch::Tensor classification_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  return torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}), labels.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreLabel));
}

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "adamw")
    return OptimizerKind::kAdamW;
  if (name == "adam")
    return OptimizerKind::kAdam;
  throw std::invalid_argument("optimizer: expected adamw or adam, got '" + name + "'");
}

ScheduleKind parse_schedule(const std::string& name) {
  if (name == "cosine")
    return ScheduleKind::kCosine;
  if (name == "constant")
    return ScheduleKind::kConstant;
  throw std::invalid_argument("schedule: expected cosine or constant, got '" + name + "'");
}

const char* to_string(OptimizerKind kind) {
  return kind == OptimizerKind::kAdam ? "adam" : "adamw";
}

const char* to_string(ScheduleKind kind) {
  return kind == ScheduleKind::kConstant ? "constant" : "cosine";
}

EarlyStopping parse_early_stopping(const std::string& name) {
  if (name == "accuracy")
    return EarlyStopping::kAccuracy;
  if (name == "accuracy-or-loss")
    return EarlyStopping::kAccuracyOrLoss;
  throw std::invalid_argument("early-stopping: expected accuracy or accuracy-or-loss, got '" +
                              name + "'");
}

const char* to_string(EarlyStopping rule) {
  return rule == EarlyStopping::kAccuracyOrLoss ? "accuracy-or-loss" : "accuracy";
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& p : module.parameters()) {
    if (p.requires_grad())
      total += p.numel();
  }
  return total;
}

int64_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

namespace {

// Appends one JSON object per line; does nothing without a run directory.
class MetricsLog {
 public:
  explicit MetricsLog(const std::string& dir) { open(dir); }
  void open(const std::string& dir) {
    if (!dir.empty())
      out_.open(fs::path(dir) / "metrics.jsonl", std::ios::app);
  }
  void close() { out_.close(); }
  void write(const json& record) {
    if (out_.is_open())
      out_ << record.dump() << "\n" << std::flush;
  }

 private:
  std::ofstream out_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Rank `rank`'s share of a global batch: one of `world` contiguous parts whose sizes differ by
// at most one (a part may be empty when the batch has fewer examples than there are ranks).
std::vector<int64_t> rank_share(const std::vector<int64_t>& batch, int rank, int world) {
  const auto n = static_cast<int64_t>(batch.size());
  const int64_t base = n / world, extra = n % world;
  const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  const int64_t size = base + (rank < extra ? 1 : 0);
  return {batch.begin() + begin, batch.begin() + begin + size};
}

// Sums the values over the ranks (no-op for a single process).
void sum_over_ranks(Collectives* group, std::vector<double*> values) {
  if (group == nullptr)
    return;
  auto tensor = torch::empty({static_cast<int64_t>(values.size())}, torch::kFloat64);
  for (size_t i = 0; i < values.size(); ++i)
    tensor[static_cast<int64_t>(i)] = *values[i];
  std::vector<torch::Tensor> one{tensor};
  group->all_reduce_sum(one);
  for (size_t i = 0; i < values.size(); ++i)
    *values[i] = tensor[static_cast<int64_t>(i)].item<double>();
}

}  // namespace

Trainer::Trainer(std::shared_ptr<TaskModelImpl> model, TrainerOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  TORCH_CHECK(options_.batch_size > 0, "batch size must be positive");
  TORCH_CHECK(options_.epochs > 0, "epochs must be positive");
}

std::unique_ptr<torch::optim::Optimizer> Trainer::make_optimizer() const {
  std::vector<torch::Tensor> decayed, not_decayed;
  for (const auto& p : model_->parameters()) {
    if (!p.requires_grad())
      continue;
    (p.dim() >= 2 ? decayed : not_decayed).push_back(p);
  }
  if (options_.optimizer == OptimizerKind::kAdam) {
    // The L2 penalty of GAT and GCN: every parameter, added to the gradient.
    std::vector<torch::Tensor> all = decayed;
    all.insert(all.end(), not_decayed.begin(), not_decayed.end());
    return std::make_unique<torch::optim::Adam>(
        all, torch::optim::AdamOptions(options_.lr).weight_decay(options_.weight_decay));
  }
  // Decoupled weight decay on weight matrices only: biases, norms and single vectors are not
  // decayed.
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(
      decayed, std::make_unique<torch::optim::AdamWOptions>(
                   torch::optim::AdamWOptions(options_.lr).weight_decay(options_.weight_decay)));
  groups.emplace_back(not_decayed, std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(options_.lr).weight_decay(0.0)));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(options_.lr));
}

Evaluation Trainer::evaluate(const BatchSource& data) {
  torch::NoGradGuard no_grad;
  model_->eval();
  Collectives* group = options_.collectives.get();
  double loss_sum = 0.0;
  int64_t correct = 0, labelled = 0;
  const auto batches = make_batches(data, options_.batch_size, false, 0);
  for (size_t i = 0; i < batches.size(); ++i) {
    if (group && static_cast<int>(i % group->world_size()) != group->rank())
      continue;  // another rank's batch
    auto batch = data.batch(batches[i]).to(options_.device);
    auto logits = model_->forward(batch);
    auto valid = batch.labels != kIgnoreLabel;
    const int64_t count = valid.sum().item<int64_t>();
    loss_sum += classification_loss(logits, batch.labels).item<double>() * count;
    correct += (logits.argmax(-1).eq(batch.labels) & valid).sum().item<int64_t>();
    labelled += count;
  }
  if (group) {
    auto right = static_cast<double>(correct), counted = static_cast<double>(labelled);
    sum_over_ranks(group, {&loss_sum, &right, &counted});
    correct = std::llround(right);
    labelled = std::llround(counted);
  }
  Evaluation result;
  result.examples = data.example_count();
  result.loss = labelled > 0 ? loss_sum / labelled : 0.0;
  result.accuracy = labelled > 0 ? static_cast<double>(correct) / labelled : 0.0;
  return result;
}

TrainResult Trainer::fit(const BatchSource& all_train, const BatchSource& validation,
                         const BatchSource* test) {
  // An empty split would train on nothing or report an accuracy over no examples.
  auto check_not_empty = [](const BatchSource* split, const char* name) {
    if (split && split->example_count() == 0) {
      throw std::invalid_argument(std::string("the ") + name +
                                  " split has no examples (expected at least one; see the " + name +
                                  " file, split file or fraction options)");
    }
  };
  check_not_empty(&all_train, "training");
  check_not_empty(&validation, "validation");
  check_not_empty(test, "test");
  TORCH_CHECK(options_.train_fraction > 0 && options_.train_fraction <= 1,
              "train fraction must be in (0, 1], got ", options_.train_fraction);
  // A seeded part of the training split: the first examples of a seeded permutation.
  const auto kept = std::max<int64_t>(
      1, std::llround(options_.train_fraction * static_cast<double>(all_train.size())));
  std::vector<int64_t> part(static_cast<size_t>(all_train.size()));
  std::iota(part.begin(), part.end(), 0);
  std::mt19937_64 rng(options_.seed * 7919 + 17);
  portable_shuffle(part, rng);  // the same part with every standard library
  part.resize(static_cast<size_t>(kept));
  std::sort(part.begin(), part.end());
  const SubsetSource subset(all_train, part);
  const BatchSource& train = options_.train_fraction < 1 ? subset : all_train;
  // Data-parallel: every rank runs this function; rank 0 alone writes and reports.
  Collectives* group = options_.collectives.get();
  const int world = group ? group->world_size() : 1;
  const int rank = group ? group->rank() : 0;
  const bool has_dir = !options_.out_dir.empty() && rank == 0;
  TORCH_CHECK(!options_.out_dir.empty() || !options_.resume, "resuming needs the run directory");
  std::string best_path = (fs::path(options_.out_dir) / "best.pt").string();
  std::string last_path = (fs::path(options_.out_dir) / "last.pt").string();
  if (has_dir)
    fs::create_directories(options_.out_dir);
  torch::manual_seed(options_.seed);
  model_->to(options_.device);
  if (group)
    broadcast_module(*group, *model_);  // every rank starts from rank 0's initial weights

  auto optimizer_ptr = make_optimizer();
  auto& optimizer = *optimizer_ptr;

  const int64_t global_batch = options_.batch_size * world;
  const int64_t steps_per_epoch = (train.size() + global_batch - 1) / global_batch;
  const int64_t total_steps = options_.max_steps > 0
                                  ? std::min(steps_per_epoch * options_.epochs, options_.max_steps)
                                  : steps_per_epoch * options_.epochs;
  const auto warmup = static_cast<int64_t>(options_.warmup_fraction * total_steps);

  TrainingState state;
  state.world_size = world;
  // The best model in memory, when there is no run directory; rank 0's alone, as the others take
  // rank 0's at the end.
  std::string best_state;
  if (options_.resume) {
    // Every rank reads the same last.pt (on several machines, from a shared run directory).
    load_checkpoint(last_path, *model_, &optimizer, &state);
    if (state.world_size != world) {
      throw std::runtime_error(fmt::format(
          "{}: written by a run of {} processes, resumed with {} (expected the same world size, "
          "--nproc-per-node x --nnodes: each rank's share of the data depends on it)",
          last_path, state.world_size, world));
    }
    if (state.rng_state.defined())
      compat::set_cpu_rng_state(state.rng_state);
    if (rank == 0) {
      fmt::print(stderr, "resuming {} after epoch {} (step {})\n", options_.out_dir, state.epoch,
                 state.step);
    }
  }

  MetricsLog log(has_dir ? options_.out_dir : "");
  // A staged fresh run (see TrainerOptions::publish_dir) that fails leaves nothing behind.
  bool staged =
      has_dir && !options_.publish_dir.empty() && options_.publish_dir != options_.out_dir;
  struct RemoveStaging {
    const bool& staged;
    const std::string& dir;
    ~RemoveStaging() {
      std::error_code ignored;
      if (staged)
        fs::remove_all(dir, ignored);
    }
  } remove_staging{staged, options_.out_dir};
  const auto publish = [&] {
    if (!staged)
      return;
    log.close();
    publish_run_directory(options_.out_dir, options_.publish_dir);
    staged = false;
    options_.out_dir = options_.publish_dir;
    best_path = (fs::path(options_.out_dir) / "best.pt").string();
    last_path = (fs::path(options_.out_dir) / "last.pt").string();
    log.open(options_.out_dir);
  };
  TrainResult result;
  result.params = count_parameters(*model_);
  const auto start = std::chrono::steady_clock::now();
  const double previous_seconds = state.train_seconds;
  int64_t epochs_this_run = 0;
  bool early_stop = false;
  // The budget (--max-steps, --max-minutes) ends the epoch under way and the run.
  const auto budget_spent = [&] {
    if (options_.max_steps > 0 && state.step >= options_.max_steps)
      return true;
    if (options_.max_seconds <= 0)
      return false;
    double spent = previous_seconds + seconds_since(start) >= options_.max_seconds ? 1 : 0;
    if (group) {  // rank 0's clock decides, so that every rank stops at the same step
      auto flag = torch::full({1}, rank == 0 ? spent : 0.0, torch::kFloat64);
      std::vector<torch::Tensor> one{flag};
      group->broadcast(one);
      spent = flag.item<double>();
    }
    return spent > 0;
  };
  bool budget_stop = budget_spent();

  for (int64_t epoch = state.epoch + 1; epoch <= options_.epochs && !early_stop && !budget_stop;
       ++epoch) {
    if (options_.stop_after_epochs > 0 && epochs_this_run == options_.stop_after_epochs) {
      result.finished = false;
      break;
    }
    model_->train();
    auto batches = make_batches(train, global_batch, true, options_.seed * 1000003 + epoch);
    if (group) {
      // Each rank draws its own dropout, from the seed, the epoch and the rank, so that a resumed
      // run draws what an uninterrupted one would on every rank.
      torch::manual_seed(options_.seed * 1000003 + static_cast<uint64_t>(epoch) * 7919 +
                         static_cast<uint64_t>(rank));
    }
    const bool shown = rank == 0 && (epochs_this_run == 0 || epoch == options_.epochs ||
                                     options_.log_epochs <= 1 || epoch % options_.log_epochs == 0);
    std::optional<Progress> progress;
    if (shown) {
      // A step budget that ends within this epoch is where its bar and ETA end.
      auto steps = static_cast<int64_t>(batches.size());
      if (options_.max_steps > 0)
        steps = std::min(steps, options_.max_steps - state.step);
      progress.emplace(fmt::format("epoch {}/{}", epoch, options_.epochs), steps,
                       options_.log_every);
    }
    double loss_sum = 0.0;
    int64_t examples = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
      const double lr = options_.schedule == ScheduleKind::kCosine
                            ? warmup_cosine_lr(options_.lr, state.step, warmup, total_steps)
                            : warmup_constant_lr(options_.lr, state.step, warmup);
      for (auto& param_group : optimizer.param_groups())
        param_group.options().set_lr(lr);
      const auto indices = group ? rank_share(batches[i], rank, world) : batches[i];
      optimizer.zero_grad();
      double loss_value = 0.0;
      int64_t batch_size = 0;
      double labelled = 0.0;   // what this rank's loss averaged over
      if (!indices.empty()) {  // a rank's share of the last global batch may be empty
        auto batch = train.batch(indices).to(options_.device);
        batch_size = batch.size();
        auto loss = classification_loss(model_->forward(batch), batch.labels);
        loss_value = loss.item<double>();
        if (!std::isfinite(loss_value)) {
          throw std::runtime_error(fmt::format(
              "{}loss became {} at step {} (epoch {}, batch {}); try a lower --lr or --clip-norm",
              group ? fmt::format("rank {}: ", rank) : "", loss_value, state.step + 1, epoch,
              i + 1));
        }
        loss.backward();
        if (group)
          labelled = (batch.labels != kIgnoreLabel).sum().item<double>();
      }
      if (group)
        average_gradients(*group, model_->parameters(), labelled);
      if (options_.clip_norm > 0) {
        torch::nn::utils::clip_grad_norm_(model_->parameters(), options_.clip_norm);
      }
      optimizer.step();
      ++state.step;
      loss_sum += loss_value * static_cast<double>(batch_size);
      examples += batch_size;
      if (progress)
        progress->update(static_cast<int64_t>(i + 1), fmt::format("loss {:.4f}", loss_value));
      if (state.step % options_.log_every == 0) {
        log.write({{"kind", "step"},
                   {"step", state.step},
                   {"epoch", epoch},
                   {"loss", loss_value},
                   {"lr", lr},
                   {"seconds", previous_seconds + seconds_since(start)}});
      }
      if (budget_spent()) {
        budget_stop = true;
        break;
      }
    }
    auto seen = static_cast<double>(examples);
    sum_over_ranks(group, {&loss_sum, &seen});
    const double train_loss = loss_sum / std::max(1.0, seen);
    auto val = evaluate(validation);
    if (progress) {
      progress->finish(fmt::format("loss {:.4f} | val loss {:.4f} acc {:.4f}", train_loss, val.loss,
                                   val.accuracy));
    }
    log.write({{"kind", "epoch"},
               {"epoch", epoch},
               {"step", state.step},
               {"train_loss", train_loss},
               {"val_loss", val.loss},
               {"val_accuracy", val.accuracy},
               {"seconds", previous_seconds + seconds_since(start)}});
    state.epoch = epoch;
    ++epochs_this_run;
    bool selected = val.accuracy > state.best_val_accuracy, gained = selected;
    if (options_.early_stopping == EarlyStopping::kAccuracyOrLoss) {
      const bool top = val.accuracy >= state.top_val_accuracy, low = val.loss <= state.low_val_loss;
      selected = top && low;
      gained = top || low;
      state.top_val_accuracy = std::max(state.top_val_accuracy, val.accuracy);
      state.low_val_loss = std::min(state.low_val_loss, val.loss);
    }
    if (selected) {
      state.best_val_accuracy = val.accuracy;
      state.best_val_loss = val.loss;
      state.best_epoch = epoch;
      if (has_dir) {
        save_checkpoint(best_path, *model_);
      } else if (rank == 0) {
        best_state = module_state(*model_);
      }
    }
    if (gained) {
      state.epochs_without_gain = 0;
    } else if (options_.patience > 0 && ++state.epochs_without_gain >= options_.patience) {
      if (rank == 0)
        fmt::print(stderr, "early stop: no gain on the validation split ({}) for {} epochs\n",
                   to_string(options_.early_stopping), options_.patience);
      early_stop = true;
    }
    if (budget_stop && rank == 0) {
      fmt::print(stderr, "budget reached after {} steps, {:.1f} s: stopping\n", state.step,
                 previous_seconds + seconds_since(start));
    }
    if (has_dir) {
      state.rng_state = compat::cpu_rng_state();
      state.train_seconds = previous_seconds + seconds_since(start);
      save_checkpoint(last_path, *model_, &optimizer, &state);
      publish();  // the first epoch is saved: the new run takes the directory
    }
  }
  publish();
  result.train_seconds = previous_seconds + seconds_since(start);
  result.steps = state.step;
  result.epochs_run = state.epoch;
  result.best_epoch = state.best_epoch;
  result.best_validation.accuracy = state.best_val_accuracy;
  result.best_validation.loss = state.best_val_loss;
  result.best_validation.examples = validation.size();
  result.peak_rss_bytes = peak_rss_bytes();
  if (!result.finished)
    return result;

  // Report the test metric of the selected (best validation) model, not of the last epoch.
  if (has_dir) {
    load_checkpoint(best_path, *model_);
  } else if (rank == 0 && !best_state.empty()) {
    restore_module_state(*model_, best_state);
  }
  model_->to(options_.device);
  if (group)
    broadcast_module(*group, *model_);  // rank 0's best (the others may have resumed past it)
  if (test)
    result.test = evaluate(*test);

  if (has_dir) {
    json final_json = {{"test_accuracy", result.test.accuracy},
                       {"test_examples", result.test.examples},
                       {"val_accuracy", result.best_validation.accuracy},
                       {"best_epoch", result.best_epoch},
                       {"epochs_run", result.epochs_run},
                       {"steps", result.steps},
                       {"train_examples", train.size()},
                       {"params", result.params},
                       {"train_seconds", result.train_seconds},
                       {"peak_rss_bytes", result.peak_rss_bytes}};
    for (const auto& [key, value] : options_.tags)
      final_json[key] = value;
    write_file_atomically((fs::path(options_.out_dir) / "final.json").string(),
                          final_json.dump(2) + "\n");
  }
  return result;
}

}  // namespace attnzoo
