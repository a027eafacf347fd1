#pragma once
// LibTorch's archive reader does not check the CRC-32 that the zip format stores for every
// record, so one flipped byte in a checkpoint or an exported model loads as different weights.
// This reads the archive's central directory and checks every record against its CRC.

#include <string>

namespace attnzoo {

/// Throws std::runtime_error "PATH: WHAT" when `path` is not a whole zip archive of stored
/// (uncompressed) records with matching CRC-32s: missing, truncated, or damaged.
void check_archive(const std::string& path);

}  // namespace attnzoo
