#pragma once
// Data-parallel `attnzoo train`, started as torchrun starts it: `--nproc-per-node N` runs N
// worker processes on this machine, `--nnodes M --node-rank R --master-addr HOST --master-port
// P` joins M machines, and each worker finds its place in torchrun's environment variables
// (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), so torchrun, Slurm
// or a Kubernetes job can start the workers instead.

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "training/trainer.h"

namespace attnzoo::cli {

namespace po = boost::program_options;

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double timeout_seconds = 300;
};

/// This process's launch options: filled by parsing (the options below are part of every train
/// command's table, so that config files hold them too).
LaunchOptions& launch_settings();
po::options_description launch_options(LaunchOptions& launch);

/// The value of `--NAME` as a train command will see it, before its options are parsed: from the
/// command line, else its --config file, else (with --resume) the run's config.ini; "" if none.
std::string given_option(const std::vector<std::string>& args, const std::string& name);

/// When `args` ask for more than one process in all and this process is not already a worker (no
/// WORLD_SIZE in its environment): starts this machine's workers, this program with the same
/// arguments and torchrun's variables, waits for them and returns the exit status. A worker that
/// fails ends the others, and the status names its rank. std::nullopt: train in this process.
std::optional<int> launch_workers(const std::vector<std::string>& args, bool full_batch_kind);

/// For a worker of a data-parallel run: joins the process group (within --dist-timeout) and
/// gives the trainer its collectives, and a CUDA device its LOCAL_RANK. Nothing for a single
/// process.
void join_data_parallel(TrainerOptions& trainer);

/// Whether this process writes the run directory: rank 0 of a data-parallel run, or the only one.
bool writes_run_directory();

/// For a kind that trains in one process (a graph is one batch): a UsageError when this process
/// was started as one of several workers (by torchrun, say), with launch_workers' message.
void require_one_process();

}  // namespace attnzoo::cli
