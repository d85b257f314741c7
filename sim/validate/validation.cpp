#include "sim/validate/validation.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <functional>
#include <thread>

#include "model/accel/golden.h"
#include "model/accel/layer_plan.h"
#include "model/nn/evaluate.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/sweep.h"
#include "model/soft_error/sweep_config.h"
#include "sim/campaign/campaign_runner.h"
#include "sim/campaign/crosscheck.h"
#include "sim/campaign/register_engine.h"
#include "sim/campaign/result_store.h"
#include "sim/validate/campaign_prediction.h"
#include "model/soft_error/register_model.h"

namespace flipsim {

namespace {

PredictionKind prediction_of(Buffer b) {
  return b == Buffer::kAccbuf || b == Buffer::kObuf ? PredictionKind::kOverwritten : PredictionKind::kDataLevelModel;
}

/// The data-level model's stored values that a buffer holds.
model::FaultTarget model_target(Buffer b) {
  return b == Buffer::kWbuf ? model::FaultTarget::kWeights
         : b == Buffer::kBbuf ? model::FaultTarget::kBiases
                              : model::FaultTarget::kActivations;
}

uint64_t point_seed(const ValidationConfig& c, size_t i) { return model::stream_seed(c.seed, i) >> 2; }

/// The campaign that measures point `i` of a single-upset study: upsets of its class (the study's fault model) at
/// uniformly random busy cycles, `injections` per image, the images in turn (the prediction reads the same campaign).
CampaignConfig upset_point_config(const ValidationConfig& c, size_t i) {
  CampaignConfig k;
  k.file = c.file;
  k.name = c.name + "_point_" + std::to_string(i);
  k.network = c.network;
  for (int image = c.first_image; image < c.first_image + c.images; ++image) k.images.push_back(image);
  k.images_in_turn = true;
  k.targets.classes = {c.classes[i]};
  k.fault = c.fault;
  k.fault_bits = c.fault_bits;
  k.duration = c.duration;
  k.injections = uint64_t(c.images) * uint64_t(c.injections);
  k.seed = point_seed(c, i);
  return k;
}

/// The campaign that measures point `i`: sram_ber on the study's buffer at its rate (or single upsets of its class),
/// on its images.
std::string point_campaign_yaml(const ValidationConfig& c, size_t i) {
  std::ostringstream y;
  if (c.upsets()) {
    const CampaignConfig k = upset_point_config(c, i);
    y << "# Written by flipsim validate for point " << i << " of study '" << c.name << "' (" << c.file
      << "). A re-run of the study resumes it; flipsim report reads its database.\n"
      << "campaign:\n"
      << "  name: " << k.name << "\n"
      << "  network: '" << c.network_path << "'\n"
      << "  images: " << c.images << "\n"
      << "  first_image: " << c.first_image << "\n"
      << "  image_choice: in_turn\n"
      << "  targets:\n"
      << "    classes: [" << site_class_name(c.classes[i]) << "]\n"
      << "  fault:\n"
      << "    model: " << fault_model_name(k.fault) << "\n"
      << "    bits: " << k.fault_bits << "\n"
      << "    duration: " << k.duration << "\n"
      << "  injections: " << k.injections << "\n"
      << "  seed: " << k.seed << "\n";
    return y.str();
  }
  y << "# Written by flipsim validate for point " << i << " of study '" << c.name << "' (" << c.file
    << "). A re-run of the study resumes it; flipsim report reads its database.\n"
    << "campaign:\n"
    << "  name: " << c.name << "_point_" << i << "\n"
    << "  network: '" << c.network_path << "'\n"
    << "  images: " << c.images << "\n"
    << "  first_image: " << c.first_image << "\n"
    << "  image_choice: in_turn\n"
    << "  targets:\n"
    << "    classes: [" << buffer_name(c.buffer) << "]\n"
    << "  fault:\n"
    << "    model: sram_ber\n"
    << "    ber: " << fmt::format("{:.17g}", c.bers[i]) << "\n"
    << "  injections: " << uint64_t(c.images) * uint64_t(c.injections) << "\n"
    << "  seed: " << point_seed(c, i) << "\n";
  return y.str();
}

/// Accuracy of the rows of a campaign database: top-1 equal to the label; a hang is not correct.
void tally(const std::string& db, ValidationPoint& p) {
  const ResultStore store(db);
  for (const InjectionRecord& r : store.injections()) {
    ++p.trials;
    if (r.outcome != Outcome::kHang && r.faulty_top1 == r.label) ++p.correct;
    if (r.outcome == Outcome::kHang || r.outcome == Outcome::kSdcCritical) ++p.changed;
  }
  p.measured = wilson(p.correct, p.trials);
  p.measured_critical = wilson(p.changed, p.trials);
}

/// A single-upset point's rows: P(SDC) and P(critical SDC) over the upsets the register model carries (the same
/// test as the campaign engine's route), every row counted in all_trials.
void tally_upsets(const std::string& db, const SiteMap& map, const model::ArraySchedule& schedule, uint64_t hold,
                  ValidationPoint& p) {
  const ResultStore store(db);
  uint64_t sdc = 0, sdc_all = 0;
  for (const InjectionRecord& r : store.injections()) {
    ++p.all_trials;
    const bool corrupted = r.outcome == Outcome::kSdc || r.outcome == Outcome::kSdcCritical;
    sdc_all += corrupted;
    if (!CarriedUpset::of(recorded_upset(r, map, hold), map, schedule)) continue;
    ++p.trials;
    sdc += corrupted;
    p.changed += r.outcome == Outcome::kSdcCritical;
  }
  p.measured = wilson(sdc, p.trials);
  p.measured_all = wilson(sdc_all, p.all_trials);
  p.measured_critical = wilson(p.changed, p.trials);
}

void measure_points(const ValidationConfig& config, const ValidateOptions& options, const MpiSession& mpi,
                    ValidationResult& r, const std::function<void(const std::string&, ValidationPoint&)>& tally_point) {
  // Each point's measurement is a campaign of its own on the hybrid engine, resumable, with a cross-check sample.
  {
    const std::filesystem::path dir = std::filesystem::path(options.out_dir) / config.name;
    std::filesystem::create_directories(dir);
    for (size_t i = 0; i < r.points.size(); ++i) {
      ValidationPoint& p = r.points[i];
      const std::string stem = (dir / ("point_" + std::to_string(i))).string();
      write_generated_campaign(stem + ".yaml", point_campaign_yaml(config, i));
      p.db = stem + ".db";
      CampaignRunOptions run;
      run.db = p.db;
      run.workers = options.workers;
      run.progress = options.progress;
      run.engine = CampaignEngine::kHybrid;
      const nlohmann::json summary = run_campaign(stem + ".yaml", run, mpi);
      r.campaign_seconds += summary["seconds"].get<double>();
      r.campaign_injections += summary["planned"].get<uint64_t>();
      r.campaign_injections_run += summary["run_injections"].get<uint64_t>();
      tally_point(p.db, p);
      if (config.crosscheck > 0) {
        const auto t0 = std::chrono::steady_clock::now();
        CrosscheckOptions check;
        check.per_case = config.crosscheck;
        check.workers = summary["workers"].get<int>();
        check.progress = options.progress;
        check.own_fault_only = true;
        const CrosscheckResult c = crosscheck_engines(stem + ".yaml", check);
        p.crosscheck_injections = c.injections;
        p.crosscheck_mismatches = c.mismatches;
        r.crosscheck_mismatches += c.mismatches.size();
        r.campaign_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
    }
  }
}

void score_points(ValidationResult& r) {
  for (const ValidationPoint& p : r.points) {
    if (p.predicted < 0 || p.trials == 0) continue;
    ++r.predicted_points;
    r.max_abs_error = std::max(r.max_abs_error, std::abs(p.predicted - p.measured.value));
    if (p.predicted >= p.measured.low && p.predicted <= p.measured.high) ++r.inside_interval;
  }
}

/// The register model's P(SDC) and P(critical SDC) of each class point, over the upsets it carries (none for a
/// class of registers that steer: measured, not modelled).
void predict_upsets(const ValidationConfig& config, const model::LoadedNetwork& loaded, ValidationResult& r) {
  std::vector<CampaignConfig> points;
  for (size_t i = 0; i < r.points.size(); ++i) points.push_back(upset_point_config(config, i));
  const std::vector<ClassPrediction> classes = predict_classes(
      points, loaded, SiteMap(config.network.accel), int(std::max(1u, std::thread::hardware_concurrency())));
  for (size_t i = 0; i < r.points.size(); ++i) {
    ValidationPoint& p = r.points[i];
    const ClassPrediction& c = classes[i];
    p.unmodelled = c.unmodelled;
    if (c.unmodelled >= 1) continue;
    p.predicted_samples = uint64_t(std::llround(double(c.samples) * (1 - c.unmodelled)));
    p.predicted = c.sdc_rate / (1 - c.unmodelled);
    p.predicted_critical = c.critical_sdc_rate / (1 - c.unmodelled);
  }
}

}  // namespace

const char* prediction_name(PredictionKind k) {
  switch (k) {
    case PredictionKind::kDataLevelModel: return "data-level model";
    case PredictionKind::kOverwritten: return "overwritten before read";
    case PredictionKind::kRegisterModel: return "register model";
  }
  return "?";
}

LayerResidency layer_residency(Buffer buffer, const AccelConfig& accel, const ConvLayer& layer, int in_h, int in_w) {
  const LayerPlan plan = plan_layer(in_h, in_w, layer, accel);
  LayerResidency r;
  r.passes = int(plan.passes.size());
  uint64_t copies = 0;  // real values loaded, over all passes
  for (const LayerPass& pass : plan.passes) {
    const PassWords words = pass_words(plan, pass, accel);
    const uint64_t channels_in_pass = uint64_t(
        std::min(layer.out_channels, (pass.n_tile_begin + pass.n_tiles) * accel.cols) - pass.n_tile_begin * accel.cols);
    r.loaded_words += loaded_words(words, buffer);
    switch (buffer) {
      case Buffer::kAbuf: copies += uint64_t(pass.in_pixels) * uint64_t(layer.in_channels); break;
      case Buffer::kWbuf:
        copies += channels_in_pass * uint64_t(layer.kernel_h * layer.kernel_w * layer.in_channels);
        break;
      case Buffer::kBbuf: copies += channels_in_pass; break;
      default: break;  // accbuf and obuf are written by the controller, never loaded
    }
  }
  switch (buffer) {
    case Buffer::kAbuf: r.values = uint64_t(in_h) * uint64_t(in_w) * uint64_t(layer.in_channels); break;
    case Buffer::kWbuf:
      r.values = uint64_t(layer.out_channels) * uint64_t(layer.kernel_h * layer.kernel_w * layer.in_channels);
      break;
    case Buffer::kBbuf: r.values = uint64_t(layer.out_channels); break;
    default: break;
  }
  r.loaded_bits = copies * uint64_t(buffer == Buffer::kBbuf ? accel.acc_bits : accel.data_bits);
  r.loads_per_value = r.values ? double(copies) / double(r.values) : 0;
  return r;
}

ValidationResult run_validation(const ValidationConfig& config, const ValidateOptions& options,
                                const MpiSession& mpi) {
  ValidationResult r;
  r.config = config;
  r.prediction = config.upsets() ? PredictionKind::kRegisterModel : prediction_of(config.buffer);
  const model::LoadedNetwork loaded =
      model::load_network(config.network, config.images, config.first_image, config.file);
  GoldenEngine golden(config.network.accel);
  r.golden_accuracy = double(nn::quantized_correct(loaded.net, golden, loaded.test, size_t(config.images))) /
                      double(config.images);
  if (config.upsets()) {
    r.points.resize(config.classes.size());
    for (size_t i = 0; i < r.points.size(); ++i) {
      r.points[i].x = double(i);
      r.points[i].label = site_class_name(config.classes[i]);
      r.points[i].expected_flips = 1;
    }
    if (options.run_model) {
      const auto t0 = std::chrono::steady_clock::now();
      predict_upsets(config, loaded, r);
      r.model_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (options.run_campaign) {
      const SiteMap map(config.network.accel);
      const model::ArraySchedule schedule(loaded.net, config.network.accel);
      const bool stuck = config.fault == FaultModel::kStuckAt0 || config.fault == FaultModel::kStuckAt1;
      const uint64_t hold = stuck ? config.duration : 1;
      measure_points(config, options, mpi, r, [&](const std::string& db, ValidationPoint& p) {
        tally_upsets(db, map, schedule, hold, p);
      });
    }
    score_points(r);
    return r;
  }
  // The layer plans depend on shapes only: any image's golden run gives every layer's input size.
  const std::vector<FeatureMap> values = loaded.net.run(loaded.net.quantize_image(loaded.test.image(0)), golden);
  for (size_t op_index : loaded.net.accel_ops()) {
    const nn::QOp& op = loaded.net.ops[op_index];
    const FeatureMap& input = values[size_t(op.inputs[0])];
    r.residency.push_back(layer_residency(config.buffer, config.network.accel, op.layer, input.height, input.width));
    r.residency.back().layer = op.name;
  }
  uint64_t read_bits = 0;
  for (const LayerResidency& l : r.residency) read_bits += l.loaded_bits;
  r.points.resize(config.bers.size());
  for (size_t i = 0; i < r.points.size(); ++i) {
    r.points[i].x = config.bers[i];
    r.points[i].expected_flips = config.bers[i] * double(read_bits);
  }

  if (options.run_model) {
    const auto t0 = std::chrono::steady_clock::now();
    if (r.prediction == PredictionKind::kDataLevelModel) {
      model::SweepConfig sweep;
      sweep.file = config.file;
      sweep.infer = config.network;
      sweep.target = model_target(config.buffer);
      sweep.bers = config.bers;
      sweep.images = config.images;
      sweep.first_image = config.first_image;
      sweep.seed = config.seed;
      sweep.model.seed = config.seed;
      model::RunOptions run;
      run.threads = int(std::max(1u, std::thread::hardware_concurrency()));
      run.progress = options.progress;
      run.plain_normal = false;  // the improved model is the prediction; the plain one only costs time here
      const model::SweepResult m = model::run_sweep(sweep, loaded, model::Method::kModel, run);
      for (size_t i = 0; i < r.points.size(); ++i) {
        r.points[i].predicted = m.points[i].accuracy.value;
        r.points[i].predicted_critical = 1 - m.points[i].unchanged.value;
      }
    } else if (r.prediction == PredictionKind::kOverwritten) {
      for (ValidationPoint& p : r.points) {
        p.predicted = r.golden_accuracy;
        p.predicted_critical = 0;
      }
    }
    r.model_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  if (options.run_campaign) measure_points(config, options, mpi, r, tally);
  score_points(r);
  return r;
}


nlohmann::json to_json(const ValidationResult& r) {
  const auto number_or_null = [](double v) { return v < 0 ? nlohmann::json() : nlohmann::json(v); };
  nlohmann::json points = nlohmann::json::array();
  for (const ValidationPoint& p : r.points)
    points.push_back({{"x", p.label.empty() ? nlohmann::json(p.x) : nlohmann::json(p.label)},
                      {"unmodelled", p.unmodelled},
                      {"predicted_samples", p.predicted_samples},
                      {"all_trials", p.label.empty() ? p.trials : p.all_trials},
                      {"measured_all", p.all_trials ? nlohmann::json(p.measured_all.value) : nlohmann::json()},
                      {"measured_all_ci", p.all_trials ? nlohmann::json({p.measured_all.low, p.measured_all.high})
                                                       : nlohmann::json()},
                      {"expected_flips", p.expected_flips},
                      {"trials", p.trials},
                      {"measured", p.trials ? nlohmann::json(p.measured.value) : nlohmann::json()},
                      {"ci_low", p.trials ? nlohmann::json(p.measured.low) : nlohmann::json()},
                      {"ci_high", p.trials ? nlohmann::json(p.measured.high) : nlohmann::json()},
                      {"predicted", number_or_null(p.predicted)},
                      {"error", p.predicted >= 0 && p.trials ? nlohmann::json(p.predicted - p.measured.value)
                                                             : nlohmann::json()},
                      {"critical", p.trials ? nlohmann::json(p.measured_critical.value) : nlohmann::json()},
                      {"critical_ci_low", p.trials ? nlohmann::json(p.measured_critical.low) : nlohmann::json()},
                      {"critical_ci_high", p.trials ? nlohmann::json(p.measured_critical.high) : nlohmann::json()},
                      {"predicted_critical", number_or_null(p.predicted_critical)},
                      {"crosscheck_injections", p.crosscheck_injections},
                      {"crosscheck_mismatches", p.crosscheck_mismatches},
                      {"db", p.db}});
  nlohmann::json residency = nlohmann::json::array();
  for (const LayerResidency& l : r.residency)
    residency.push_back({{"layer", l.layer},
                         {"passes", l.passes},
                         {"values", l.values},
                         {"loaded_words", l.loaded_words},
                         {"loaded_bits", l.loaded_bits},
                         {"loads_per_value", l.loads_per_value}});
  const ValidationConfig& c = r.config;
  nlohmann::json classes = nlohmann::json::array();
  for (SiteClass cls : c.classes) classes.push_back(site_class_name(cls));
  return {{"name", c.name},
          {"config", c.file},
          {"network", c.network.model},
          {"data_bits", c.network.data_bits},
          {"accelerator", c.network.accel.variant()},
          {"buffer", c.upsets() ? nlohmann::json() : nlohmann::json(buffer_name(c.buffer))},
          {"classes", classes},
          {"fault", c.upsets() ? nlohmann::json({{"model", fault_model_name(c.fault)},
                                                  {"bits", c.fault == FaultModel::kMultiBit ? c.fault_bits : 1},
                                                  {"duration", c.duration}})
                               : nlohmann::json({{"model", "sram_ber"}})},
          {"x", c.upsets() ? "site class of an upset (fault.model) at a uniformly random busy cycle"
                           : "per-bit error rate of every stored bit of the buffer, at the start of every pass"},
          {"measured_quantity", c.upsets() ? "P(SDC) over the upsets the register model carries" : "top-1 accuracy"},
          {"images", c.images},
          {"first_image", c.first_image},
          {"injections_per_image", c.injections},
          {"golden_accuracy", r.golden_accuracy},
          {"prediction", prediction_name(r.prediction)},
          {"residency", residency},
          {"points", points},
          {"max_abs_error", number_or_null(r.max_abs_error)},
          {"inside_interval", r.inside_interval},
          {"predicted_points", r.predicted_points},
          {"model_seconds", r.model_seconds},
          {"campaign_seconds", r.campaign_seconds},
          {"campaign_injections", r.campaign_injections},
          {"campaign_injections_run", r.campaign_injections_run},
          {"crosscheck_mismatches", r.crosscheck_mismatches}};
}

}  // namespace flipsim
