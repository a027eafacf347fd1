#include "models/torchscript/torchscript_file.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "torchscript_files.h"

namespace attnzoo {

namespace {

const std::map<std::string, std::string>& files() {
  static const std::map<std::string, std::string> table = [] {
    std::map<std::string, std::string> t;
    for (const auto& [name, text] : kTorchScriptFiles)
      t.emplace(name, text);
    return t;
  }();
  return table;
}

std::mutex served_mutex;
std::set<std::string> served;

}  // namespace

const std::string& torchscript_file(const std::string& name) {
  const auto found = files().find(name);
  if (found == files().end())
    throw std::logic_error("no TorchScript file models/torchscript/source/" + name + ".py");
  std::lock_guard<std::mutex> lock(served_mutex);
  served.insert(name);
  return found->second;
}

std::vector<std::string> torchscript_file_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : files())
    names.push_back(name);
  return names;
}

std::set<std::string> torchscript_files_served() {
  std::lock_guard<std::mutex> lock(served_mutex);
  return served;
}

}  // namespace attnzoo
