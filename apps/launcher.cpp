#include "apps/launcher.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "apps/run_files.h"
#include "apps/usage_error.h"
#include "training/distributed.h"

extern char** environ;

namespace attnzoo::cli {

namespace {

// The workers of this launcher, for the signal handler that passes a SIGTERM or SIGINT on.
constexpr int kMaxWorkers = 1024;
volatile pid_t worker_pids[kMaxWorkers];
volatile sig_atomic_t worker_count = 0;

void forward_signal(int signal) {
  for (int i = 0; i < worker_count; ++i) {
    if (worker_pids[i] > 0)
      kill(worker_pids[i], signal);
  }
}

int whole_number(const std::vector<std::string>& args, const char* name, int fallback, int low,
                 int high) {
  const auto text = given_option(args, name);
  if (text.empty())
    return fallback;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || errno != 0 || value < low || value > high) {
    throw UsageError(
        fmt::format("--{} is '{}' (expected a whole number from {} to {})", name, text, low, high));
  }
  return static_cast<int>(value);
}

// The one kind that cannot be data-parallel, whichever way its workers were started.
constexpr const char* kOneProcessOnly =
    "graph runs train the whole graph as one batch in one process (expected no --nproc-per-node "
    "or --nnodes above 1, and WORLD_SIZE 1 or unset)";

// This process's place in the run; a malformed variable is a usage error.
WorkerPlace place_from_environment() {
  try {
    return worker_place_from_environment();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

std::string describe_exit(int rank, pid_t pid, int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("rank {} (pid {}) was killed by signal {} ({})", rank, pid, WTERMSIG(status),
                       strsignal(WTERMSIG(status)));
  }
  return fmt::format("rank {} (pid {}) exited with status {}", rank, pid, WEXITSTATUS(status));
}

}  // namespace

LaunchOptions& launch_settings() {
  static LaunchOptions settings;
  return settings;
}

po::options_description launch_options(LaunchOptions& launch) {
  po::options_description options("Data-parallel (torchrun's conventions)");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  options.add_options()
      ("nproc-per-node", po::value<int>(&launch.nproc_per_node)->default_value(1),
       "worker processes on this machine (--batch-size is per worker)")
      ("nnodes", po::value<int>(&launch.nnodes)->default_value(1), "machines in the run")
      ("node-rank", po::value<int>(&launch.node_rank)->default_value(0),
       "this machine's place, 0 to nnodes - 1 (node 0 serves the rendezvous)")
      ("master-addr", po::value<std::string>(&launch.master_addr)->default_value("127.0.0.1"),
       "host of node 0, which every machine can reach")
      ("master-port", po::value<int>(&launch.master_port)->default_value(29500),
       "port of the rendezvous on node 0")
      ("dist-timeout", po::value<double>(&launch.timeout_seconds)->default_value(300),
       "seconds to wait for every worker to join, and for any collective operation");
  // clang-format on
  return options;
}

std::string given_option(const std::vector<std::string>& args, const std::string& name) {
  std::string value, config, out = "runs/latest";
  bool resume = false, found = false;
  for (size_t i = 0; i < args.size(); ++i) {
    for (auto [flag, into, is_wanted] :
         {std::tuple<std::string, std::string*, bool>{"--" + name, &value, true},
          {"--config", &config, false},
          {"--out", &out, false}}) {
      if (args[i] == flag && i + 1 < args.size()) {
        *into = args[i + 1];
        found = found || is_wanted;
      } else if (args[i].rfind(flag + "=", 0) == 0) {
        *into = args[i].substr(flag.size() + 1);
        found = found || is_wanted;
      }
    }
    resume = resume || args[i] == "--resume";
  }
  if (!found && !config.empty())
    value = config_file_value(config, name);
  if (value.empty() && !found && resume)
    value = config_file_value((std::filesystem::path(out) / "config.ini").string(), name);
  return value;
}

std::optional<int> launch_workers(const std::vector<std::string>& args, bool full_batch_kind) {
  if (std::getenv("WORLD_SIZE") != nullptr)
    return std::nullopt;  // a worker already (of this launcher, torchrun or a job scheduler)
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h" || arg == "--show-config")
      return std::nullopt;  // printed once, by this process
  }
  LaunchOptions launch;
  launch.nproc_per_node = whole_number(args, "nproc-per-node", 1, 1, kMaxWorkers);
  launch.nnodes = whole_number(args, "nnodes", 1, 1, 1 << 16);
  launch.node_rank = whole_number(args, "node-rank", 0, 0, launch.nnodes - 1);
  launch.master_port = whole_number(args, "master-port", 29500, 1, 65535);
  if (const auto addr = given_option(args, "master-addr"); !addr.empty())
    launch.master_addr = addr;
  const int world = launch.nproc_per_node * launch.nnodes;
  if (world == 1)
    return std::nullopt;
  if (full_batch_kind)
    throw UsageError(kOneProcessOnly);
  if (launch.nnodes > 1 && given_option(args, "master-addr").empty()) {
    throw UsageError(fmt::format(
        "--nnodes {} needs --master-addr, the host of node 0 that every machine can reach",
        launch.nnodes));
  }

  std::vector<std::string> base_env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (name != "RANK" && name != "WORLD_SIZE" && name != "LOCAL_RANK" &&
        name != "LOCAL_WORLD_SIZE" && name != "GROUP_RANK" && name != "MASTER_ADDR" &&
        name != "MASTER_PORT")
      base_env.push_back(entry);
  }
  std::vector<std::string> argv_text = {"attnzoo", "train"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  const int first = launch.node_rank * launch.nproc_per_node;
  fmt::print(stderr, "launching {} workers: ranks {}-{} of {}, rendezvous at {}:{}\n",
             launch.nproc_per_node, first, first + launch.nproc_per_node - 1, world,
             launch.master_addr, launch.master_port);
  std::signal(SIGTERM, forward_signal);
  std::signal(SIGINT, SIG_IGN);  // a terminal's Ctrl-C reaches the workers themselves
  std::string started;
  for (int local = 0; local < launch.nproc_per_node; ++local) {
    const int rank = first + local;
    std::vector<std::string> env_text = base_env;
    for (const auto& [name, value] :
         {std::pair<const char*, std::string>{"RANK", std::to_string(rank)},
          {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(local)},
          {"LOCAL_WORLD_SIZE", std::to_string(launch.nproc_per_node)},
          {"GROUP_RANK", std::to_string(launch.node_rank)},
          {"MASTER_ADDR", launch.master_addr},
          {"MASTER_PORT", std::to_string(launch.master_port)}})
      env_text.push_back(std::string(name) + "=" + value);
    std::vector<char*> envp;
    for (auto& e : env_text)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
      forward_signal(SIGTERM);
      throw std::runtime_error(
          fmt::format("cannot start worker {}: {}", rank, std::strerror(errno)));
    }
    if (pid == 0) {
      std::signal(SIGTERM, SIG_DFL);
      std::signal(SIGINT, SIG_DFL);
      if (local != 0) {  // one worker per machine prints the run's lines; every one its errors
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
          dup2(null, STDOUT_FILENO);
      }
      execve("/proc/self/exe", argv.data(), envp.data());
      std::fprintf(stderr, "attnzoo train: error: cannot start worker %d: %s\n", rank,
                   std::strerror(errno));
      _exit(127);
    }
    worker_pids[local] = pid;
    worker_count = local + 1;
    started += fmt::format("{}rank {} pid {}", started.empty() ? "" : ", ", rank, pid);
  }
  fmt::print(stderr, "workers: {}\n", started);

  // Waits for every worker; the first to fail ends the others (SIGTERM, then SIGKILL). A worker
  // killed by a signal takes its peers down within milliseconds (their connections close), so
  // the failures of a short grace period are all reported, signalled ones first: the user
  // learns which rank died, not which noticed.
  struct Failure {
    bool signalled;
    int rank;
    std::string text;
  };
  std::vector<Failure> failures;
  int alive = launch.nproc_per_node;
  bool stopping = false;
  std::chrono::steady_clock::time_point stop_at{}, kill_at{};
  while (alive > 0) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno != EINTR)
      break;
    if (pid <= 0) {
      const auto now = std::chrono::steady_clock::now();
      if (!failures.empty() && !stopping && now >= stop_at) {
        stopping = true;
        forward_signal(SIGTERM);
        kill_at = now + std::chrono::seconds(10);
      }
      if (stopping && now >= kill_at)
        forward_signal(SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    int local = 0;
    while (local < launch.nproc_per_node && worker_pids[local] != pid)
      ++local;
    if (local == launch.nproc_per_node)
      continue;
    worker_pids[local] = 0;
    --alive;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok && !stopping) {
      if (failures.empty())
        stop_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      failures.push_back(
          {WIFSIGNALED(status), first + local, describe_exit(first + local, pid, status)});
    }
  }
  std::string failure;
  std::stable_sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) {
    return a.signalled != b.signalled ? a.signalled : a.rank < b.rank;
  });
  for (const auto& f : failures)
    failure += (failure.empty() ? "" : "; ") + f.text;
  worker_count = 0;
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  if (!failure.empty())
    throw std::runtime_error(failure + "; the other workers were stopped");
  return 0;
}

void join_data_parallel(TrainerOptions& trainer) {
  const auto place = place_from_environment();
  if (place.world_size == 1)
    return;
  if (trainer.device.is_cuda())
    trainer.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(place.local_rank));
  const auto timeout =
      std::chrono::milliseconds(static_cast<int64_t>(launch_settings().timeout_seconds * 1000.0));
  trainer.collectives = join_process_group(place, trainer.device, timeout);
}

bool writes_run_directory() {
  return place_from_environment().rank == 0;
}

void require_one_process() {
  if (place_from_environment().world_size > 1)
    throw UsageError(kOneProcessOnly);
}

}  // namespace attnzoo::cli
