// gzip decompression: whole buffers at once, or a file inflated front to back only as far as a caller reads.
#pragma once

#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace flipsim::nn {

/// Inflates one gzip stream from its beginning, as far as read() asks: a caller that needs the first megabyte of a
/// large file inflates (and, from a file, reads) only about that much. Every failure is a ConfigError naming the
/// source: not gzip, corrupt deflate data, a bad CRC-32 or length trailer (checked when the end is reached), or
/// compressed data that ends before the stream does.
class GzipReader {
 public:
  /// Reads the compressed bytes from `path` as they are needed; a missing or unreadable file is a ConfigError.
  static GzipReader open_file(const std::string& path);
  /// Inflates `compressed`, which must outlive the reader; `name` is used in messages.
  GzipReader(std::string_view compressed, std::string name);
  GzipReader(GzipReader&&) noexcept;
  GzipReader& operator=(GzipReader&&) = delete;
  ~GzipReader();

  /// Decompresses up to `n` bytes into `dst`. Returns fewer only at the end of the stream, whose CRC-32 and length
  /// have then been checked; 0 once the end has been reached.
  size_t read(char* dst, size_t n);
  const std::string& name() const { return name_; }

 private:
  struct Inflater;  // zlib's state, which must not move while in use
  GzipReader(std::string name, std::unique_ptr<std::ifstream> file);
  bool refill();        // more compressed input; false at the end of the file or buffer
  void begin_stream();  // checks the gzip magic bytes and starts zlib

  std::string name_;
  std::unique_ptr<std::ifstream> file_;  ///< null when inflating a buffer
  std::string_view pending_;             ///< compressed bytes not yet handed to zlib
  std::vector<char> chunk_;              ///< file reads land here
  std::unique_ptr<Inflater> inflater_;
  bool ended_ = false;
};

/// Inflates a whole gzip stream. Output larger than `max_output` bytes is rejected, so a corrupt or hostile header
/// cannot make us allocate without bound. Throws ConfigError naming `name` when the stream is not gzip, is corrupt
/// (bad deflate data or CRC) or is truncated.
std::string gunzip(std::string_view compressed, const std::string& name, size_t max_output = size_t(1) << 30);

/// Reads a whole file into memory; a missing or unreadable file is a ConfigError naming it.
std::string read_file_bytes(const std::string& path);

}  // namespace flipsim::nn
