// libFuzzer target for the dataset loader: the bytes are tried as a gzip stream (whole, and read piecewise as the
// bounded loader does), as raw IDX images (all, and only the first ones) and as raw IDX labels. Each either parses
// or is a ConfigError; anything else is a bug, and so is piecewise reading that disagrees with whole inflation or
// first images that differ from the start of a full parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/common/config_error.h"
#include "model/nn/gzip.h"
#include "model/nn/idx_dataset.h"

namespace {

template <typename Fn>
void expect_only_config_errors(Fn fn) {
  try {
    fn();
  } catch (const flipsim::ConfigError&) {
  }
}

// The result of fn(), or nothing when it throws a ConfigError.
template <typename Fn>
auto value_or_config_error(Fn fn) -> std::optional<decltype(fn())> {
  try {
    return fn();
  } catch (const flipsim::ConfigError&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flipsim::nn;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A small output cap keeps zip bombs within the fuzzer's memory limit.
  constexpr size_t kCap = size_t(16) << 20;
  const auto whole = value_or_config_error([&] { return gunzip(bytes, "fuzz.gz", kCap); });
  const auto pieces = value_or_config_error([&] {
    GzipReader reader(bytes, "fuzz.gz");
    std::string out;
    std::vector<char> piece(64 + size % 4093);  // odd sizes, but not so small that a bomb times out
    while (const size_t n = reader.read(piece.data(), piece.size())) {
      out.append(piece.data(), n);
      if (out.size() > kCap) throw flipsim::ConfigError("over the cap");
    }
    return out;
  });
  if (whole != pieces) std::abort();
  if (whole) {
    expect_only_config_errors([&] {
      ImageSet set = parse_idx_images(*whole, "fuzz.gz");
      parse_idx_labels(*whole, "fuzz.gz", set);
    });
  }
  expect_only_config_errors([&] {
    const ImageSet all = parse_idx_images(bytes, "fuzz-images");
    const ImageSet first = parse_idx_images(bytes, "fuzz-images", all.pixels.size() / all.image_bytes() / 2);
    if (first.pixels != std::vector<uint8_t>(all.pixels.begin(), all.pixels.begin() + first.pixels.size()))
      std::abort();
  });
  expect_only_config_errors([&] {
    // One 1x1 image per byte after a label header, so a well-formed label file gets its values checked.
    ImageSet images;
    images.rows = images.cols = 1;
    images.pixels.resize(size >= 8 ? size - 8 : 0);
    parse_idx_labels(bytes, "fuzz-labels", images);
  });
  return 0;
}
