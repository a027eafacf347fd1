#pragma once
// The TorchScript sources of exported modules: models/torchscript/source/NAME.py, embedded in
// the library at build time, so that the sources can be read, diffed and checked as files while
// the executable needs no source tree.

#include <set>
#include <string>
#include <vector>

namespace attnzoo {

/// The text of models/torchscript/source/NAME.py; throws for an unknown name.
const std::string& torchscript_file(const std::string& name);

/// The names of every embedded file.
std::vector<std::string> torchscript_file_names();

/// The names that torchscript_file() has served in this process (for the test that each file
/// is compiled by some export).
std::set<std::string> torchscript_files_served();

}  // namespace attnzoo
