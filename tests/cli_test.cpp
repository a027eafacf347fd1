// The attnzoo executable as a user runs it: sub-commands, help, config files, errors.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr together
};

Run attnzoo(const std::string& args) {
  Run run;
  const std::string command = std::string(ATTNZOO_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("attnzoo_cli_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A training run small enough for a test.
const char* kTinyTrain =
    "train --train-size 48 --val-size 16 --test-size 16 --d-model 16 --heads 2 --layers 1 "
    "--batch-size 16 --min-length 5 --max-length 20 --threads 1";

TEST(Cli, VersionHelpAndList) {
  auto version = attnzoo("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(contains(version.output, "attnzoo 0.")) << version.output;
  auto help = attnzoo("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(contains(help.output, "train")) << help.output;
  auto train_help = attnzoo("train --help");
  EXPECT_EQ(train_help.status, 0);
  EXPECT_TRUE(contains(train_help.output, "--epochs")) << train_help.output;
  auto list = attnzoo("list");
  EXPECT_EQ(list.status, 0);
  EXPECT_TRUE(contains(list.output, "vanilla")) << list.output;
  EXPECT_TRUE(contains(list.output, "multihead")) << list.output;
}

TEST(Cli, UnknownCommandOptionOrValueIsAnErrorNamingIt) {
  auto command = attnzoo("frobnicate");
  EXPECT_EQ(command.status, 2);
  EXPECT_TRUE(contains(command.output, "frobnicate")) << command.output;
  auto option = attnzoo("train --no-such-flag 3");
  EXPECT_EQ(option.status, 2);
  EXPECT_TRUE(contains(option.output, "no-such-flag")) << option.output;
  auto model = attnzoo(std::string(kTinyTrain) + " --model nonesuch --out /tmp/attnzoo_cli_x");
  EXPECT_NE(model.status, 0);
  EXPECT_TRUE(contains(model.output, "nonesuch")) << model.output;
  auto value = attnzoo("train --epochs lots");
  EXPECT_EQ(value.status, 2);
  EXPECT_TRUE(contains(value.output, "epochs")) << value.output;
  auto score = attnzoo("train --score cosine");
  EXPECT_EQ(score.status, 2);
  EXPECT_TRUE(contains(score.output, "cosine")) << score.output;
}

TEST(Cli, ConfigFileUnknownKeyIsAnErrorNamingIt) {
  auto dir = fresh_dir("badconfig");
  std::ofstream(dir / "bad.ini") << "epochs = 1\nlearning-rate = 0.1\n";
  auto run = attnzoo("train --config " + (dir / "bad.ini").string());
  EXPECT_EQ(run.status, 2);
  EXPECT_TRUE(contains(run.output, "learning-rate")) << run.output;
  EXPECT_TRUE(contains(run.output, "bad.ini")) << run.output;
  auto missing = attnzoo("train --config " + (dir / "missing.ini").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.output, "missing.ini")) << missing.output;
  fs::remove_all(dir);
}

TEST(Cli, TrainReadsConfigFileAndCommandLineWins) {
  auto dir = fresh_dir("train");
  std::ofstream(dir / "run.ini") << "# a comment\nepochs = 3\nlr = 0.002\nmodel = vanilla\n";
  auto run = attnzoo(std::string(kTinyTrain) + " --config " + (dir / "run.ini").string() +
                     " --epochs 1 --out " + (dir / "out").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "final: test accuracy")) << run.output;
  const auto config = read_file(dir / "out" / "config.ini");
  EXPECT_TRUE(contains(config, "epochs = 1\n")) << config;       // command line wins
  EXPECT_TRUE(contains(config, "lr = 0.002\n")) << config;       // from the file
  EXPECT_TRUE(contains(config, "model = vanilla\n")) << config;  // from the file
  EXPECT_TRUE(fs::exists(dir / "out" / "final.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "best.pt"));
  // The resolved configuration reproduces the run when read back.
  auto again = attnzoo("train --config " + (dir / "out" / "config.ini").string() + " --out " +
                       (dir / "again").string());
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(read_file(dir / "again" / "final.json").substr(0, 40),
            read_file(dir / "out" / "final.json").substr(0, 40));
  fs::remove_all(dir);
}

}  // namespace
