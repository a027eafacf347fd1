#pragma once
// LibTorch's archive reader does not check the CRC-32 that the zip format stores for every
// record, so one flipped byte in a checkpoint or an exported model loads as different weights.
// This reads the archive's central directory and checks every record against its CRC.

#include <string>

namespace attnzoo {

/// Throws std::runtime_error "PATH: WHAT" when `path` is not a whole zip archive whose records
/// (stored or deflated) match their CRC-32s: missing, truncated, or damaged. An archive sealed by
/// sealed_archive must also match its seal, which covers every byte (headers and padding too).
void check_archive(const std::string& path);

/// `archive` (a whole zip file in memory, as LibTorch writes it) with a CRC-32 of all its bytes
/// in the zip comment, which zip readers (LibTorch's and Python's included) pass over.
std::string sealed_archive(std::string archive);

}  // namespace attnzoo
