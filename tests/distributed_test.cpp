// Data-parallel training as a user starts it, over loopback with Gloo: `--nproc-per-node`, and
// workers started with torchrun's environment variables. Two processes end where one process
// with the same global batch ends; failures end every process with the rank named.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "tests/test_util.h"
#include "training/distributed.h"

namespace {

namespace fs = std::filesystem;
using attnzoo::testing::contains;
using attnzoo::testing::Run;

Run attnzoo(const std::string& args) {
  return attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " " + args);
}

// A rendezvous port of this test process's own (ctest runs the areas side by side), below
// Linux's ephemeral range (32768 up) so that no outgoing connection holds it already.
int port(int offset) {
  return 20000 + static_cast<int>(getpid() % 2000) * 6 + offset;
}

// Every tensor of a saved archive (nested archives flattened, "a.b.c").
void collect(torch::serialize::InputArchive& archive, const std::string& prefix,
             std::map<std::string, torch::Tensor>& out) {
  for (const auto& key : archive.keys()) {
    torch::Tensor tensor;
    if (archive.try_read(key, tensor)) {
      out[prefix + key] = tensor;
      continue;
    }
    torch::serialize::InputArchive inner;
    if (archive.try_read(key, inner))
      collect(inner, prefix + key + ".", out);
  }
}

std::map<std::string, torch::Tensor> model_tensors(const fs::path& checkpoint) {
  torch::serialize::InputArchive archive, model;
  archive.load_from(checkpoint.string());
  EXPECT_TRUE(archive.try_read("model", model)) << checkpoint;
  std::map<std::string, torch::Tensor> tensors;
  collect(model, "", tensors);
  return tensors;
}

// The largest difference between the two runs' parameters (and that they hold the same ones).
// The models compared use ReLU weights: under softmax the keys' bias has an exactly zero
// gradient (a shift of every score of a query), and Adam in float32 turns the rounding noise
// left in it into steps of the learning rate's size, different in any two summation orders.
double largest_difference(const fs::path& a, const fs::path& b) {
  const auto left = model_tensors(a), right = model_tensors(b);
  EXPECT_FALSE(left.empty());
  EXPECT_EQ(left.size(), right.size());
  double largest = 0;
  for (const auto& [name, tensor] : left) {
    const auto other = right.find(name);
    EXPECT_NE(other, right.end()) << name;
    if (other == right.end())
      continue;
    largest = std::max(largest, attnzoo::testing::max_abs_diff(tensor, other->second));
  }
  return largest;
}

std::vector<nlohmann::json> epoch_records(const fs::path& run) {
  std::vector<nlohmann::json> records;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto record = nlohmann::json::parse(line);
    if (record["kind"] == "epoch")
      records.push_back(record);
  }
  return records;
}

// 83 training examples: with 3 per rank the last global batch of 6 has 5, shared 3 + 2, which the
// gradient average must weigh.
void write_sentences(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream pos(dir / "train.pos"), neg(dir / "train.neg");
  for (int i = 0; i < 53; ++i) {
    if (i < 52)
      pos << "good great fine " << (i % 3 ? "nice " : "") << i << "\n";
    neg << "bad awful " << (i % 2 ? "poor sad " : "") << i << "\n";
  }
}

// A small treebank: sentences of different lengths, so that the ranks' shares of a batch hold
// different numbers of labelled tokens.
void write_treebank(const fs::path& path, int sentences, int seed) {
  std::ofstream out(path);
  const char* words[][2] = {{"the", "DET"}, {"cat", "NOUN"}, {"sat", "VERB"},    {"on", "ADP"},
                            {"a", "DET"},   {"mat", "NOUN"}, {"quickly", "ADV"}, {"ran", "VERB"}};
  for (int s = 0; s < sentences; ++s) {
    const int length = 2 + (s * 7 + seed) % 9;
    for (int w = 0; w < length; ++w) {
      const auto& word = words[(s * 3 + w * 5 + seed) % 8];
      out << (w + 1) << "\t" << word[0] << "\t" << word[0] << "\t" << word[1]
          << "\t_\t_\t0\tdep\t_\t_\n";
    }
    out << "\n";
  }
}

// Trains `common` in one process with the global batch (DIR/one) and in two processes with half
// of it each (DIR/two); returns the two runs' outputs.
std::pair<Run, Run> one_and_two_processes(const std::string& common, const fs::path& dir,
                                          int global_batch, int port_offset) {
  auto one = attnzoo(common + "--batch-size " + std::to_string(global_batch) + " --out " +
                     (dir / "one").string());
  EXPECT_EQ(one.status, 0) << one.output;
  auto two = attnzoo(common + "--batch-size " + std::to_string(global_batch / 2) +
                     " --nproc-per-node 2 --master-port " + std::to_string(port(port_offset)) +
                     " --out " + (dir / "two").string());
  EXPECT_EQ(two.status, 0) << two.output;
  return {one, two};
}

TEST(DataParallel, TwoProcessesTrainAsOneProcessWithTheGlobalBatch) {
  const auto dir = attnzoo::testing::fresh_dir("dist", "same");
  write_sentences(dir / "data");
  const std::string common =
      "train --dataset text-lines --data " + (dir / "data").string() +
      " --d-model 16 --heads 2 --layers 1 --threads 1 --min-frequency 1 "
      "--pooling cls --normalization relu --dropout 0 --epochs 3 --lr 0.003 ";
  const auto [one, two] = one_and_two_processes(common, dir, 6, 1);
  ASSERT_EQ(one.status + two.status, 0);
  EXPECT_TRUE(contains(two.output, "launching 2 workers: ranks 0-1 of 2")) << two.output;
  EXPECT_TRUE(contains(two.output, "in each of 2 processes")) << two.output;
  EXPECT_TRUE(contains(one.output, "83 train")) << one.output;  // 83 = 13 x 6 + 5

  // float32 within 1e-4: the same steps on the same global batches.
  EXPECT_LT(largest_difference(dir / "one" / "last.pt", dir / "two" / "last.pt"), 1e-4);
  // The weights moved: the comparison is not of two untrained models.
  EXPECT_GT(largest_difference(dir / "one" / "last.pt", dir / "one" / "best.pt") +
                largest_difference(dir / "one" / "last.pt", dir / "two" / "best.pt"),
            0.0);
  // Evaluation split over two ranks counts what one process counts.
  const auto a = epoch_records(dir / "one"), b = epoch_records(dir / "two");
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    EXPECT_EQ(a[i]["val_accuracy"], b[i]["val_accuracy"]);
    EXPECT_NEAR(a[i]["val_loss"].get<double>(), b[i]["val_loss"].get<double>(), 1e-5);
    EXPECT_NEAR(a[i]["train_loss"].get<double>(), b[i]["train_loss"].get<double>(), 1e-5);
  }
  const auto final_one = nlohmann::json::parse(attnzoo::testing::read_text(dir / "one/final.json"));
  const auto final_two = nlohmann::json::parse(attnzoo::testing::read_text(dir / "two/final.json"));
  EXPECT_EQ(final_one["test_accuracy"], final_two["test_accuracy"]);
  EXPECT_EQ(final_one["test_examples"], final_two["test_examples"]);
  fs::remove_all(dir);
}

TEST(DataParallel, TaggingWeighsEachRankByItsLabelledTokens) {
  const auto dir = attnzoo::testing::fresh_dir("dist", "tags");
  fs::create_directories(dir / "ud");
  write_treebank(dir / "ud" / "en_toy-ud-train.conllu", 37, 0);
  write_treebank(dir / "ud" / "en_toy-ud-dev.conllu", 9, 1);
  write_treebank(dir / "ud" / "en_toy-ud-test.conllu", 9, 2);
  const std::string common = "train --dataset conllu --data " + (dir / "ud").string() +
                             " --d-model 16 --heads 2 --layers 1 --threads 1 --min-frequency 1 "
                             "--word-classes false --normalization relu --dropout 0 --word-dropout "
                             "0 --epochs 2 --lr 0.003 ";
  const auto [one, two] = one_and_two_processes(common, dir, 8, 2);
  ASSERT_EQ(one.status + two.status, 0);
  EXPECT_LT(largest_difference(dir / "one" / "last.pt", dir / "two" / "last.pt"), 1e-4);
  // Weighing each rank's mean loss equally instead would not be this close: the check can fail.
  fs::remove_all(dir);
}

TEST(DataParallel, AKilledWorkerStopsTheRunNamingItsRank) {
  const auto dir = attnzoo::testing::fresh_dir("dist", "killed");
  write_sentences(dir / "data");
  const auto log = (dir / "log").string();
  // Long enough that rank 1 is killed in the middle: the launcher must end rank 0 too.
  const std::string run = std::string(ATTNZOO_BINARY) + " train --dataset text-lines --data " +
                          (dir / "data").string() +
                          " --d-model 16 --heads 2 --layers 1 --threads 1 --min-frequency 1 "
                          "--batch-size 2 --epochs 400 --nproc-per-node 2 --dist-timeout 20 "
                          "--master-port " +
                          std::to_string(port(3)) + " --out " + (dir / "run").string();
  const auto script = dir / "kill.sh";
  std::ofstream(script) << "(" << run << " > " << log << " 2>&1; echo \"exit $?\" >> " << log
                        << ") &\n"
                        // Once an epoch has been saved, kill rank 1.
                        << "for i in $(seq 600); do grep -q '\"epoch\":2' "
                        << (dir / "run" / "metrics.jsonl").string()
                        << " 2>/dev/null && break; sleep 0.1; done\n"
                        << "pid=$(sed -n 's/.*rank 1 pid \\([0-9]*\\).*/\\1/p' " << log
                        << ")\nkill -9 $pid; echo killed $pid\n"
                        << "for i in $(seq 300); do grep -q '^exit' " << log
                        << " && break; sleep 0.1; done\ncat " << log << "\n";
  const auto start = std::chrono::steady_clock::now();
  const auto result = attnzoo::testing::shell("bash " + script.string());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(contains(result.output, "killed ")) << result.output;
  EXPECT_TRUE(contains(result.output, "rank 1 (pid ")) << result.output;
  EXPECT_TRUE(contains(result.output, "was killed by signal 9")) << result.output;
  EXPECT_TRUE(contains(result.output, "the other workers were stopped")) << result.output;
  EXPECT_TRUE(contains(result.output, "exit 1")) << result.output;
  EXPECT_LT(seconds, 60) << result.output;  // no hang: far less than 400 epochs
  // The last good checkpoint is there, and the run resumes from it with the same world size.
  ASSERT_TRUE(fs::exists(dir / "run" / "last.pt")) << result.output;
  const auto resumed = attnzoo("train --resume --out " + (dir / "run").string() +
                               " --epochs 3 --master-port " + std::to_string(port(4)));
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(contains(resumed.output, "launching 2 workers")) << resumed.output;
  EXPECT_TRUE(contains(resumed.output, "resuming")) << resumed.output;
  // Another world size reads the data in other shares: refused, naming the checkpoint.
  const auto other =
      attnzoo("train --resume --out " + (dir / "run").string() + " --epochs 4 --nproc-per-node 1");
  EXPECT_NE(other.status, 0) << other.output;
  EXPECT_TRUE(contains(other.output, "last.pt: written by a run of 2 processes, resumed with 1"))
      << other.output;
  fs::remove_all(dir);
}

TEST(DataParallel, WorkersStartedWithTorchrunsVariables) {
  const auto dir = attnzoo::testing::fresh_dir("dist", "env");
  write_sentences(dir / "data");
  const std::string args = std::string(ATTNZOO_BINARY) + " train --dataset text-lines --data " +
                           (dir / "data").string() +
                           " --d-model 16 --heads 2 --layers 1 --threads 1 --min-frequency 1 "
                           "--batch-size 3 --epochs 2 --out " +
                           (dir / "run").string();
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port(5)) +
                          " WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 ";
  // Both ranks, as torchrun would start them.
  const auto both = attnzoo::testing::shell("bash -c '" + env + "RANK=1 LOCAL_RANK=1 " + args +
                                            " --dist-timeout 20 > " + (dir / "rank1.log").string() +
                                            " 2>&1 & " + env + "RANK=0 LOCAL_RANK=0 " + args +
                                            " --dist-timeout 20; status=$?; wait; exit $status'");
  EXPECT_EQ(both.status, 0) << both.output;
  EXPECT_TRUE(contains(both.output, "in each of 2 processes")) << both.output;
  EXPECT_TRUE(fs::exists(dir / "run" / "final.json"));
  // Rank 1 wrote nothing of its own and printed no report.
  EXPECT_FALSE(contains(attnzoo::testing::read_text(dir / "rank1.log"), "final:"));

  // A peer that never connects: rank 0 alone ends within --dist-timeout, naming its rank.
  const auto start = std::chrono::steady_clock::now();
  const auto alone =
      attnzoo::testing::shell(env + "RANK=0 LOCAL_RANK=0 " + args + " --dist-timeout 3");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(alone.status, 0) << alone.output;
  EXPECT_TRUE(contains(alone.output, "attnzoo train: error: rank 0 of 2: could not join"))
      << alone.output;
  EXPECT_LT(seconds, 30) << alone.output;

  // Malformed variables are one-line errors naming the variable.
  const auto bad = attnzoo::testing::shell("WORLD_SIZE=2 RANK=5 " + args);
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output,
                       "environment variable RANK is '5' (expected a whole number "
                       "from 0 to 1)"))
      << bad.output;
  fs::remove_all(dir);
}

TEST(DataParallel, LaunchOptionsAreChecked) {
  const auto dir = attnzoo::testing::fresh_dir("dist", "options");
  write_sentences(dir / "data");
  const std::string text = "train --dataset text-lines --data " + (dir / "data").string() +
                           " --out " + (dir / "run").string() + " ";
  const auto zero = attnzoo(text + "--nproc-per-node 0");
  EXPECT_EQ(zero.status, 2) << zero.output;
  EXPECT_TRUE(contains(zero.output, "--nproc-per-node is '0' (expected a whole number from 1"))
      << zero.output;
  const auto machines = attnzoo(text + "--nnodes 2");
  EXPECT_EQ(machines.status, 2) << machines.output;
  EXPECT_TRUE(contains(machines.output, "--nnodes 2 needs --master-addr")) << machines.output;
  const auto node = attnzoo(text + "--nnodes 2 --node-rank 2 --master-addr 10.0.0.1");
  EXPECT_EQ(node.status, 2) << node.output;
  EXPECT_TRUE(contains(node.output, "--node-rank is '2' (expected a whole number from 0 to 1)"))
      << node.output;
  const auto graph = attnzoo("train --dataset generated-graph --nproc-per-node 2 --out " +
                             (dir / "graph").string());
  EXPECT_EQ(graph.status, 2) << graph.output;
  EXPECT_TRUE(contains(graph.output, "graph runs train the whole graph as one batch"))
      << graph.output;
  // From a config file, as on the command line.
  std::ofstream(dir / "dp.ini") << "nproc-per-node = 0\n";
  const auto config = attnzoo(text + "--config " + (dir / "dp.ini").string());
  EXPECT_EQ(config.status, 2) << config.output;
  EXPECT_TRUE(contains(config.output, "--nproc-per-node is '0'")) << config.output;
  EXPECT_FALSE(fs::exists(dir / "run"));
  fs::remove_all(dir);
}

TEST(DataParallel, GradientsAveragedInBucketsWithinOneProcess) {
  // A group of one: the average of one rank's gradients weighed by its count is those gradients,
  // whatever the bucket size, and a parameter without a gradient gets zeros.
  struct One : attnzoo::Collectives {
    int rank() const override { return 0; }
    int world_size() const override { return 1; }
    void broadcast(std::vector<torch::Tensor>&) override {}
    void all_reduce_sum(std::vector<torch::Tensor>& tensors) override { calls += tensors.size(); }
    size_t calls = 0;
  } group;
  auto a = torch::randn({5, 3}, torch::requires_grad());
  auto b = torch::randn({7}, torch::requires_grad());
  auto unused = torch::randn({2}, torch::requires_grad());
  (a.sum() * 2 + (b * b).sum()).backward();
  const auto grad_a = a.grad().clone(), grad_b = b.grad().clone();
  const double total = attnzoo::average_gradients(group, {a, b, unused}, 3.0, /*bytes=*/40);
  EXPECT_EQ(total, 3.0);
  EXPECT_GE(group.calls, 2u);  // 60 + 28 + 8 bytes in buckets of 40: more than one
  EXPECT_LT(attnzoo::testing::max_abs_diff(a.grad(), grad_a), 1e-6);
  EXPECT_LT(attnzoo::testing::max_abs_diff(b.grad(), grad_b), 1e-6);
  ASSERT_TRUE(unused.grad().defined());
  EXPECT_EQ(unused.grad().abs().sum().item<double>(), 0.0);
}

}  // namespace
