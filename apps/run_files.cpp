#include "apps/run_files.h"

#include <boost/any.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

#include "datasets/text/text_file.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace {

// One token per line; backslash and newline escaped so any token survives the round trip.
std::string escape_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

std::string unescape_line(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char next = s[++i];
      out += next == 'n' ? '\n' : next == 'r' ? '\r' : next;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string lines_file(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items)
    text += escape_line(item) + "\n";
  return text;
}

std::string read_run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path.string() + ": missing from the run directory");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> read_lines_file(const std::filesystem::path& path) {
  return lines_from_text(read_run_file(path));
}

std::vector<std::string> lines_from_text(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    items.push_back(unescape_line(line));
  return items;
}

void write_run_files(const std::string& dir, const po::variables_map& vm,
                     const nlohmann::json& facts, const std::vector<std::string>& label_names) {
  const std::filesystem::path root(dir);
  std::filesystem::create_directories(root);
  write_file_atomically((root / "config.ini").string(), resolved_config(vm));
  write_file_atomically((root / "model.json").string(), facts.dump(2) + "\n");
  write_file_atomically((root / "labels.txt").string(), lines_file(label_names));
}

std::string config_file_value(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    if (trim_ascii(std::string_view(line).substr(0, eq)) == key)
      return std::string(trim_ascii(std::string_view(line).substr(eq + 1)));
  }
  return "";
}

std::string resolved_config(const po::variables_map& vm) {
  std::ostringstream out;
  for (const auto& [key, value] : vm) {
    // Per-invocation switches are not part of the run's configuration.
    if (key == "config" || key == "help" || key == "show-config" || key == "resume" ||
        key == "stop-after-epochs")
      continue;
    const auto& v = value.value();
    if (auto s = boost::any_cast<std::string>(&v))
      out << key << " = " << *s << "\n";
    else if (auto i = boost::any_cast<int64_t>(&v))
      out << key << " = " << *i << "\n";
    else if (auto n = boost::any_cast<int>(&v))
      out << key << " = " << *n << "\n";
    else if (auto u = boost::any_cast<uint64_t>(&v))
      out << key << " = " << *u << "\n";
    else if (auto b = boost::any_cast<bool>(&v))
      out << key << " = " << (*b ? "true" : "false") << "\n";
    else if (auto d = boost::any_cast<double>(&v))
      out << key << " = " << fmt::format("{}", *d) << "\n";
  }
  return out.str();
}

void read_run_config(const std::string& dir, const po::options_description& options,
                     po::variables_map& vm) {
  const std::filesystem::path root(dir);
  if (!std::filesystem::is_directory(root))
    throw UsageError("--run " + dir + ": not a run directory");
  const auto config_path = (root / "config.ini").string();
  std::ifstream config(config_path);
  if (!config)
    throw std::runtime_error(config_path + ": missing from the run directory");
  try {
    po::store(po::parse_config_file(config, options, /*allow_unregistered=*/false), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    throw std::runtime_error(config_path + ": " + e.what());
  }
}

nlohmann::json read_run_facts(const std::string& dir) {
  const auto path = (std::filesystem::path(dir) / "model.json").string();
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": missing from the run directory");
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace attnzoo::cli
