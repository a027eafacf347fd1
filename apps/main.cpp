// attnzoo: a zoo of self-attention variants. `attnzoo --help` lists the sub-commands.

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <fmt/core.h>

#include "apps/command.h"
#include "core/compat.h"
#include "core/runtime.h"

namespace {

void print_help() {
  fmt::print(
      "attnzoo {}: self-attention variants in C++ (LibTorch {})\n\n"
      "usage: attnzoo COMMAND [options]    (attnzoo COMMAND --help for its options)\n\n"
      "commands:\n",
      ATTNZOO_VERSION, attnzoo::compat::torch_version());
  for (const auto& command : attnzoo::cli::commands()) {
    fmt::print("  {:<10} {}\n", command.name, command.summary);
  }
}

// The one-line error of a failed command. What it printed to stdout comes first, so that in a
// log holding both (`attnzoo compare`'s) the error is the last line.
void print_error(const std::string& command, const std::string& message) {
  std::fflush(stdout);
  fmt::print(stderr, "attnzoo {}: error: {}\n", command, message);
}

}  // namespace

int main(int argc, char** argv) {
  attnzoo::keep_freed_memory();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    fmt::print("attnzoo {} (LibTorch {})\n", ATTNZOO_VERSION, attnzoo::compat::torch_version());
    return 0;
  }
  for (const auto& command : attnzoo::cli::commands()) {
    if (args[0] != command.name)
      continue;
    try {
      return command.run({args.begin() + 1, args.end()});
    } catch (const attnzoo::cli::UsageError& e) {
      print_error(command.name, e.what());
      return 2;
    } catch (const boost::program_options::error& e) {
      print_error(command.name, e.what());
      return 2;
    } catch (const std::bad_alloc&) {
      print_error(command.name,
                  "out of memory (a size in the input larger than this machine's memory, or a "
                  "model or batch too large for it)");
      return 1;
    } catch (const c10::Error& e) {
      // LibTorch's messages carry a C++ backtrace after the first line; the first is the reason.
      std::string what = e.what_without_backtrace();
      print_error(command.name, what.substr(0, what.find('\n')));
      return 1;
    } catch (const std::exception& e) {
      print_error(command.name, e.what());
      return 1;
    }
  }
  fmt::print(stderr, "attnzoo: unknown command '{}' (see attnzoo --help)\n", args[0]);
  return 2;
}
