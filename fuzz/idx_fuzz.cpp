// libFuzzer target for the dataset loader: the bytes are tried as a gzip stream, as raw IDX images and as raw
// IDX labels. Each either parses or is a ConfigError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "accel/config_error.h"
#include "nn/gzip.h"
#include "nn/idx_dataset.h"

namespace {

template <typename Fn>
void expect_only_config_errors(Fn fn) {
  try {
    fn();
  } catch (const flipsim::ConfigError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flipsim::nn;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A small output cap keeps zip bombs within the fuzzer's memory limit.
  expect_only_config_errors([&] {
    const std::string raw = gunzip(bytes, "fuzz.gz", size_t(16) << 20);
    ImageSet set = parse_idx_images(raw, "fuzz.gz");
    parse_idx_labels(raw, "fuzz.gz", set);
  });
  expect_only_config_errors([&] { parse_idx_images(bytes, "fuzz-images"); });
  expect_only_config_errors([&] {
    // One 1x1 image per byte after a label header, so a well-formed label file gets its values checked.
    ImageSet images;
    images.rows = images.cols = 1;
    images.pixels.resize(size >= 8 ? size - 8 : 0);
    parse_idx_labels(bytes, "fuzz-labels", images);
  });
  return 0;
}
