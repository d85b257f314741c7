#include "nn/idx_dataset.h"

#include <filesystem>

#include "accel/config_error.h"
#include "nn/gzip.h"

namespace flipsim::nn {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned byte data, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned byte data, 1 dimension
// Far above any MNIST-style set; bounds what a corrupt header can make us believe.
constexpr uint32_t kMaxSide = 4096;
constexpr uint32_t kMaxCount = 10'000'000;

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

}  // namespace

ImageSet parse_idx_images(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 16)
    throw ConfigError(name + ": truncated IDX image file (" + std::to_string(bytes.size()) +
                      " bytes, the header alone is 16)");
  const uint32_t magic = read_be32(bytes, 0);
  if (magic != kImagesMagic)
    throw ConfigError(name + ": bad IDX magic number " + hex(magic) + " (expected " + hex(kImagesMagic) +
                      " for 3-D unsigned-byte images)");
  const uint32_t count = read_be32(bytes, 4);
  const uint32_t rows = read_be32(bytes, 8);
  const uint32_t cols = read_be32(bytes, 12);
  if (count == 0 || count > kMaxCount)
    throw ConfigError(name + ": image count " + std::to_string(count) + " outside [1, " + std::to_string(kMaxCount) +
                      "]");
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide)
    throw ConfigError(name + ": image size " + std::to_string(rows) + "x" + std::to_string(cols) + " outside [1, " +
                      std::to_string(kMaxSide) + "]");
  const uint64_t expected = 16 + uint64_t(count) * rows * cols;
  if (bytes.size() != expected)
    throw ConfigError(name + ": " + (bytes.size() < expected ? "truncated" : "trailing data in") +
                      " IDX image file: header says " + std::to_string(count) + " images of " + std::to_string(rows) +
                      "x" + std::to_string(cols) + " (" + std::to_string(expected) + " bytes) but the data is " +
                      std::to_string(bytes.size()) + " bytes");
  ImageSet set;
  set.rows = int(rows);
  set.cols = int(cols);
  set.pixels.assign(bytes.begin() + 16, bytes.end());
  // Labels are still unknown; size() must agree with the pixel count once parse_idx_labels runs.
  set.labels.clear();
  return set;
}

void parse_idx_labels(std::string_view bytes, const std::string& name, ImageSet& images) {
  if (bytes.size() < 8)
    throw ConfigError(name + ": truncated IDX label file (" + std::to_string(bytes.size()) +
                      " bytes, the header alone is 8)");
  const uint32_t magic = read_be32(bytes, 0);
  if (magic != kLabelsMagic)
    throw ConfigError(name + ": bad IDX magic number " + hex(magic) + " (expected " + hex(kLabelsMagic) +
                      " for 1-D unsigned-byte labels)");
  const uint32_t count = read_be32(bytes, 4);
  const size_t image_count = images.image_bytes() ? images.pixels.size() / images.image_bytes() : 0;
  if (count != image_count)
    throw ConfigError(name + ": " + std::to_string(count) + " labels but the image file has " +
                      std::to_string(image_count) + " images");
  const uint64_t expected = 8 + uint64_t(count);
  if (bytes.size() != expected)
    throw ConfigError(name + ": " + (bytes.size() < expected ? "truncated" : "trailing data in") +
                      " IDX label file: header says " + std::to_string(count) + " labels (" + std::to_string(expected) +
                      " bytes) but the data is " + std::to_string(bytes.size()) + " bytes");
  images.labels.assign(bytes.begin() + 8, bytes.end());
  for (size_t i = 0; i < images.labels.size(); ++i) {
    if (images.labels[i] >= ImageSet::kNumClasses)
      throw ConfigError(name + ": label " + std::to_string(images.labels[i]) + " of image " + std::to_string(i) +
                        " is not a class in [0, " + std::to_string(ImageSet::kNumClasses) + ")");
  }
}

ImageSet load_idx_pair(const std::string& images_path, const std::string& labels_path) {
  ImageSet set = parse_idx_images(gunzip(read_file_bytes(images_path), images_path), images_path);
  parse_idx_labels(gunzip(read_file_bytes(labels_path), labels_path), labels_path, set);
  return set;
}

ImageSet load_fashion_mnist(const std::string& dir, Split split) {
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path base(dir);
  return load_idx_pair((base / (prefix + "-images-idx3-ubyte.gz")).string(),
                       (base / (prefix + "-labels-idx1-ubyte.gz")).string());
}

}  // namespace flipsim::nn
