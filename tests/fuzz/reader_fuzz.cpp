// libFuzzer target for one reader, chosen at build time by ATTNZOO_FUZZ_READER (scripts/fuzz.sh
// builds one binary per reader). The readers take paths, so each input is written to a file of
// this process's own first. A reader may throw std::exception for bad input, which is its
// contract; anything else (a crash, a sanitizer report, a hang, an uncaught exception) is a
// finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/option_ranges.h"
#include "datasets/graph/node_table.h"
#include "datasets/graph/split_file.h"
#include "datasets/image/cifar_reader.h"
#include "datasets/image/idx_reader.h"
#include "datasets/listops.h"
#include "datasets/speech/wav_reader.h"
#include "datasets/text/conllu_reader.h"
#include "datasets/text/text_file.h"
#include "datasets/text/text_lines_reader.h"
#include "datasets/text/tsv_reader.h"

namespace {

const std::string& input_path() {
  static const std::string path =
      (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : std::string("/tmp")) +
      "/attnzoo_fuzz_" + std::to_string(::getpid());
  return path;
}

// The CLI's config files go through Boost's parser with typed options, as `--config` does, and
// then through the CLI's own range check. The table has every value type the CLI uses, under
// names the range check treats in each of its ways (minimum 1, open interval, sentinel, cap).
void read_ini(const std::string& path) {
  namespace po = boost::program_options;
  po::options_description options;
  options.add_options()("epochs", po::value<int64_t>())("log-every", po::value<int64_t>())(
      "window", po::value<int64_t>())("threads", po::value<int>())("lr", po::value<double>())(
      "dropout", po::value<double>())("value-dropout", po::value<double>())(
      "warmup", po::value<double>())("model", po::value<std::string>())(
      "seed", po::value<uint64_t>())("flip", po::value<bool>())(
      "lengths", po::value<std::vector<int64_t>>()->multitoken())("trainer.clip-norm",
                                                                  po::value<double>());
  std::ifstream in(path);
  po::variables_map vm;
  po::store(po::parse_config_file(in, options, /*allow_unregistered=*/false), vm);
  po::notify(vm);
  attnzoo::cli::check_option_ranges("train", vm);
}

using Reader = std::function<void(const std::string&)>;

// The calls a target makes on each input: every form a reader is called in by the datasets.
std::vector<Reader> readers_of(const std::string& name) {
  using namespace attnzoo;
  if (name == "idx")
    return {[](const std::string& p) { read_idx(p); }};
  if (name == "cifar")
    return {[](const std::string& p) { read_cifar(p, CifarFormat::kCifar10); },
            [](const std::string& p) { read_cifar(p, CifarFormat::kCifar100, true); }};
  if (name == "wav")
    return {[](const std::string& p) { read_wav(p); }};
  if (name == "text_lines")
    return {[](const std::string& p) { read_text_lines(p, "prefix", " ", ":"); },
            [](const std::string& p) { read_text_lines(p, "extension", " "); }};
  if (name == "tsv")
    return {[](const std::string& p) { read_tsv(p, "label", "text", true); },
            [](const std::string& p) { read_tsv(p, "0", "1", false); }};
  if (name == "conllu")
    return {[](const std::string& p) { read_conllu(p, "upos"); }};
  if (name == "listops")
    return {[](const std::string& p) { read_listops_tsv(p); }};
  if (name == "linqs")
    return {[](const std::string& p) { read_node_table(p); },
            [](const std::string& p) { read_edge_list(p); },
            [](const std::string& p) { read_linqs_tab_nodes(p); },
            [](const std::string& p) { read_linqs_tab_edges(p); }};
  if (name == "split")
    return {[](const std::string& p) { read_split_file(p, {"a", "b", "c", "31336", "1", "2"}); }};
  if (name == "ini")
    return {read_ini};
  return {};
}

const std::vector<Reader>& readers() {
  static const auto chosen = readers_of(ATTNZOO_FUZZ_READER);
  return chosen;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (readers().empty()) {
    std::fprintf(stderr, "unknown ATTNZOO_FUZZ_READER '%s'\n", ATTNZOO_FUZZ_READER);
    std::abort();
  }
  attnzoo::set_max_line_bytes(4096);  // long lines are found faster with a small bound
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = input_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  // Each call on its own: one reader's error must not hide another's crash. An exception derived
  // from std::exception is a reader's answer to bad input; anything else is a finding.
  for (const auto& read : readers()) {
    try {
      read(path);
    } catch (const std::exception&) {
    }
  }
  return 0;
}
