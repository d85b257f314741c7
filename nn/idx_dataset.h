// Fashion-MNIST (or any MNIST-format) images and labels from IDX files, validated before use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flipsim::nn {

/// Labelled 8-bit grayscale images, row-major, one after the other.
struct ImageSet {
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  ///< size() * rows * cols bytes
  std::vector<uint8_t> labels;  ///< one class in [0, kNumClasses) per image

  static constexpr int kNumClasses = 10;

  size_t size() const { return labels.size(); }
  size_t image_bytes() const { return size_t(rows) * cols; }
  const uint8_t* image(size_t i) const { return pixels.data() + i * image_bytes(); }
};

/// Which half of the data set.
enum class Split { kTrain, kTest };

/// Parses decompressed IDX images (magic 0x00000803). Throws ConfigError naming `name` and the problem
/// (bad magic, zero or oversized dimensions, length not matching the header).
ImageSet parse_idx_images(std::string_view bytes, const std::string& name);

/// Parses decompressed IDX labels (magic 0x00000801) into `images.labels`; the count must equal the number of
/// images and every label must be a class in [0, 10). Throws ConfigError naming `name`.
void parse_idx_labels(std::string_view bytes, const std::string& name, ImageSet& images);

/// Reads a pair of gzip-compressed IDX files (images, labels). Throws ConfigError naming the file that is
/// missing, truncated or corrupt.
ImageSet load_idx_pair(const std::string& images_path, const std::string& labels_path);

/// Loads `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz` from `dir` (e.g. /usr/share/datasets/fashion-mnist).
ImageSet load_fashion_mnist(const std::string& dir, Split split);

}  // namespace flipsim::nn
