// flipsim validate end to end on a CI-sized study: the measurement is a campaign per point (resumed, not rerun,
// the second time), cross-checked on the full RTL; the prediction comes from the model on the same images.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "model/soft_error/sweep.h"
#include "sim/campaign/campaign_config.h"
#include "sim/campaign/register_engine.h"
#include "sim/campaign/result_store.h"
#include "sim/validate/campaign_prediction.h"
#include "testbench/site_map.h"
#include "tests/cli_run.h"

namespace flipsim {
namespace {

std::string temp_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("flipsim_validate_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string write_study(const std::string& name, const std::string& buffer) {
  const std::string path = temp_dir() + "/" + name + ".yaml";
  std::ofstream(path) << "validate:\n  name: " << name << "\n  network: " << FLIPSIM_SOURCE_DIR
                      << "/configs/infer/lenet5.yaml\n  buffer: " << buffer
                      << "\n  bers: [1.0e-5, 1.0e-3, 3.0e-2]\n  images: 12\n  first_image: 5000\n  injections: 3\n"
                         "  crosscheck: 1\n  seed: 2\n";
  return path;
}

using test::json_output;

TEST(ValidateCli, MeasuresPredictsAndResumes) {
  const std::string study = write_study("ci_wbuf", "wbuf"), out = temp_dir() + "/out", plots = temp_dir() + "/plots";
  std::filesystem::remove_all(out);
  const test::CliRun first =
      test::run_flipsim("validate " + study + " --out " + out + " --plots " + plots + " --workers 2 --json");
  ASSERT_EQ(first.status, 0) << first.output;
  const nlohmann::json a = json_output(first);
  ASSERT_EQ(a["points"].size(), 3u);
  for (const auto& p : a["points"]) {
    EXPECT_EQ(p["trials"].get<uint64_t>(), 36u);
    EXPECT_LE(p["ci_low"].get<double>(), p["measured"].get<double>());
    EXPECT_GE(p["ci_high"].get<double>(), p["measured"].get<double>());
    EXPECT_GE(p["predicted"].get<double>(), 0.0);
    EXPECT_LE(p["predicted"].get<double>(), 1.0);
    EXPECT_NEAR(p["error"].get<double>(), p["predicted"].get<double>() - p["measured"].get<double>(), 1e-12);
    EXPECT_EQ(p["crosscheck_injections"].get<uint64_t>(), 1u);
    EXPECT_LE(p["critical_ci_low"].get<double>(), p["critical"].get<double>());
    EXPECT_GE(p["critical_ci_high"].get<double>(), p["critical"].get<double>());
    EXPECT_GE(p["predicted_critical"].get<double>(), 0.0);
    EXPECT_LE(p["predicted_critical"].get<double>(), 1.0);
    // The point's database holds exactly the campaign's rows, all of the study's fault model and buffer.
    // Every image carries the same number of injections, so the accuracy is paired with the fault-free one; the
    // top-1-change rate is the database's critical SDCs (and hangs).
    const ResultStore store(p["db"].get<std::string>());
    std::map<int, int> per_image;
    uint64_t changed = 0;
    for (const InjectionRecord& r : store.injections()) {
      EXPECT_EQ(r.fault_model, "sram_ber");
      ++per_image[r.image];
      changed += r.outcome == Outcome::kSdcCritical || r.outcome == Outcome::kHang;
    }
    EXPECT_DOUBLE_EQ(p["critical"].get<double>(), double(changed) / 36.0);
    ASSERT_EQ(per_image.size(), 12u);
    EXPECT_EQ(per_image.begin()->first, 5000);
    for (const auto& [image, n] : per_image) EXPECT_EQ(n, 3) << image;
  }
  // At 3e-2 per bit of every weight (about 15,000 flips an inference) LeNet-5 is wrecked; at 1e-5 it is almost
  // untouched.
  EXPECT_LT(a["points"][2]["measured"].get<double>(), a["points"][0]["measured"].get<double>());
  EXPECT_EQ(a["crosscheck_mismatches"].get<uint64_t>(), 0u);
  EXPECT_GE(a["max_abs_error"].get<double>(), 0.0);
  EXPECT_GT(a["model_seconds"].get<double>(), 0.0);
  EXPECT_GT(a["campaign_seconds"].get<double>(), 0.0);
  EXPECT_EQ(a["campaign_injections"].get<uint64_t>(), 3u * 36u);
  EXPECT_EQ(a["campaign_injections_run"].get<uint64_t>(), a["campaign_injections"].get<uint64_t>());
  EXPECT_EQ(a["residency"].size(), 5u);  // LeNet-5's five accelerator layers
  EXPECT_TRUE(std::filesystem::exists(plots + "/ci_wbuf.png"));

  // Resumed: nothing is run again and every number is the same.
  const test::CliRun second = test::run_flipsim("validate " + study + " --out " + out + " --json");
  ASSERT_EQ(second.status, 0) << second.output;
  const nlohmann::json b = json_output(second);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(a["points"][i]["measured"], b["points"][i]["measured"]);
    EXPECT_EQ(a["points"][i]["predicted"], b["points"][i]["predicted"]);
  }
  // Its campaign seconds are this run's, which simulated nothing: it says so.
  EXPECT_EQ(b["campaign_injections"], a["campaign_injections"]);
  EXPECT_EQ(b["campaign_injections_run"].get<uint64_t>(), 0u);

  // flipsim model on the study: the same prediction, no campaign run and none written.
  const test::CliRun model = test::run_flipsim("model " + study + " --json");
  ASSERT_EQ(model.status, 0) << model.output;
  const nlohmann::json m = json_output(model);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(m["points"][i]["predicted"], a["points"][i]["predicted"]);
    EXPECT_EQ(m["points"][i]["trials"], 0u);
    EXPECT_TRUE(m["points"][i]["measured"].is_null());
  }
  EXPECT_EQ(m["campaign_seconds"].get<double>(), 0.0);
}

TEST(ValidateCli, OverwrittenBuffersArePredictedUnchangedAndMeasuredSo) {
  const std::string study = write_study("ci_accbuf", "accbuf");
  const test::CliRun r = test::run_flipsim("validate " + study + " --out " + temp_dir() + "/out2 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = json_output(r);
  EXPECT_EQ(j["prediction"], "overwritten before read");
  for (const auto& p : j["points"]) {
    EXPECT_EQ(p["predicted"].get<double>(), j["golden_accuracy"].get<double>());
    // Flipped partial sums are rewritten before any read: every injection leaves the logits golden.
    for (const InjectionRecord& row : ResultStore(p["db"].get<std::string>()).injections())
      EXPECT_EQ(row.outcome, Outcome::kMasked) << "injection " << row.id;
  }
}

// The bias buffer through the model's bias term: biases are stored at the accumulator width and a high-bit flip
// moves a whole channel, so the prediction falls from the fault-free accuracy as the rate grows.
TEST(ValidateCli, BiasBufferIsPredictedByTheBiasTerm) {
  const std::string study = write_study("ci_bbuf", "bbuf");
  const test::CliRun r = test::run_flipsim("model " + study + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = json_output(r);
  EXPECT_EQ(j["prediction"], "data-level model");
  const double golden = j["golden_accuracy"].get<double>();
  const auto predicted = [&](size_t i) { return j["points"][i]["predicted"].get<double>(); };
  EXPECT_NEAR(predicted(0), golden, 0.01);  // 1e-5: 0.08 expected flips
  EXPECT_LT(predicted(2), golden - 0.1);    // 3e-2: about 230 flipped bias bits
  EXPECT_LE(predicted(2), predicted(1));
}

// flipsim model on a campaign: the same prediction the matching validation study makes at the campaign's rate, the
// register model's per-class rates for PE register upsets, and a clear refusal for what the model does not cover.
TEST(ValidateCli, ModelPredictsBitErrorRateAndUpsetCampaignsAndRefusesOthers) {
  const std::string campaign = temp_dir() + "/campaign_ber.yaml";
  const auto write_campaign = [&](const std::string& classes, const std::string& fault) {
    std::ofstream(campaign) << "campaign:\n  network: " << FLIPSIM_SOURCE_DIR << "/configs/infer/lenet5.yaml\n"
                            << "  images: 12\n  first_image: 5000\n  targets: {classes: [" << classes << "]}\n"
                            << "  fault: " << fault << "\n  injections: 10\n  seed: 2\n";
  };
  write_campaign("wbuf", "{model: sram_ber, ber: 1.0e-3}");
  const test::CliRun c = test::run_flipsim("model " + campaign + " --json");
  ASSERT_EQ(c.status, 0) << c.output;
  const nlohmann::json p = json_output(c);
  const test::CliRun s = test::run_flipsim("model " + write_study("ci_pred", "wbuf") + " --json");
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_EQ(p["accuracy"], json_output(s)["points"][1]["predicted"]);  // the study's 1e-3 point, same images and seed
  EXPECT_EQ(p["model_target"], "weights");
  EXPECT_GT(p["critical_sdc_rate"].get<double>(), 0.0);
  EXPECT_LT(p["critical_sdc_rate"].get<double>(), 0.5);

  // All three loaded buffers at once: weights, activations and biases together.
  write_campaign("abuf, wbuf", "{model: sram_ber, ber: 1.0e-3}");
  const nlohmann::json both = json_output(test::run_flipsim("model " + campaign + " --json"));
  write_campaign("abuf, wbuf, bbuf", "{model: sram_ber, ber: 1.0e-3}");
  const test::CliRun all = test::run_flipsim("model " + campaign + " --json");
  ASSERT_EQ(all.status, 0) << all.output;
  EXPECT_EQ(json_output(all)["model_target"], "all");
  EXPECT_GT(json_output(all)["critical_sdc_rate"].get<double>(), both["critical_sdc_rate"].get<double>());

  write_campaign("accbuf, obuf", "{model: sram_ber, ber: 1.0e-2}");
  const nlohmann::json overwritten = json_output(test::run_flipsim("model " + campaign + " --json"));
  EXPECT_EQ(overwritten["critical_sdc_rate"].get<double>(), 0.0);
  EXPECT_EQ(overwritten["accuracy"], overwritten["golden_accuracy"]);

  // Single upsets of the PE registers: the register model, per class.
  write_campaign("pe_weight, pe_psum", "{model: flip}");
  const test::CliRun pe = test::run_flipsim("model " + campaign + " --json");
  ASSERT_EQ(pe.status, 0) << pe.output;
  const nlohmann::json classes = json_output(pe)["classes"];
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[1]["class"], "pe_psum");
  for (const auto& c : classes) {
    EXPECT_GT(c["sdc_rate"].get<double>(), 0.0) << c.dump();
    EXPECT_LE(c["critical_sdc_rate"].get<double>(), c["sdc_rate"].get<double>()) << c.dump();
  }

  // A bit stuck for 40 cycles: carried unless it outlives its pass (a permanent one, below, is refused).
  write_campaign("pe_psum", "{model: stuck_at_1, duration: 40}");
  const test::CliRun stuck = test::run_flipsim("model " + campaign + " --json");
  ASSERT_EQ(stuck.status, 0) << stuck.output;
  const nlohmann::json stuck_psum = json_output(stuck)["classes"][0];
  EXPECT_GT(stuck_psum["sdc_rate"].get<double>(), classes[1]["sdc_rate"].get<double>()) << stuck_psum.dump();
  EXPECT_GT(stuck_psum["unmodelled"].get<double>(), 0.0) << stuck_psum.dump();
  EXPECT_LT(stuck_psum["unmodelled"].get<double>(), 0.05) << stuck_psum.dump();

  // The controller: its bias and column-sum lanes are carried, its counters and state (which steer) are not.
  write_campaign("ctrl, accbuf, obuf", "{model: flip}");
  const test::CliRun ctrl = test::run_flipsim("model " + campaign + " --json");
  ASSERT_EQ(ctrl.status, 0) << ctrl.output;
  const nlohmann::json lanes = json_output(ctrl)["classes"];
  ASSERT_EQ(lanes.size(), 3u);
  EXPECT_GT(lanes[0]["unmodelled"].get<double>(), 0.1) << lanes[0].dump();
  EXPECT_LT(lanes[0]["unmodelled"].get<double>(), 0.5) << lanes[0].dump();
  EXPECT_GT(lanes[0]["sdc_rate"].get<double>(), 0.0) << lanes[0].dump();
  EXPECT_LT(lanes[2]["unmodelled"].get<double>(), 0.01) << lanes[2].dump();  // only upsets in a cycle writing the word

  for (const auto& [classes, fault] : {std::pair<std::string, std::string>{"pe_valid", "{model: flip}"},
                                       {"host", "{model: stuck_at_1}"},
                                       {"bbuf, wbuf", "{model: sram_ber, ber: 1.0e-3}"}}) {
    write_campaign(classes, fault);
    const test::CliRun r = test::run_flipsim("model " + campaign);
    EXPECT_NE(r.status, 0) << classes;
    EXPECT_NE(r.output.find(campaign), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not modelled"), std::string::npos) << r.output;
  }
}

TEST(ValidateCli, BadStudyIsAClearErrorAndWritesNothing) {
  const std::string path = temp_dir() + "/bad.yaml";
  std::ofstream(path) << "validate:\n  network: " << FLIPSIM_SOURCE_DIR << "/configs/infer/lenet5.yaml\n"
                      << "  buffer: wbuf\n  bers: [1.0e-3, 1.0e-5]\n";
  const std::string out = temp_dir() + "/out_bad";
  std::filesystem::remove_all(out);
  const test::CliRun r = test::run_flipsim("validate " + path + " --out " + out);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find(path), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ascending"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// A single-upset study: one point per class, measured as P(SDC) over the upsets the register model carries (every
// upset of a fully carried class; none of the host port's, which is measured, not modelled), predicted by the
// register model on the same images, cross-checked on the full RTL, and resumed.
TEST(ValidateCli, SingleUpsetStudyPerClassMeasuresPredictsAndResumes) {
  const std::string study = temp_dir() + "/ci_upsets.yaml", out = temp_dir() + "/out_upsets";
  std::filesystem::remove_all(out);
  std::ofstream(study) << "validate:\n  name: ci_upsets\n  network: " << FLIPSIM_SOURCE_DIR
                       << "/configs/infer/lenet5.yaml\n  classes: [pe_psum, ctrl, accbuf, pe_valid]\n  images: 12\n"
                          "  first_image: 5000\n  injections: 10\n  crosscheck: 1\n  seed: 4\n";
  const test::CliRun first = test::run_flipsim("validate " + study + " --out " + out + " --workers 2 --json");
  ASSERT_EQ(first.status, 0) << first.output;
  const nlohmann::json a = json_output(first);
  EXPECT_EQ(a["prediction"], "register model");
  ASSERT_EQ(a["points"].size(), 4u);
  const auto point = [&](size_t i) { return a["points"][i]; };
  EXPECT_EQ(point(0)["x"], "pe_psum");
  EXPECT_EQ(point(3)["x"], "pe_valid");
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(point(i)["all_trials"].get<uint64_t>(), 120u);
    EXPECT_EQ(point(i)["crosscheck_injections"].get<uint64_t>(), 1u);
  }
  // pe_psum and accbuf are carried whole; the controller in part; the PE valid bits (which steer) not at all.
  EXPECT_EQ(point(0)["trials"].get<uint64_t>(), 120u);
  EXPECT_EQ(point(0)["unmodelled"].get<double>(), 0.0);
  EXPECT_GT(point(1)["trials"].get<uint64_t>(), 40u);
  EXPECT_LT(point(1)["trials"].get<uint64_t>(), 120u);
  EXPECT_GT(point(1)["unmodelled"].get<double>(), 0.1);
  EXPECT_EQ(point(3)["trials"].get<uint64_t>(), 0u);
  EXPECT_EQ(point(3)["unmodelled"].get<double>(), 1.0);
  EXPECT_TRUE(point(3)["predicted"].is_null());
  EXPECT_FALSE(point(3)["measured_all"].is_null());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_GT(point(i)["predicted"].get<double>(), 0.0) << i;
    EXPECT_LE(point(i)["predicted_critical"].get<double>(), point(i)["predicted"].get<double>()) << i;
    // The measured SDC rate is the database's carried rows' (for pe_psum and accbuf: all of them).
    uint64_t sdc = 0;
    for (const InjectionRecord& r : ResultStore(point(i)["db"].get<std::string>()).injections()) {
      EXPECT_EQ(r.fault_model, "flip");
      sdc += r.outcome == Outcome::kSdc || r.outcome == Outcome::kSdcCritical;
    }
    if (i != 1) EXPECT_DOUBLE_EQ(point(i)["measured"].get<double>(), double(sdc) / 120.0) << i;
  }
  EXPECT_EQ(a["predicted_points"].get<int>(), 3);
  EXPECT_EQ(a["crosscheck_mismatches"].get<uint64_t>(), 0u);

  const test::CliRun second = test::run_flipsim("validate " + study + " --out " + out + " --json");
  ASSERT_EQ(second.status, 0) << second.output;
  const nlohmann::json b = json_output(second);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(a["points"][i]["measured"], b["points"][i]["measured"]);
    EXPECT_EQ(a["points"][i]["predicted"], b["points"][i]["predicted"]);
  }

  // A study names classes or a buffer with rates, not both.
  std::ofstream(study) << "validate:\n  network: " << FLIPSIM_SOURCE_DIR
                       << "/configs/infer/lenet5.yaml\n  classes: [pe_psum]\n  buffer: wbuf\n";
  const test::CliRun bad = test::run_flipsim("validate " + study + " --out " + out);
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find(study), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("buffer"), std::string::npos) << bad.output;
}

/// Runs a CI-sized CNN campaign of `injections` upsets of `fault` (held `hold` cycles) on `classes` and checks each
/// carried row against the model's outcome for the same upset.
void check_model_against_campaign_rows(const std::string& fault, const std::string& classes, uint64_t hold,
                                       int injections = 1100) {
  const std::string config = temp_dir() + "/rows.yaml", db = temp_dir() + "/rows.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  std::ofstream(config) << "campaign:\n  network: " << FLIPSIM_SOURCE_DIR
                        << "/configs/infer/cnn.yaml\n  images: 3\n  first_image: 5000\n  targets: {classes: "
                        << classes << ", per_class: true}\n  fault: "
                        << fault << "\n  injections: " << injections << "\n  seed: 9\n";
  const test::CliRun run = test::run_flipsim("campaign " + config + " --db " + db + " --json");
  ASSERT_EQ(run.status, 0) << run.output;
  const CampaignConfig campaign = load_campaign_config(config);
  const model::LoadedNetwork loaded = model::load_network(campaign.network, 3, 5000, config);
  const SiteMap map(campaign.network.accel);
  const model::ArraySchedule schedule(loaded.net, campaign.network.accel);
  model::SwFaultSim sim(loaded.net, campaign.network.accel);
  int loaded_image = -1, carried = 0, sdc = 0;
  std::vector<InjectionRecord> rows = ResultStore(db).injections();
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.image < b.image; });
  for (const InjectionRecord& r : rows) {
    if (r.image != loaded_image) {
      loaded_image = r.image;
      sim.load_image(loaded.net.quantize_image(loaded.test.image(size_t(r.image - 5000))));
    }
    const std::optional<UpsetOutcome> o =
        predict_upset(recorded_upset(r, map, hold), sim, accel_layer_inputs(sim), map, schedule);
    if (!o) continue;
    ++carried;
    sdc += o->sdc;
    EXPECT_EQ(o->sdc, r.outcome != Outcome::kMasked) << "injection " << r.id << " " << r.site;
    EXPECT_EQ(o->critical, r.outcome == Outcome::kSdcCritical) << "injection " << r.id << " " << r.site;
  }
  EXPECT_GT(carried, int(rows.size()) / 2);
  EXPECT_GT(sdc, 50);
}

// The register model's prediction is a Monte Carlo over the same upsets the campaign draws: upset by upset, it must
// give the campaign's own outcome wherever it carries the upset (the software fault simulation downstream of the
// pass stands in for the register engine's golden network run), on every kind of register and buffer, for one
// flipped bit, for three adjacent ones, for a bit stuck for 40 cycles and for one stuck for good.
TEST(ValidateCli, RegisterModelGivesEachCarriedCampaignRowsOutcome) {
  const std::string registers = "[pe_weight, pe_act, pe_psum, array_edge, ctrl, ppu";
  for (const char* fault : {"{model: flip}", "{model: multi_bit, bits: 3}"}) {
    SCOPED_TRACE(fault);
    check_model_against_campaign_rows(fault, registers + ", abuf, wbuf, bbuf, accbuf, obuf]", 1);
  }
  SCOPED_TRACE("stuck_at_1");
  check_model_against_campaign_rows("{model: stuck_at_1, duration: 40}", registers + "]", 40);
  SCOPED_TRACE("permanent stuck_at_0");
  check_model_against_campaign_rows("{model: stuck_at_0, duration: 0}", registers + "]", 0, 300);
}

}  // namespace
}  // namespace flipsim
