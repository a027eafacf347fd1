#include "training/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <torch/serialize.h>

#include "training/archive_check.h"

namespace attnzoo {

namespace fs = std::filesystem;

namespace {

// Module::load replaces tensors whatever their shape; this checks every name and shape first, so
// a checkpoint of another model is an error instead of a silently different model.
void load_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                  const std::string& prefix) {
  auto load_tensors = [&](const auto& named, bool is_buffer) {
    for (const auto& item : named) {
      torch::Tensor saved;
      const std::string name = prefix + item.key();
      if (!archive.try_read(item.key(), saved, is_buffer)) {
        throw std::runtime_error("it has no '" + name + "'");
      }
      if (saved.sizes() != item.value().sizes()) {
        throw std::runtime_error("'" + name + "' has shape " + c10::str(saved.sizes()) +
                                 ", the model expects " + c10::str(item.value().sizes()));
      }
      torch::NoGradGuard no_grad;
      item.value().copy_(saved);
    }
  };
  load_tensors(module.named_parameters(/*recurse=*/false), false);
  load_tensors(module.named_buffers(/*recurse=*/false), true);
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive child_archive;
    if (!archive.try_read(child.key(), child_archive)) {
      throw std::runtime_error("it has no module '" + prefix + child.key() + "'");
    }
    load_checked(*child.value(), child_archive, prefix + child.key() + ".");
  }
}

std::string first_line(const c10::Error& e) {
  std::string what = e.what_without_backtrace();
  return what.substr(0, what.find('\n'));
}

torch::Tensor scalar(int64_t v) {
  return torch::tensor(v, torch::kInt64);
}
torch::Tensor scalar(double v) {
  return torch::tensor(v, torch::kFloat64);
}

}  // namespace

void save_checkpoint(const std::string& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer* optimizer, const TrainingState* state) {
  torch::serialize::OutputArchive archive, model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  if (state) {
    archive.write("epoch", scalar(state->epoch));
    archive.write("step", scalar(state->step));
    archive.write("best_epoch", scalar(state->best_epoch));
    archive.write("best_val_accuracy", scalar(state->best_val_accuracy));
    archive.write("best_val_loss", scalar(state->best_val_loss));
    archive.write("epochs_without_gain", scalar(state->epochs_without_gain));
    archive.write("top_val_accuracy", scalar(state->top_val_accuracy));
    archive.write("low_val_loss", scalar(state->low_val_loss));
    archive.write("train_seconds", scalar(state->train_seconds));
    archive.write("world_size", scalar(state->world_size));
    if (state->rng_state.defined())
      archive.write("rng_state", state->rng_state);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(path, sealed_archive(bytes.str()));
}

void load_checkpoint(const std::string& path, torch::nn::Module& model,
                     torch::optim::Optimizer* optimizer, TrainingState* state) {
  if (!fs::exists(path))
    throw std::runtime_error(path + ": checkpoint not found");
  check_archive(path);  // one flipped byte would otherwise load as different weights
  torch::serialize::InputArchive archive, model_archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + ": not a readable checkpoint (" + first_line(e) + ")");
  }
  try {
    if (!archive.try_read("model", model_archive))
      throw std::runtime_error("it holds no model");
    load_checked(model, model_archive, "");
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      if (!archive.try_read("optimizer", optimizer_archive)) {
        throw std::runtime_error("it holds no optimizer state");
      }
      optimizer->load(optimizer_archive);
    }
    if (state) {
      auto read = [&](const char* key) {
        torch::Tensor t;
        if (!archive.try_read(key, t))
          throw std::runtime_error(std::string("it has no ") + key);
        return t;
      };
      state->epoch = read("epoch").item<int64_t>();
      state->step = read("step").item<int64_t>();
      state->best_epoch = read("best_epoch").item<int64_t>();
      state->best_val_accuracy = read("best_val_accuracy").item<double>();
      state->best_val_loss = read("best_val_loss").item<double>();
      state->epochs_without_gain = read("epochs_without_gain").item<int64_t>();
      state->train_seconds = read("train_seconds").item<double>();
      torch::Tensor top, low, world;  // absent from checkpoints of older runs
      state->world_size = archive.try_read("world_size", world) ? world.item<int64_t>() : 1;
      state->top_val_accuracy =
          archive.try_read("top_val_accuracy", top) ? top.item<double>() : state->best_val_accuracy;
      state->low_val_loss =
          archive.try_read("low_val_loss", low) ? low.item<double>() : state->best_val_loss;
      torch::Tensor rng;
      if (archive.try_read("rng_state", rng))
        state->rng_state = rng;
    }
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + ": not a checkpoint of this model: " + first_line(e));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": not a checkpoint of this model: " + e.what());
  }
}

std::string module_state(const torch::nn::Module& module) {
  torch::serialize::OutputArchive archive;
  module.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

void restore_module_state(torch::nn::Module& module, const std::string& state) {
  std::istringstream in(state);
  torch::serialize::InputArchive archive;
  archive.load_from(in);
  load_checked(module, archive, "");
}

}  // namespace attnzoo
