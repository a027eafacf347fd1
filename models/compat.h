#pragma once
// The one place where differences between LibTorch versions are handled. attnzoo builds against
// Debian's LibTorch 1.13 and official LibTorch 2.x releases; code elsewhere calls these helpers
// instead of testing versions itself.

#include <torch/version.h>

#define ATTNZOO_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||          \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace attnzoo::compat {

/// "MAJOR.MINOR.PATCH" of the LibTorch attnzoo was compiled against.
inline const char* torch_version() { return TORCH_VERSION; }

}  // namespace attnzoo::compat
