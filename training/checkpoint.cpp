#include "training/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <torch/serialize.h>

namespace attnzoo {

namespace fs = std::filesystem;

void save_module(const torch::nn::Module& module, const std::string& path) {
  const std::string tmp = path + ".tmp";
  torch::serialize::OutputArchive archive;
  module.save(archive);
  archive.save_to(tmp);
  fs::rename(tmp, path);
}

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

}  // namespace

void load_module(torch::nn::Module& module, const std::string& path) {
  if (!fs::exists(path)) throw std::runtime_error(path + ": checkpoint not found");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw std::runtime_error(path + ": not a readable checkpoint (" +
                             what.substr(0, what.find('\n')) + ")");
  }
  try {
    load_checked(module, archive, "");
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

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp + ": cannot open for writing");
    out << text;
    if (!out.flush()) throw std::runtime_error(tmp + ": write failed");
  }
  fs::rename(tmp, path);
}

}  // namespace attnzoo
