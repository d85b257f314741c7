#include "nn/gzip.h"

#include <zlib.h>

#include <climits>
#include <fstream>
#include <sstream>

#include "accel/config_error.h"

namespace flipsim::nn {

std::string gunzip(std::string_view compressed, const std::string& name, size_t max_output) {
  if (compressed.size() < 2 || uint8_t(compressed[0]) != 0x1f || uint8_t(compressed[1]) != 0x8b)
    throw ConfigError(name + ": not a gzip file (missing the 1f 8b magic bytes)");
  if (compressed.size() > UINT_MAX) throw ConfigError(name + ": compressed file too large");
  z_stream zs{};
  // 16 + MAX_WBITS: accept exactly the gzip wrapper (not raw zlib), so the CRC-32 trailer is checked.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw ConfigError(name + ": cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = uInt(compressed.size());
  std::string out;
  char chunk[1 << 16];
  int status = Z_OK;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    status = inflate(&zs, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    const size_t produced = sizeof(chunk) - zs.avail_out;
    if (out.size() + produced > max_output) {
      inflateEnd(&zs);
      throw ConfigError(name + ": decompressed data exceeds " + std::to_string(max_output) + " bytes");
    }
    out.append(chunk, produced);
  } while (status != Z_STREAM_END);
  const std::string detail = zs.msg ? std::string(" (") + zs.msg + ")" : std::string();
  inflateEnd(&zs);
  // Z_BUF_ERROR means inflate wanted more input than the file has: the file was cut short.
  if (status == Z_BUF_ERROR) throw ConfigError(name + ": truncated gzip stream (file ends before its end marker)");
  if (status != Z_STREAM_END) throw ConfigError(name + ": corrupt gzip data" + detail);
  return out;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw ConfigError(path + ": read error");
  return buffer.str();
}

}  // namespace flipsim::nn
