#include "model/accel/accel_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/common/config_error.h"

namespace flipsim {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("flipsim_" + name + ".yaml");
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(const std::string& path) {
  try {
    load_accel_config(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(AccelConfig, LoadsShippedConfigs) {
  const AccelConfig c = load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/default.yaml");
  EXPECT_EQ(c.rows, 8);
  EXPECT_EQ(c.cols, 8);
  EXPECT_EQ(c.data_bits, 8);
  EXPECT_EQ(c.variant(), "8x8_d8_a32");
  const AccelConfig n = load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/narrow_4x6.yaml");
  EXPECT_EQ(n.rows, 4);
  EXPECT_EQ(n.cols, 6);
  EXPECT_EQ(load_accel_config(FLIPSIM_SOURCE_DIR "/configs/accel/int16_8x8.yaml").acc_bits, 48);
}

TEST(AccelConfig, UnknownKeyNamesKeyAndLine) {
  const auto p = write_temp("unknown", "accelerator:\n  rows: 8\n  cols: 8\n  data_bits: 8\n  colz: 3\n");
  const std::string e = error_of(p);
  EXPECT_NE(e.find("colz"), std::string::npos) << e;
  EXPECT_NE(e.find(":5"), std::string::npos) << e;
  EXPECT_NE(e.find(p), std::string::npos) << e;
}

TEST(AccelConfig, WrongTypeAndRangeAreErrors) {
  EXPECT_NE(error_of(write_temp("type", "accelerator:\n  rows: eight\n  cols: 8\n  data_bits: 8\n"))
                .find("accelerator.rows"),
            std::string::npos);
  EXPECT_NE(error_of(write_temp("range", "accelerator:\n  rows: 8\n  cols: 8\n  data_bits: 12\n")).find("data_bits"),
            std::string::npos);
  EXPECT_NE(error_of(write_temp("depth", "accelerator:\n  rows: 8\n  cols: 8\n  data_bits: 8\n  abuf_depth: 1000\n"))
                .find("abuf_depth"),
            std::string::npos);
  EXPECT_NE(error_of(write_temp("missing", "accelerator:\n  rows: 8\n  data_bits: 8\n")).find("cols"),
            std::string::npos);
  EXPECT_NE(error_of("/nonexistent/flipsim.yaml").find("cannot open"), std::string::npos);
  EXPECT_NE(error_of(write_temp("syntax", "accelerator: [1, 2\n")).find("invalid YAML"), std::string::npos);
}

}  // namespace
}  // namespace flipsim
