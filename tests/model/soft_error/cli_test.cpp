// flipsim model and flipsim sweep end to end through the CLI, on the shipped MLP and Fashion-MNIST: the documented
// JSON keys, the plain normal model only when asked, every method on one plot, and a bad config that fails with
// the file, line and key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli_run.h"

namespace flipsim {
namespace {

using test::CliRun;

CliRun flipsim(const std::string& args) { return test::run_flipsim(args); }

std::filesystem::path scratch() {
  const auto dir = std::filesystem::temp_directory_path() / ("flipsim_model_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

// A small sweep of the shipped MLP: 4 images, 3 rates (one with few flips, two with many), 20 trials each.
std::string sweep_config(const std::string& name, const std::string& injections = "20") {
  const std::string path = (scratch() / (name + ".yaml")).string();
  std::ofstream(path) << "sweep:\n  infer: " << FLIPSIM_SOURCE_DIR << "/configs/infer/mlp.yaml\n"
                      << "  target: weights\n  bers: [1.0e-6, 1.0e-4, 1.0e-3]\n  images: 4\n"
                      << "  injections: " << injections << "\n  seed: 2\n";
  return path;
}

// Removes the scratch directory after each test.
class Cli : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(scratch()); }
};

nlohmann::json json_of(const CliRun& r) {
  EXPECT_EQ(r.status, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

TEST_F(Cli, ModelImprovedByDefaultPlainNormalOnRequest) {
  const std::string config = sweep_config("model");
  const nlohmann::json plain = json_of(flipsim("model " + config + " --json"));
  ASSERT_FALSE(plain.is_discarded());
  ASSERT_EQ(plain["points"].size(), 3u);
  EXPECT_GT(plain["seconds"].get<double>(), 0);
  for (const auto& p : plain["points"]) {
    for (const char* key : {"ber", "accuracy", "ci_low", "ci_high", "unchanged"}) EXPECT_TRUE(p.contains(key)) << key;
    EXPECT_FALSE(p.contains("accuracy_normal"));
    EXPECT_GE(p["accuracy"].get<double>(), 0);
    EXPECT_LE(p["accuracy"].get<double>(), 1);
  }
  const nlohmann::json both = json_of(flipsim("model " + config + " --normal --json"));
  ASSERT_FALSE(both.is_discarded());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(both["points"][i].contains("accuracy_normal"));
    // The improved model does not depend on whether the plain one is evaluated next to it.
    EXPECT_EQ(both["points"][i]["accuracy"], plain["points"][i]["accuracy"]);
  }
}

TEST_F(Cli, SweepEveryMethodWithIntervalsAndOnePlot) {
  const std::string config = sweep_config("sweep");
  const std::string plots = (scratch() / "plots").string();
  const nlohmann::json j =
      json_of(flipsim("sweep " + config + " --method software,model,accelerated --json --plots " + plots));
  ASSERT_FALSE(j.is_discarded());
  ASSERT_EQ(j["results"].size(), 3u);
  for (const auto& r : j["results"]) {
    ASSERT_EQ(r["points"].size(), 3u) << r["method"];
    for (const auto& p : r["points"]) {
      EXPECT_LE(p["ci_low"].get<double>(), p["accuracy"].get<double>());
      EXPECT_GE(p["ci_high"].get<double>(), p["accuracy"].get<double>());
      if (r["method"] != "model") EXPECT_EQ(p["trials"].get<int>(), 80);
    }
  }
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(plots) / "sweep.png"));
}

TEST_F(Cli, BadConfigNamesFileLineAndKey) {
  const std::string config = sweep_config("bad", "many");
  for (const std::string& command : {"model " + config, "sweep " + config + " --method model"}) {
    const CliRun r = flipsim(command + " --json");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(config + ":6"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("sweep.injections"), std::string::npos) << r.output;
  }
  const CliRun missing = flipsim("model /nonexistent/sweep.yaml");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.output.find("/nonexistent/sweep.yaml"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace flipsim
