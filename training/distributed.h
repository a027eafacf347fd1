#pragma once
// Data-parallel training over PyTorch's own c10d: a process group (Gloo on CPU, NCCL on CUDA)
// joined through a TCPStore rendezvous, with torchrun's environment variables saying where this
// process sits. The trainer sees only the small Collectives interface.

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

namespace attnzoo {

/// Where this process sits in a data-parallel run: torchrun's RANK, WORLD_SIZE, LOCAL_RANK,
/// LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT.
struct WorkerPlace {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

/// The place the environment gives this process; a single process when WORLD_SIZE is unset.
/// Throws std::invalid_argument naming a variable that is malformed or inconsistent.
WorkerPlace worker_place_from_environment();

/// A collective operation that failed: a peer died, closed its connection or stopped answering
/// within the timeout. The message names this process's rank and the operation.
struct DistributedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The collective operations data-parallel training needs, in place on every rank's tensors.
class Collectives {
 public:
  virtual ~Collectives() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  /// Every rank's tensors take rank 0's values.
  virtual void broadcast(std::vector<torch::Tensor>& tensors) = 0;
  /// Every rank's tensors become the sum over the ranks.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
};

/// Whether this build can join a process group (the c10d headers were found at build time).
bool distributed_available();

/// Joins the run's process group: rank 0 serves the rendezvous store at MASTER_ADDR:MASTER_PORT,
/// every rank connects to it, and the backend is Gloo for a CPU device and NCCL for a CUDA one.
/// A rank that has not joined within `timeout` (and later, a collective that takes longer) ends
/// with a DistributedError.
std::shared_ptr<Collectives> join_process_group(const WorkerPlace& place,
                                                const torch::Device& device,
                                                std::chrono::milliseconds timeout);

/// Rank 0's parameters and buffers, copied into every rank's module.
void broadcast_module(Collectives& group, torch::nn::Module& module);

/// Averages the gradients over the ranks, weighted by what each rank's loss averaged over: each
/// rank's gradients are of a mean over `local_count` items (examples or labelled tokens), and
/// the result is every rank's gradient of the mean over all the ranks' items, as one process
/// would compute it on the whole global batch. Returns the items of all ranks. Gradients travel
/// in buckets of at most `bucket_bytes`; a parameter without a gradient counts as zeros.
double average_gradients(Collectives& group, const std::vector<torch::Tensor>& parameters,
                         double local_count, int64_t bucket_bytes = int64_t{25} << 20);

}  // namespace attnzoo
