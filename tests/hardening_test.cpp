// Hostile but realistic input to the attnzoo executable: out-of-range options, damaged files and
// failing runs end with a one-line error and a non-zero exit, and never damage an earlier run.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;

using attnzoo::testing::contains;
using attnzoo::testing::read_text;
using attnzoo::testing::Run;

Run attnzoo(const std::string& args) {
  return attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " " + args);
}

fs::path fresh_dir(const std::string& name) {
  return attnzoo::testing::fresh_dir("hardening", name);
}

// Lines of output that are errors ("attnzoo CMD: error: ...").
int error_lines(const std::string& output) {
  int count = 0;
  for (size_t at = output.find("error:"); at != std::string::npos;
       at = output.find("error:", at + 1))
    ++count;
  return count;
}

using attnzoo::testing::kTinyTextModel;
using attnzoo::testing::write_text_lines_dataset;
const std::string kTinyTextTrain = std::string(kTinyTextModel) + "--lr 0.01 ";

// Files in `dir` whose names say they are temporary.
std::vector<std::string> temporary_files(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (contains(entry.path().filename().string(), ".tmp"))
      found.push_back(entry.path().string());
  return found;
}

TEST(Hardening, OptionsOutOfRangeAreOneLineErrorsNamingTheOption) {
  struct Case {
    std::string args, option, expected;
  };
  const std::vector<Case> cases = {
      {"train --log-every 0", "--log-every", ">= 1"},
      {"train --epochs 0", "--epochs", ">= 1"},
      {"train --batch-size 0", "--batch-size", ">= 1"},
      {"train --heads 0", "--heads", ">= 1"},
      {"train --lr 0", "--lr", "> 0"},
      {"train --lr nan", "--lr", "finite"},
      {"train --lr inf", "--lr", "finite"},
      {"train --dropout 1", "--dropout", "< 1"},
      {"train --dropout -0.5", "--dropout", ">= 0"},
      {"train --clip-norm -1", "--clip-norm", ">= 0"},
      {"train --threads 5000", "--threads", "<= 4096"},
      {"train --threads -2", "--threads", ""},
      {"train --max-steps -1", "--max-steps", ">= 0"},
      {"train --patience -3", "--patience", ""},
      {"train --window -2", "--window", ">= -1"},
      {"bench --warmup -1", "--warmup", ""},
  };
  for (const auto& c : cases) {
    auto run = attnzoo(c.args);
    EXPECT_EQ(run.status, 2) << c.args << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, "error:")) << c.args << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, c.option)) << c.args << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, c.expected)) << c.args << "\n" << run.output;
    EXPECT_EQ(error_lines(run.output), 1) << c.args << "\n" << run.output;
    EXPECT_FALSE(contains(run.output, "loading")) << c.args << "\n" << run.output;
  }
  // Values at the edge of the range are accepted: --window -1 is stride without a local band,
  // --threads 0 the machine's cores, --value-dropout -1 "as --dropout".
  auto edge = attnzoo("train --window -1 --threads 0 --max-steps 0 --show-config");
  EXPECT_EQ(edge.status, 0) << edge.output;
  edge = attnzoo("train --dataset generated-graph --value-dropout -1 --show-config");
  EXPECT_EQ(edge.status, 0) << edge.output;
  auto graph = attnzoo("train --dataset generated-graph --value-dropout -0.5");
  EXPECT_EQ(graph.status, 2) << graph.output;
  EXPECT_TRUE(contains(graph.output, "--value-dropout is -0.5 (expected >= 0 and < 1, or -1)"))
      << graph.output;
  EXPECT_EQ(edge.status, 0) << edge.output;
}

TEST(Hardening, ConfigThatIsADirectoryIsAnError) {
  auto dir = fresh_dir("configdir");
  auto run = attnzoo("train --config " + dir.string());
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, dir.string())) << run.output;
  EXPECT_TRUE(contains(run.output, "directory")) << run.output;
  EXPECT_FALSE(contains(run.output, "loading")) << run.output;
  fs::remove_all(dir);
}

TEST(Hardening, EmptyTestSplitIsAnErrorNotAZeroAccuracy) {
  auto dir = fresh_dir("emptysplit");
  write_text_lines_dataset(dir / "data");
  auto run = attnzoo(kTinyTextTrain + "--epochs 1 --test-fraction 0 --data " +
                     (dir / "data").string() + " --out " + (dir / "run").string());
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "test")) << run.output;
  EXPECT_TRUE(contains(run.output, "no examples")) << run.output;
  EXPECT_FALSE(contains(run.output, "test accuracy")) << run.output;
  fs::remove_all(dir);
}

// A fresh run into a directory that holds a good run, failing before its first epoch (a NaN
// loss), leaves the good run as it was: same files, still resumable.
TEST(Hardening, FailedFreshRunLeavesTheEarlierRunIntact) {
  auto dir = fresh_dir("transactional");
  write_text_lines_dataset(dir / "data");
  const auto run_dir = dir / "run";
  const std::string data = " --data " + (dir / "data").string() + " --out " + run_dir.string();
  auto good = attnzoo(kTinyTextTrain + "--epochs 2 --stop-after-epochs 1" + data);
  ASSERT_EQ(good.status, 0) << good.output;
  const auto config = read_text(run_dir / "config.ini");
  const auto checkpoint = read_text(run_dir / "last.pt");
  ASSERT_FALSE(checkpoint.empty());

  auto bad = attnzoo(std::string(kTinyTextModel) + "--epochs 2 --lr 1e30 --clip-norm 0" + data);
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_TRUE(contains(bad.output, "loss")) << bad.output;
  EXPECT_EQ(read_text(run_dir / "config.ini"), config);
  EXPECT_EQ(read_text(run_dir / "last.pt"), checkpoint);
  EXPECT_FALSE(fs::exists(dir / "run.staging"));
  auto resumed = attnzoo("train --resume --out " + run_dir.string());
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(fs::exists(run_dir / "final.json"));

  // A fresh run that succeeds replaces it whole.
  auto again = attnzoo(std::string(kTinyTextModel) + "--epochs 1 --lr 0.02" + data);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(contains(read_text(run_dir / "config.ini"), "lr = 0.02\n"));
  EXPECT_FALSE(fs::exists(dir / "run.staging"));
  EXPECT_TRUE(temporary_files(dir).empty());
  fs::remove_all(dir);
}

TEST(Hardening, DamagedCheckpointOrModelIsAnErrorNamingTheFile) {
  auto dir = fresh_dir("damaged");
  write_text_lines_dataset(dir / "data");
  const auto run_dir = dir / "run";
  auto train = attnzoo(kTinyTextTrain + "--epochs 2 --stop-after-epochs 1 --data " +
                       (dir / "data").string() + " --out " + run_dir.string());
  ASSERT_EQ(train.status, 0) << train.output;
  auto exported =
      attnzoo("export --run " + run_dir.string() + " --out " + (dir / "model.pt").string());
  ASSERT_EQ(exported.status, 0) << exported.output;

  // One flipped byte anywhere in the checkpoint (a header, a record, the padding between
  // records, the end record) is an error naming it; the intact file still resumes.
  const auto last = run_dir / "last.pt";
  const auto intact = read_text(last);
  ASSERT_GT(intact.size(), 200u);
  for (const size_t at :
       {size_t{10}, intact.size() / 3, intact.size() / 2, intact.size() - 30, intact.size() - 3}) {
    auto bytes = intact;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    std::ofstream(last, std::ios::binary) << bytes;
    auto resumed = attnzoo("train --resume --out " + run_dir.string());
    EXPECT_EQ(resumed.status, 1) << "byte " << at << "\n" << resumed.output;
    EXPECT_TRUE(contains(resumed.output, last.string())) << resumed.output;
    EXPECT_EQ(error_lines(resumed.output), 1) << resumed.output;
  }
  std::ofstream(last, std::ios::binary) << intact;
  auto resumed = attnzoo("train --resume --out " + run_dir.string());
  EXPECT_EQ(resumed.status, 0) << resumed.output;

  // A truncated exported model.
  const auto model = dir / "model.pt";
  auto model_bytes = read_text(model);
  std::ofstream(model, std::ios::binary) << model_bytes.substr(0, model_bytes.size() / 2);
  auto predicted = attnzoo("predict --threads 1 --model " + model.string() + " 'good fine'");
  EXPECT_NE(predicted.status, 0) << predicted.output;
  EXPECT_TRUE(contains(predicted.output, model.string())) << predicted.output;
  EXPECT_FALSE(contains(predicted.output, "PytorchStreamReader")) << predicted.output;
  EXPECT_EQ(error_lines(predicted.output), 1) << predicted.output;
  fs::remove_all(dir);
}

// A write that fails names the file and the reason, exits non-zero and leaves no temporary file:
// here the target's folder is a plain file (a read-only folder would not stop root).
TEST(Hardening, FailedWriteNamesTheFileAndLeavesNoTemporary) {
  auto dir = fresh_dir("failedwrite");
  write_text_lines_dataset(dir / "data");
  auto train = attnzoo(kTinyTextTrain + "--epochs 1 --data " + (dir / "data").string() + " --out " +
                       (dir / "run").string());
  ASSERT_EQ(train.status, 0) << train.output;
  std::ofstream(dir / "plain") << "not a folder\n";
  const auto target = dir / "plain" / "model.pt";
  auto exported = attnzoo("export --run " + (dir / "run").string() + " --out " + target.string());
  EXPECT_NE(exported.status, 0) << exported.output;
  EXPECT_TRUE(contains(exported.output, target.string())) << exported.output;
  EXPECT_TRUE(contains(exported.output, "Not a directory")) << exported.output;
  EXPECT_EQ(error_lines(exported.output), 1) << exported.output;
  EXPECT_TRUE(temporary_files(dir).empty());

  // A write cut off part way, as by a full disk: the file-size limit makes write() fail with
  // EFBIG once 8 KiB are written (SIGXFSZ ignored, as the shell passes it on).
  const auto cut = dir / "cut.pt";
  auto full =
      attnzoo::testing::shell("trap '' XFSZ; ulimit -f 8; " + std::string(ATTNZOO_BINARY) +
                              " export --run " + (dir / "run").string() + " --out " + cut.string());
  EXPECT_EQ(full.status, 1) << full.output;
  EXPECT_TRUE(contains(full.output, cut.string())) << full.output;
  EXPECT_TRUE(contains(full.output, "File too large")) << full.output;
  EXPECT_EQ(error_lines(full.output), 1) << full.output;
  EXPECT_FALSE(fs::exists(cut));
  EXPECT_TRUE(temporary_files(dir).empty());
  fs::remove_all(dir);
}

// A LINQS-format graph of `nodes` papers with `features` word columns and two classes.
void write_linqs(const fs::path& dir, int nodes, int features) {
  fs::create_directories(dir);
  std::ofstream content(dir / "tiny.content"), cites(dir / "tiny.cites");
  for (int i = 0; i < nodes; ++i) {
    content << "p" << i;
    for (int f = 0; f < features; ++f)
      content << "\t" << ((f % 2) == (i % 2) ? 1 : 0);
    content << "\t" << (i % 2 ? "odd" : "even") << "\n";
    cites << "p" << i << "\tp" << (i + 2) % nodes << "\n";
  }
}

// An exported graph model given a graph with other feature columns: one line naming the graph,
// not the TorchScript interpreter's traceback.
TEST(Hardening, PredictOnOtherFeatureColumnsIsAnErrorNamingTheGraph) {
  auto dir = fresh_dir("features");
  write_linqs(dir / "graph", 40, 6);
  write_linqs(dir / "other", 40, 5);
  const auto run = (dir / "run").string(), model = (dir / "model.pt").string();
  auto train = attnzoo("train --dataset linqs --data " + (dir / "graph").string() +
                       " --per-class 5 --val-nodes 10 --test-nodes 10 --epochs 2 --threads 1 "
                       "--out " +
                       run);
  ASSERT_EQ(train.status, 0) << train.output;
  auto exported = attnzoo("export --run " + run + " --out " + model);
  ASSERT_EQ(exported.status, 0) << exported.output;
  for (const std::string& from : {"--model " + model, "--run " + run}) {
    auto predicted = attnzoo("predict --threads 1 " + from + " --data " + (dir / "other").string());
    EXPECT_EQ(predicted.status, 1) << predicted.output;
    EXPECT_TRUE(contains(predicted.output, "the nodes have 5 features, the model was trained on 6"))
        << predicted.output;
    EXPECT_TRUE(contains(predicted.output, (dir / "other").string())) << predicted.output;
    EXPECT_EQ(error_lines(predicted.output), 1) << predicted.output;
    EXPECT_FALSE(contains(predicted.output, "Traceback")) << predicted.output;
    EXPECT_FALSE(contains(predicted.output, "attnzoo_predict_")) << predicted.output;
  }
  fs::remove_all(dir);
}

}  // namespace
