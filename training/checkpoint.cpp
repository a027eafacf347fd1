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

void load_module(torch::nn::Module& module, const std::string& path) {
  if (!fs::exists(path)) throw std::runtime_error(path + ": checkpoint not found");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    module.load(archive);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw std::runtime_error(path + ": not a checkpoint of this model (" +
                             what.substr(0, what.find('\n')) + ")");
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
  module.load(archive);
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
