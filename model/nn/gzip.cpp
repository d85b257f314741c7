#include "model/nn/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <sstream>

#include "model/common/config_error.h"

namespace flipsim::nn {
namespace {

// zlib counts in uInt; larger buffers are handed over in pieces of this size.
constexpr size_t kMaxZlibSpan = size_t(1) << 30;
// Compressed bytes read from a file at a time: small enough that a caller wanting a few hundred kilobytes of
// output does not read the whole file, large enough that reading it all costs few calls.
constexpr size_t kFileChunk = size_t(1) << 16;

}  // namespace

struct GzipReader::Inflater {
  z_stream zs{};
  bool initialised = false;
  ~Inflater() {
    if (initialised) inflateEnd(&zs);
  }
};

GzipReader GzipReader::open_file(const std::string& path) {
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) throw ConfigError(path + ": cannot open file");
  return GzipReader(path, std::move(file));
}

GzipReader::GzipReader(std::string_view compressed, std::string name)
    : name_(std::move(name)), pending_(compressed), inflater_(std::make_unique<Inflater>()) {
  begin_stream();
}

GzipReader::GzipReader(std::string name, std::unique_ptr<std::ifstream> file)
    : name_(std::move(name)), file_(std::move(file)), inflater_(std::make_unique<Inflater>()) {
  refill();
  begin_stream();
}

GzipReader::GzipReader(GzipReader&&) noexcept = default;
GzipReader::~GzipReader() = default;

void GzipReader::begin_stream() {
  if (pending_.size() < 2 || uint8_t(pending_[0]) != 0x1f || uint8_t(pending_[1]) != 0x8b)
    throw ConfigError(name_ + ": not a gzip file (missing the 1f 8b magic bytes)");
  // 16 + MAX_WBITS: accept exactly the gzip wrapper (not raw zlib), so the CRC-32 trailer is checked.
  if (inflateInit2(&inflater_->zs, 16 + MAX_WBITS) != Z_OK) throw ConfigError(name_ + ": cannot initialise zlib");
  inflater_->initialised = true;
}

bool GzipReader::refill() {
  if (!pending_.empty()) return true;
  if (!file_) return false;
  chunk_.resize(kFileChunk);
  file_->read(chunk_.data(), std::streamsize(chunk_.size()));
  if (file_->bad()) throw ConfigError(name_ + ": read error");
  pending_ = std::string_view(chunk_.data(), size_t(file_->gcount()));
  return !pending_.empty();
}

size_t GzipReader::read(char* dst, size_t n) {
  z_stream& zs = inflater_->zs;
  size_t produced = 0;
  while (produced < n && !ended_) {
    if (zs.avail_in == 0 && refill()) {
      const size_t span = std::min(pending_.size(), kMaxZlibSpan);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pending_.data()));
      zs.avail_in = uInt(span);
      pending_.remove_prefix(span);
    }
    const size_t space = std::min(n - produced, kMaxZlibSpan);
    zs.next_out = reinterpret_cast<Bytef*>(dst + produced);
    zs.avail_out = uInt(space);
    const int status = inflate(&zs, Z_NO_FLUSH);
    produced += space - zs.avail_out;
    if (status == Z_STREAM_END) {
      ended_ = true;
    } else if (status == Z_BUF_ERROR) {
      // No progress although there is room for output: inflate needs input the file does not have.
      if (zs.avail_in == 0 && !refill())
        throw ConfigError(name_ + ": truncated gzip stream (file ends before its end marker)");
    } else if (status != Z_OK) {
      throw ConfigError(name_ + ": corrupt gzip data" + (zs.msg ? std::string(" (") + zs.msg + ")" : std::string()));
    }
  }
  return produced;
}

std::string gunzip(std::string_view compressed, const std::string& name, size_t max_output) {
  GzipReader reader(compressed, name);
  std::string out;
  char chunk[1 << 16];
  while (const size_t produced = reader.read(chunk, sizeof(chunk))) {
    if (out.size() + produced > max_output)
      throw ConfigError(name + ": decompressed data exceeds " + std::to_string(max_output) + " bytes");
    out.append(chunk, produced);
  }
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
