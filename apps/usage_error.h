#pragma once
// The error for bad usage, in a header of its own so that code without LibTorch (the option range
// check, the fuzzing targets) can throw and catch it.

#include <stdexcept>

namespace attnzoo::cli {

/// Thrown for bad usage; main prints "attnzoo NAME: message" and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace attnzoo::cli
