#include "model/nn/idx_dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "model/common/config_error.h"
#include "model/nn/gzip.h"
#include "tests/model/nn/test_paths.h"

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

// Loading only the first images: the same images and labels as a full load, and only their part of the file is
// inflated, so damage after them goes unnoticed while damage within them is an error naming the file.
TEST(IdxDataset, FirstImagesEqualTheStartOfAFullLoad) {
  const ImageSet full = load_fashion_mnist(kDatasetDir, Split::kTest);
  for (size_t n : {size_t(1), size_t(500), size_t(9999), size_t(10000), size_t(20000)}) {
    const ImageSet first = load_fashion_mnist(kDatasetDir, Split::kTest, n);
    const size_t expected = std::min(n, full.size());
    ASSERT_EQ(first.size(), expected) << n;
    EXPECT_EQ(first.rows, full.rows);
    EXPECT_EQ(first.cols, full.cols);
    EXPECT_TRUE(std::equal(first.pixels.begin(), first.pixels.end(), full.pixels.begin()) &&
                first.pixels.size() == expected * full.image_bytes())
        << n;
    EXPECT_TRUE(std::equal(first.labels.begin(), first.labels.end(), full.labels.begin())) << n;
  }
}

TEST(IdxDataset, FirstImagesOfSmallFilesAndBuffers) {
  TempDir dir;
  const std::string images = dir.write("i.gz", gzip(tiny_images())), labels = dir.write("l.gz", gzip(tiny_labels()));
  const ImageSet two = load_idx_pair(images, labels, 2);
  EXPECT_EQ(two.labels, (std::vector<uint8_t>{1, 9}));
  EXPECT_EQ(two.pixels.size(), 8u);
  EXPECT_EQ(parse_idx_images(tiny_images(), "raw", 1).pixels, std::vector<uint8_t>(4, 0x7f));
  EXPECT_EQ(load_idx_pair(images, labels, 0).size(), 0u);
}

// The real test-set file cut to its first 20,000 compressed bytes: 47 whole images survive.
std::string real_images_cut_short() {
  return read_file_bytes(kDatasetDir + "/t10k-images-idx3-ubyte.gz").substr(0, 20000);
}

TEST(IdxDataset, DamageAfterTheFirstImagesIsNotRead) {
  TempDir dir;
  const std::string images = dir.write("t10k-images.gz", real_images_cut_short());
  const std::string labels = dir.write("labels.gz", read_file_bytes(kDatasetDir + "/t10k-labels-idx1-ubyte.gz"));
  const ImageSet first = load_idx_pair(images, labels, 10);
  const ImageSet full_first = load_fashion_mnist(kDatasetDir, Split::kTest, 10);
  EXPECT_EQ(first.pixels, full_first.pixels);
  EXPECT_EQ(first.labels, full_first.labels);
}

TEST(IdxDataset, FileTruncatedWithinTheFirstImagesIsAnErrorNamingIt) {
  TempDir dir;
  const std::string labels = dir.write("labels.gz", read_file_bytes(kDatasetDir + "/t10k-labels-idx1-ubyte.gz"));
  // The compressed file ends inside image 1,000.
  const std::string cut = dir.write("t10k-images.gz", real_images_cut_short());
  try {
    load_idx_pair(cut, labels, 1000);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(cut + ": truncated gzip stream"), std::string::npos) << e.what();
  }
  // A complete gzip stream whose IDX data stops after 2 of the 3 images the header announces.
  const std::string short_idx = dir.write("short.gz", gzip(tiny_images().substr(0, 16 + 8)));
  try {
    load_idx_pair(short_idx, dir.write("l.gz", gzip(tiny_labels())), 3);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(short_idx + ": truncated IDX image file"), std::string::npos) << e.what();
  }
}

TEST(IdxDataset, FirstImagesStillCheckTheHeaders) {
  TempDir dir;
  const std::string good_images = dir.write("i.gz", gzip(tiny_images()));
  const std::string bad_magic = dir.write("m.gz", gzip(be32(0x801) + tiny_images().substr(4)));
  const std::string two_labels = dir.write("l2.gz", gzip(be32(0x801) + be32(2) + "\x01\x02"));
  const std::string good_labels = dir.write("l.gz", gzip(tiny_labels()));
  EXPECT_THROW(load_idx_pair(bad_magic, good_labels, 1), ConfigError);
  try {
    load_idx_pair(good_images, two_labels, 1);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(two_labels + ": 2 labels but the image file has 3"), std::string::npos)
        << e.what();
  }
}

TEST(Gzip, ReaderGivesTheStreamInPiecesOfAnySize) {
  std::string raw;
  for (int i = 0; i < 100000; ++i) raw += char(i * 7 % 251);
  const std::string compressed = gzip(raw);
  for (size_t piece : {size_t(1), size_t(1000), size_t(65536), size_t(1) << 20}) {
    GzipReader reader(compressed, "x");
    std::string out;
    std::vector<char> buffer(piece);
    while (const size_t n = reader.read(buffer.data(), piece)) out.append(buffer.data(), n);
    EXPECT_EQ(out, raw) << piece;
    EXPECT_EQ(reader.read(buffer.data(), piece), 0u);
  }
}

TEST(Gzip, ReaderNeedsOnlyTheInputForWhatItReads) {
  const std::string raw(200000, 'a');
  std::string compressed = gzip(std::string("header") + raw);
  compressed.resize(compressed.size() - 8);  // no CRC-32 / length trailer
  GzipReader reader(compressed, "cut.gz");
  char head[6];
  EXPECT_EQ(reader.read(head, 6), 6u);
  EXPECT_EQ(std::string(head, 6), "header");
  std::vector<char> rest(raw.size() + 1);
  try {
    reader.read(rest.data(), rest.size());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.gz: truncated gzip stream"), std::string::npos) << e.what();
  }
}

TEST(Gzip, RejectsOutputBeyondTheLimit) {
  EXPECT_THROW(gunzip(gzip(std::string(1000, 'a')), "x", 999), ConfigError);
  EXPECT_EQ(gunzip(gzip(std::string(1000, 'a')), "x", 1000), std::string(1000, 'a'));
}

}  // namespace
}  // namespace flipsim::nn
