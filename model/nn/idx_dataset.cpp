#include "model/nn/idx_dataset.h"

#include <algorithm>
#include <filesystem>

#include "model/common/config_error.h"
#include "model/nn/gzip.h"

namespace flipsim::nn {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned byte data, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned byte data, 1 dimension
// Far above any MNIST-style set; bounds what a corrupt header can make us believe.
constexpr uint32_t kMaxSide = 4096;
constexpr uint32_t kMaxCount = 10'000'000;
// Decompressed data beyond this is refused, so a corrupt file cannot make us inflate or allocate without bound.
constexpr uint64_t kMaxDataBytes = uint64_t(1) << 30;
// Storage reserved ahead of the data, at most: a header alone does not get gigabytes allocated.
constexpr size_t kMaxReserve = size_t(64) << 20;

uint32_t read_be32(std::string_view bytes, size_t offset) {
  const auto b = [&](size_t i) { return uint32_t(uint8_t(bytes[offset + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::string hex(uint32_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xf];
  return s;
}

// Decompressed IDX bytes already in memory, read through the same interface as GzipReader so that one parser
// serves files and buffers.
class MemoryReader {
 public:
  MemoryReader(std::string_view bytes, const std::string& name) : rest_(bytes), name_(name) {}
  size_t read(char* dst, size_t n) {
    n = std::min(n, rest_.size());
    std::copy_n(rest_.data(), n, dst);
    rest_.remove_prefix(n);
    return n;
  }
  const std::string& name() const { return name_; }

 private:
  std::string_view rest_;
  const std::string& name_;
};

// Reads `count` bytes onto the end of `out`, growing it only as data arrives (a header cannot make us allocate
// for data that is not there). Returns the bytes actually read: fewer means the data ended.
template <class Reader>
size_t read_onto(Reader& in, size_t count, std::vector<uint8_t>& out) {
  constexpr size_t kBlock = size_t(1) << 20;
  out.reserve(out.size() + std::min(count, kMaxReserve));
  size_t done = 0;
  while (done < count) {
    const size_t step = std::min(count - done, kBlock), old = out.size();
    out.resize(old + step);
    const size_t got = in.read(reinterpret_cast<char*>(out.data() + old), step);
    done += got;
    if (got < step) {
      out.resize(old + got);
      break;
    }
  }
  return done;
}

// Bytes left after what the header describes, counting no further than the decompression limit.
template <class Reader>
uint64_t bytes_left(Reader& in) {
  char sink[1 << 16];
  uint64_t left = 0;
  for (size_t got; left <= kMaxDataBytes && (got = in.read(sink, sizeof(sink))) > 0;) left += got;
  return left;
}

// Throws `message` about the IDX contents, unless the rest of the stream is corrupt gzip data: that explains a
// nonsensical header or label better, so its error wins, as when the whole file was inflated before parsing.
template <class Reader>
[[noreturn]] void fail(Reader& in, const std::string& message) {
  bytes_left(in);
  throw ConfigError(message);
}

// Reads the `size`-byte header of an IDX `kind` file into `header` and checks its magic number.
template <class Reader>
std::string_view read_header(Reader& in, char* header, size_t size, const std::string& kind, uint32_t magic,
                             const std::string& holds) {
  const size_t got = in.read(header, size);
  if (got < size)
    fail(in, in.name() + ": truncated IDX " + kind + " file (" + std::to_string(got) + " bytes, the header alone is " +
                 std::to_string(size) + ")");
  const std::string_view h(header, size);
  const uint32_t found = read_be32(h, 0);
  if (found != magic)
    fail(in, in.name() + ": bad IDX magic number " + hex(found) + " (expected " + hex(magic) + " for " + holds + ")");
  return h;
}

template <class Reader>
ImageSet read_idx_images(Reader& in, size_t max_images, uint32_t& file_count) {
  const std::string& name = in.name();
  char header[16];
  const std::string_view h = read_header(in, header, sizeof(header), "image", kImagesMagic, "3-D unsigned-byte images");
  const uint32_t count = read_be32(h, 4);
  const uint32_t rows = read_be32(h, 8);
  const uint32_t cols = read_be32(h, 12);
  if (count == 0 || count > kMaxCount)
    fail(in, name + ": image count " + std::to_string(count) + " outside [1, " + std::to_string(kMaxCount) + "]");
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide)
    fail(in, name + ": image size " + std::to_string(rows) + "x" + std::to_string(cols) + " outside [1, " +
                 std::to_string(kMaxSide) + "]");
  const uint64_t expected = 16 + uint64_t(count) * rows * cols;
  const std::string described = "header says " + std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                                std::to_string(cols) + " (" + std::to_string(expected) + " bytes)";
  if (expected > kMaxDataBytes)
    fail(in, name + ": IDX image file too large: " + described + ", the limit is " + std::to_string(kMaxDataBytes) +
                 " bytes");
  ImageSet set;
  set.rows = int(rows);
  set.cols = int(cols);
  const size_t wanted = std::min<size_t>(max_images, count) * set.image_bytes();
  const size_t read = read_onto(in, wanted, set.pixels);
  // Only a file read to the end can have trailing data.
  const uint64_t trailing = wanted == expected - 16 ? bytes_left(in) : 0;
  if (read < wanted || trailing > 0)
    fail(in, name + ": " + (read < wanted ? "truncated" : "trailing data in") + " IDX image file: " + described +
                 " but the data is " + std::to_string(16 + read + trailing) + " bytes");
  // Labels are still unknown; size() must agree with the pixel count once the labels are read.
  file_count = count;
  return set;
}

// Reads the labels of the images in `images` (the first of `file_images`, the image file's count) into it.
template <class Reader>
void read_idx_labels(Reader& in, size_t file_images, ImageSet& images) {
  const std::string& name = in.name();
  char header[8];
  const std::string_view h = read_header(in, header, sizeof(header), "label", kLabelsMagic, "1-D unsigned-byte labels");
  const uint32_t count = read_be32(h, 4);
  if (count != file_images)
    fail(in, name + ": " + std::to_string(count) + " labels but the image file has " + std::to_string(file_images) +
                 " images");
  const uint64_t expected = 8 + uint64_t(count);
  const size_t wanted = images.image_bytes() ? images.pixels.size() / images.image_bytes() : 0;
  images.labels.clear();
  const size_t read = read_onto(in, wanted, images.labels);
  const uint64_t trailing = wanted == count ? bytes_left(in) : 0;
  if (read < wanted || trailing > 0)
    fail(in, name + ": " + (read < wanted ? "truncated" : "trailing data in") + " IDX label file: header says " +
                 std::to_string(count) + " labels (" + std::to_string(expected) + " bytes) but the data is " +
                 std::to_string(8 + read + trailing) + " bytes");
  for (size_t i = 0; i < images.labels.size(); ++i) {
    if (images.labels[i] >= ImageSet::kNumClasses)
      fail(in, name + ": label " + std::to_string(images.labels[i]) + " of image " + std::to_string(i) +
                   " is not a class in [0, " + std::to_string(ImageSet::kNumClasses) + ")");
  }
}

}  // namespace

ImageSet parse_idx_images(std::string_view bytes, const std::string& name, size_t max_images) {
  MemoryReader reader(bytes, name);
  uint32_t file_count = 0;
  return read_idx_images(reader, max_images, file_count);
}

void parse_idx_labels(std::string_view bytes, const std::string& name, ImageSet& images) {
  MemoryReader reader(bytes, name);
  const size_t image_count = images.image_bytes() ? images.pixels.size() / images.image_bytes() : 0;
  read_idx_labels(reader, image_count, images);
}

ImageSet load_idx_pair(const std::string& images_path, const std::string& labels_path, size_t max_images) {
  uint32_t file_count = 0;
  GzipReader image_file = GzipReader::open_file(images_path);
  ImageSet set = read_idx_images(image_file, max_images, file_count);
  GzipReader label_file = GzipReader::open_file(labels_path);
  read_idx_labels(label_file, file_count, set);
  return set;
}

ImageSet load_fashion_mnist(const std::string& dir, Split split, size_t max_images) {
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path base(dir);
  return load_idx_pair((base / (prefix + "-images-idx3-ubyte.gz")).string(),
                       (base / (prefix + "-labels-idx1-ubyte.gz")).string(), max_images);
}

}  // namespace flipsim::nn
