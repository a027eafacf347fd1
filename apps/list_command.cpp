// `attnzoo list`: every registered attention variant with its one-line description.

#include <fmt/core.h>

#include "apps/command.h"
#include "models/registry.h"

namespace attnzoo::cli {

int run_list(const std::vector<std::string>& args) {
  po::options_description options("Options");
  po::variables_map vm;
  if (!parse("list", "", options, args, vm))
    return 0;
  for (const auto& entry : attention_registry()) {
    fmt::print("{:<12} {}\n", entry.name, entry.description);
  }
  return 0;
}

}  // namespace attnzoo::cli
