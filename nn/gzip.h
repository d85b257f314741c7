// gzip decompression of whole files held in memory (the dataset files are small enough to inflate at once).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flipsim::nn {

/// Inflates a gzip stream. `name` is used in messages. Output larger than `max_output` bytes is rejected, so a
/// corrupt or hostile header cannot make us allocate without bound. Throws ConfigError naming `name` when the
/// stream is not gzip, is corrupt (bad deflate data or CRC) or is truncated.
std::string gunzip(std::string_view compressed, const std::string& name, size_t max_output = size_t(1) << 30);

/// Reads a whole file into memory; a missing or unreadable file is a ConfigError naming it.
std::string read_file_bytes(const std::string& path);

}  // namespace flipsim::nn
