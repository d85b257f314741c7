#include "nn/idx_dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "accel/config_error.h"
#include "nn/gzip.h"
#include "tests/nn/test_paths.h"

namespace flipsim::nn {
namespace {

using testing::kDatasetDir;

std::string gzip(const std::string& raw) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, uLong(raw.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = uInt(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

// Three 2x2 images and their labels, raw IDX.
std::string tiny_images() { return be32(0x803) + be32(3) + be32(2) + be32(2) + std::string(12, '\x7f'); }
std::string tiny_labels() { return be32(0x801) + be32(3) + std::string("\x01\x09\x00", 3); }

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("flipsim_idx_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

 private:
  std::filesystem::path path_;
};

TEST(IdxDataset, LoadsFashionMnistTestSet) {
  const ImageSet test = load_fashion_mnist(kDatasetDir, Split::kTest);
  EXPECT_EQ(test.size(), 10000u);
  EXPECT_EQ(test.rows, 28);
  EXPECT_EQ(test.cols, 28);
  EXPECT_EQ(test.pixels.size(), 10000u * 28 * 28);
  EXPECT_EQ(test.labels[0], 9);  // the first t10k image is an ankle boot
  std::vector<int> per_class(10, 0);
  for (uint8_t l : test.labels) ++per_class[l];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[size_t(c)], 1000) << "class " << c;
}

TEST(IdxDataset, LoadsFashionMnistTrainSet) {
  const ImageSet train = load_fashion_mnist(kDatasetDir, Split::kTrain);
  EXPECT_EQ(train.size(), 60000u);
  EXPECT_EQ(train.image_bytes(), 784u);
}

TEST(IdxDataset, RoundTripsSmallFiles) {
  TempDir dir;
  const ImageSet set = load_idx_pair(dir.write("i.gz", gzip(tiny_images())), dir.write("l.gz", gzip(tiny_labels())));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.labels, (std::vector<uint8_t>{1, 9, 0}));
  EXPECT_EQ(set.image(2)[3], 0x7f);
}

// One corruption of the image or label file and the words its error must contain.
struct Corruption {
  std::string name;
  std::string images;  // raw bytes written to the images file (already gzipped when meant to be)
  std::string labels;
  std::string bad_file;  // "images" or "labels": the file the message must name
  std::string expected;
};

class IdxCorruptTest : public ::testing::TestWithParam<Corruption> {};

TEST_P(IdxCorruptTest, IsAConfigErrorNamingTheFile) {
  const Corruption& c = GetParam();
  TempDir dir;
  const std::string images = dir.write("images.gz", c.images);
  const std::string labels = dir.write("labels.gz", c.labels);
  try {
    load_idx_pair(images, labels);
    FAIL() << "no error for " << c.name;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(c.bad_file == "images" ? images : labels), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expected), std::string::npos) << msg;
  }
}

std::vector<Corruption> corruptions() {
  const std::string good_i = gzip(tiny_images()), good_l = gzip(tiny_labels());
  std::string flipped = good_i;
  flipped[flipped.size() / 2] ^= 0x55;
  std::string bad_crc = good_i;
  bad_crc[bad_crc.size() - 6] ^= 0x01;  // inside the CRC-32 trailer
  return {
      {"not_gzip", tiny_images(), good_l, "images", "not a gzip file"},
      {"truncated_gzip", good_i.substr(0, good_i.size() / 2), good_l, "images", "truncated gzip"},
      {"corrupt_deflate", flipped, good_l, "images", "gzip"},
      {"bad_crc", bad_crc, good_l, "images", "corrupt gzip data"},
      {"bad_image_magic", gzip(be32(0x801) + tiny_images().substr(4)), good_l, "images", "bad IDX magic"},
      {"bad_label_magic", good_i, gzip(be32(0x803) + tiny_labels().substr(4)), "labels", "bad IDX magic"},
      {"short_header", gzip(tiny_images().substr(0, 10)), good_l, "images", "header alone is 16"},
      {"truncated_pixels", gzip(tiny_images().substr(0, 20)), good_l, "images", "truncated IDX image file"},
      {"trailing_pixels", gzip(tiny_images() + "x"), good_l, "images", "trailing data"},
      {"zero_rows", gzip(be32(0x803) + be32(3) + be32(0) + be32(2)), good_l, "images", "image size 0x2"},
      {"count_mismatch", good_i, gzip(be32(0x801) + be32(2) + "\x01\x02"), "labels",
       "2 labels but the image file has 3"},
      {"truncated_labels", good_i, gzip(tiny_labels().substr(0, 9)), "labels", "truncated IDX label file"},
      {"label_out_of_range", good_i, gzip(be32(0x801) + be32(3) + std::string("\x01\x0c\x00", 3)), "labels",
       "label 12 of image 1"},
      {"empty_file", "", good_l, "images", "not a gzip file"},
  };
}

INSTANTIATE_TEST_SUITE_P(Files, IdxCorruptTest, ::testing::ValuesIn(corruptions()),
                         [](const auto& info) { return info.param.name; });

TEST(IdxDataset, MissingFileIsNamed) {
  try {
    load_fashion_mnist("/nonexistent/fashion", Split::kTest);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/fashion/t10k-images-idx3-ubyte.gz: cannot open"),
              std::string::npos)
        << e.what();
  }
}

TEST(IdxDataset, TruncatedCopyOfTheRealFileIsAnError) {
  TempDir dir;
  const std::string real = read_file_bytes(kDatasetDir + "/t10k-images-idx3-ubyte.gz");
  const std::string images = dir.write("t10k-images.gz", real.substr(0, real.size() - 1000));
  const std::string labels = dir.write("labels.gz", read_file_bytes(kDatasetDir + "/t10k-labels-idx1-ubyte.gz"));
  try {
    load_idx_pair(images, labels);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(images + ": truncated gzip stream"), std::string::npos) << e.what();
  }
}

TEST(Gzip, RejectsOutputBeyondTheLimit) {
  EXPECT_THROW(gunzip(gzip(std::string(1000, 'a')), "x", 999), ConfigError);
  EXPECT_EQ(gunzip(gzip(std::string(1000, 'a')), "x", 1000), std::string(1000, 'a'));
}

}  // namespace
}  // namespace flipsim::nn
