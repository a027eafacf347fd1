#include "training/distributed.h"

#include <cstdlib>
#include <limits>

#include <fmt/core.h>
#include <torch/torch.h>

#include "core/compat.h"

#if ATTNZOO_HAVE_C10D
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if ATTNZOO_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace attnzoo {

namespace {

// An environment variable as a whole number in [low, high]; `fallback` when unset.
int env_int(const char* name, int fallback, int low, int high) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0')
    return fallback;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < low || value > high) {
    throw std::invalid_argument(
        fmt::format("environment variable {} is '{}' (expected a whole number from {} to {})", name,
                    text, low, high));
  }
  return static_cast<int>(value);
}

std::string first_line(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  return line.empty() ? "no reason given" : line;
}

}  // namespace

WorkerPlace worker_place_from_environment() {
  WorkerPlace place;
  constexpr int kMax = 1 << 20;
  place.world_size = env_int("WORLD_SIZE", 1, 1, kMax);
  if (place.world_size == 1)
    return place;
  place.rank = env_int("RANK", -1, 0, place.world_size - 1);
  if (place.rank < 0)
    throw std::invalid_argument("environment variable WORLD_SIZE is set but RANK is not");
  place.local_world_size = env_int("LOCAL_WORLD_SIZE", 1, 1, place.world_size);
  place.local_rank = env_int("LOCAL_RANK", 0, 0, kMax);
  if (place.local_rank >= place.local_world_size && std::getenv("LOCAL_WORLD_SIZE")) {
    throw std::invalid_argument(
        fmt::format("environment variable LOCAL_RANK is {} (expected below LOCAL_WORLD_SIZE, {})",
                    place.local_rank, place.local_world_size));
  }
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0')
    place.master_addr = addr;
  place.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
  return place;
}

#if ATTNZOO_HAVE_C10D

namespace {

class ProcessGroupCollectives : public Collectives {
 public:
  ProcessGroupCollectives(c10::intrusive_ptr<c10d::Store> store,
                          c10::intrusive_ptr<compat::DistributedBackend> group, int rank,
                          int world_size, std::chrono::milliseconds timeout)
      : store_(std::move(store)),
        group_(std::move(group)),
        rank_(rank),
        world_size_(world_size),
        timeout_(timeout) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }

  void broadcast(std::vector<torch::Tensor>& tensors) override {
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one{tensor};
      run("broadcast", [&] { return group_->broadcast(one); });
    }
  }

  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override {
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one{tensor};
      run("all-reduce", [&] { return group_->allreduce(one); });
    }
  }

 private:
  template <typename Start>
  void run(const char* what, const Start& start) {
    try {
      auto work = start();
      work->wait(timeout_);
    } catch (const std::exception& e) {
      throw DistributedError(fmt::format(
          "rank {}: {} across {} processes failed: {} (another rank died, was stopped or did "
          "not answer within --dist-timeout; see its own error)",
          rank_, what, world_size_, first_line(e.what())));
    }
  }

  c10::intrusive_ptr<c10d::Store> store_;  // kept alive for the group's lifetime
  c10::intrusive_ptr<compat::DistributedBackend> group_;
  int rank_;
  int world_size_;
  std::chrono::milliseconds timeout_;
};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

bool distributed_available() {
  return true;
}

std::shared_ptr<Collectives> join_process_group(const WorkerPlace& place,
                                                const torch::Device& device,
                                                std::chrono::milliseconds timeout) {
  const auto where = fmt::format("rank {} of {}", place.rank, place.world_size);
  c10::intrusive_ptr<c10d::Store> store;
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(place.master_port);
    options.isServer = place.rank == 0;
    options.numWorkers = static_cast<size_t>(place.world_size);
    options.waitWorkers = false;  // the process group's own rendezvous waits, with the timeout
    options.timeout = timeout;
    store = c10::make_intrusive<c10d::TCPStore>(place.master_addr, options);
  } catch (const std::exception& e) {
    throw DistributedError(fmt::format(
        "{}: cannot reach the rendezvous at {}:{} ({}; expected rank 0 to serve it there: check "
        "--master-addr, --master-port and that the port is free)",
        where, place.master_addr, place.master_port, first_line(e.what())));
  }
  c10::intrusive_ptr<compat::DistributedBackend> group;
  try {
    if (device.is_cuda()) {
#if ATTNZOO_HAVE_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      group =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(store, place.rank, place.world_size, options);
#else
      throw std::runtime_error(
          "this build has no NCCL (configure with -DATTNZOO_NCCL=ON against a CUDA LibTorch), "
          "so CUDA runs cannot be data-parallel; use --device cpu for Gloo");
#endif
    } else {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      // GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch; a loopback rendezvous
      // keeps every connection on this machine.
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      } else if (is_loopback(place.master_addr)) {
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      group =
          c10::make_intrusive<c10d::ProcessGroupGloo>(store, place.rank, place.world_size, options);
    }
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistributedError(fmt::format(
        "{}: could not join the process group within --dist-timeout ({} s): {} (expected all {} "
        "ranks to start and connect to {}:{})",
        where, timeout.count() / 1000.0, first_line(e.what()), place.world_size, place.master_addr,
        place.master_port));
  }
  return std::make_shared<ProcessGroupCollectives>(store, group, place.rank, place.world_size,
                                                   timeout);
}

#else  // no c10d headers at build time

bool distributed_available() {
  return false;
}

std::shared_ptr<Collectives> join_process_group(const WorkerPlace& place, const torch::Device&,
                                                std::chrono::milliseconds) {
  throw DistributedError(fmt::format(
      "rank {}: this build has no c10d process groups (the gloo headers were not found when it "
      "was built: install libgloo-dev and rebuild)",
      place.rank));
}

#endif

void broadcast_module(Collectives& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (const auto& p : module.parameters())
    tensors.push_back(p);
  for (const auto& b : module.buffers())
    tensors.push_back(b);
  group.broadcast(tensors);
}

double average_gradients(Collectives& group, const std::vector<torch::Tensor>& parameters,
                         double local_count, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters) {
    if (!p.requires_grad())
      continue;
    if (!p.grad().defined())
      p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  // Each rank's mean times its count is its sum; the sums add up over the ranks, and the total
  // count travels first in the first bucket so that no extra round trip is needed.
  std::vector<std::vector<size_t>> buckets;
  std::vector<torch::Tensor> flats;
  size_t i = 0;
  while (i < grads.size() || flats.empty()) {
    std::vector<size_t> members;
    std::vector<torch::Tensor> parts;
    int64_t bytes = 0;
    const auto dtype = i < grads.size() ? grads[i].scalar_type() : torch::kFloat64;
    if (flats.empty()) {
      const auto device = i < grads.size() ? grads[i].device() : torch::Device(torch::kCPU);
      parts.push_back(torch::full({1}, local_count, torch::TensorOptions(dtype).device(device)));
    }
    while (i < grads.size() && grads[i].scalar_type() == dtype &&
           (members.empty() || bytes + grads[i].nbytes() <= static_cast<size_t>(bucket_bytes))) {
      bytes += static_cast<int64_t>(grads[i].nbytes());
      parts.push_back(grads[i].reshape({-1}) * local_count);
      members.push_back(i++);
    }
    flats.push_back(torch::cat(parts));
    buckets.push_back(std::move(members));
  }
  group.all_reduce_sum(flats);
  const double total = flats.front()[0].item<double>();
  if (!(total > 0))  // no rank had an item: the gradients stay zero
    return 0.0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    int64_t at = b == 0 ? 1 : 0;  // after the count
    for (auto index : buckets[b]) {
      auto& grad = grads[index];
      const auto n = grad.numel();
      grad.copy_(flats[b].narrow(0, at, n).view_as(grad) / total);
      at += n;
    }
  }
  return total;
}

}  // namespace attnzoo
