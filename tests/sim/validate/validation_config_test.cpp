// configs/validate/*.yaml: every shipped study loads, and bad input is refused with the file, line and key.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "model/common/config_error.h"
#include "sim/validate/validation_config.h"

namespace flipsim {
namespace {

std::string write_study(const std::string& name, const std::string& body) {
  const auto dir = std::filesystem::temp_directory_path() / ("flipsim_validate_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (name + ".yaml")).string();
  std::ofstream(path) << "validate:\n  network: " << FLIPSIM_SOURCE_DIR << "/configs/infer/lenet5.yaml\n" << body;
  return path;
}

std::string error_of(const std::string& path) {
  try {
    load_validation_config(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ValidationConfig, EveryShippedStudyLoads) {
  int studies = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FLIPSIM_SOURCE_DIR) + "/configs/validate")) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    const ValidationConfig c = load_validation_config(e.path().string());
    EXPECT_EQ(c.name, e.path().stem().string());
    // A rate study sweeps at least 7 rates; a single-flip study covers every site class, a stuck-at study every
    // flip-flop class with data registers (the register model carries none of pe_valid's and host's).
    const bool stuck = c.fault == FaultModel::kStuckAt0 || c.fault == FaultModel::kStuckAt1;
    const auto expected = [&](SiteClass k) {
      return !stuck || !(is_sram_class(k) || k == SiteClass::kPeValid || k == SiteClass::kHost);
    };
    if (c.upsets())
      for (int k = 0; k < kNumSiteClasses; ++k)
        EXPECT_EQ(std::count(c.classes.begin(), c.classes.end(), SiteClass(k)), expected(SiteClass(k)) ? 1 : 0)
            << site_class_name(SiteClass(k));
    else
      EXPECT_GE(c.bers.size(), 7u);
    EXPECT_GE(c.first_image, 5000) << "a shipped study must run on images no model constant was chosen on";
    ++studies;
  }
  EXPECT_GE(studies, 18);
}

TEST(ValidationConfig, ReadsASingleUpsetStudy) {
  const ValidationConfig c = load_validation_config(write_study(
      "upsets", "  classes: [pe_psum, ctrl, obuf]\n  images: 20\n  first_image: 9980\n  injections: 3\n"));
  EXPECT_TRUE(c.upsets());
  EXPECT_EQ(c.classes, (std::vector<SiteClass>{SiteClass::kPePsum, SiteClass::kCtrl, SiteClass::kObuf}));
  EXPECT_TRUE(c.bers.empty());
  EXPECT_EQ(c.fault, FaultModel::kFlip);
  const ValidationConfig stuck = load_validation_config(
      write_study("stuck", "  classes: [pe_weight, ctrl]\n  fault: {model: stuck_at_0, duration: 64}\n"));
  EXPECT_EQ(stuck.fault, FaultModel::kStuckAt0);
  EXPECT_EQ(stuck.duration, 64u);
  for (const char* bad : {"  classes: [pe_psum, pe_psum]\n", "  classes: [pe_psum]\n  ber: {from: 1.0e-6, to: 1.0e-4, points: 3}\n",
                          "  classes: [register]\n", "  classes: []\n",
                          // stuck-ats reach flip-flops only; a study of upsets draws one upset per injection
                          "  classes: [pe_psum, wbuf]\n  fault: {model: stuck_at_1, duration: 8}\n",
                          "  classes: [pe_psum]\n  fault: {model: sram_ber}\n",
                          "  classes: [pe_psum]\n  fault: {model: flip, colour: red}\n",
                          "  buffer: wbuf\n  bers: [1.0e-6]\n  fault: {model: flip}\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(load_validation_config(write_study("bad_upsets", bad)), ConfigError);
  }
}

TEST(ValidationConfig, ReadsEveryKey) {
  const ValidationConfig c = load_validation_config(write_study(
      "keys", "  name: s1\n  buffer: abuf\n  bers: [1.0e-6, 1.0e-4]\n  images: 20\n  first_image: 9980\n"
              "  injections: 3\n  crosscheck: 2\n  seed: 9\n"));
  EXPECT_EQ(c.name, "s1");
  EXPECT_EQ(c.buffer, Buffer::kAbuf);
  EXPECT_EQ(c.bers, (std::vector<double>{1e-6, 1e-4}));
  EXPECT_EQ(c.images, 20);
  EXPECT_EQ(c.first_image, 9980);
  EXPECT_EQ(c.injections, 3);
  EXPECT_EQ(c.crosscheck, 2u);
  EXPECT_EQ(c.seed, 9u);
  EXPECT_TRUE(std::filesystem::path(c.network_path).is_absolute());
}

TEST(ValidationConfig, BadInputNamesFileLineAndKey) {
  struct Case {
    const char* body;
    const char* expected;
  };
  const Case cases[] = {
      {"  buffer: wbuf\n  bers: [1.0e-6]\n  colour: red\n", "colour"},
      {"  buffer: xbuf\n  bers: [1.0e-6]\n", "buffer"},
      {"  bers: [1.0e-6]\n", "buffer"},
      {"  buffer: wbuf\n", "ber"},
      {"  buffer: wbuf\n  bers: [1.0e-4, 1.0e-6]\n", "ascending"},
      {"  buffer: wbuf\n  bers: [0.2]\n", "0.1"},
      {"  buffer: wbuf\n  bers: [1.0e-6]\n  first_image: 9990\n  images: 20\n", "images"},
      {"  buffer: wbuf\n  bers: [1.0e-6]\n  name: a/b\n", "name"},
      {"  buffer: wbuf\n  bers: [1.0e-6]\n  injections: zero\n", "injections"},
  };
  for (const Case& c : cases) {
    const std::string path = write_study("bad", c.body);
    const std::string e = error_of(path);
    EXPECT_NE(e.find(path), std::string::npos) << c.body << " -> " << e;
    EXPECT_NE(e.find(c.expected), std::string::npos) << c.body << " -> " << e;
  }
  EXPECT_NE(error_of("/nonexistent/study.yaml").find("/nonexistent/study.yaml"), std::string::npos);
}

}  // namespace
}  // namespace flipsim
