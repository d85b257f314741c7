// Fashion-MNIST (or any MNIST-format) images and labels from IDX files, validated before use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
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

/// As many images as the file holds.
inline constexpr size_t kAllImages = std::numeric_limits<size_t>::max();

/// Parses decompressed IDX images (magic 0x00000803), the first `max_images` of them (all when the file holds
/// fewer). Throws ConfigError naming `name` and the problem (bad magic, zero or oversized dimensions, data shorter
/// than the images asked for; when every image is read, also data longer than the header says).
ImageSet parse_idx_images(std::string_view bytes, const std::string& name, size_t max_images = kAllImages);

/// Parses decompressed IDX labels (magic 0x00000801) into `images.labels`; the count must equal the number of
/// images and every label must be a class in [0, 10). Throws ConfigError naming `name`.
void parse_idx_labels(std::string_view bytes, const std::string& name, ImageSet& images);

/// Reads a pair of gzip-compressed IDX files (images, labels): the first `max_images` images and their labels, or
/// all when the files hold fewer. Only what is read is inflated, so a few hundred images of a large file cost a
/// few hundred images. The headers are always checked (magic numbers, dimensions, equal image and label counts),
/// the data as far as it is read; reading every image also checks the exact lengths and the gzip CRCs. Throws
/// ConfigError naming the file that is missing, truncated or corrupt.
ImageSet load_idx_pair(const std::string& images_path, const std::string& labels_path, size_t max_images = kAllImages);

/// Loads `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz` from `dir` (e.g. /usr/share/datasets/fashion-mnist):
/// the first `max_images` images, as load_idx_pair().
ImageSet load_fashion_mnist(const std::string& dir, Split split, size_t max_images = kAllImages);

}  // namespace flipsim::nn
