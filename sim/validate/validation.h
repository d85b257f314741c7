// flipsim validate: the model's prediction beside the RTL's measurement, point by point. The measurement of each
// point is an ordinary campaign (its YAML and SQLite database under the output directory, so a re-run resumes it
// and `flipsim report` reads it), run on the hybrid engine, with a sample of its own injections also run on the
// full RTL; the prediction comes from the model on the same test images.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/stats.h"
#include "sim/campaign/mpi_session.h"
#include "sim/validate/validation_config.h"

namespace flipsim {

struct ValidateOptions {
  std::string out_dir = "results/validate";  ///< <out_dir>/<name>/point_<i>.{yaml,db}
  int workers = 0;                            ///< campaign workers (0: every core)
  bool progress = true;
  bool run_model = true;     ///< false: the measurement only
  bool run_campaign = true;  ///< false: the prediction only (flipsim model on a validation config)
};

/// How the prediction of a study is made.
enum class PredictionKind {
  kDataLevelModel,  ///< wbuf / abuf / bbuf: the data-level model's weight / input-activation / bias terms
  kOverwritten,     ///< accbuf / obuf: every flipped word is rewritten before it is read, accuracy unchanged
  kRegisterModel,   ///< single upsets per class: the register model (model/soft_error/register_model.h)
};

/// A rate study's point is a per-bit error rate, measured and predicted as top-1 accuracy; a single-upset study's
/// is a site class, measured and predicted as P(SDC) (measured: the campaign's rows of upsets the register model
/// carries; the registers that steer are measured, not modelled, and counted in `unmodelled`).
struct ValidationPoint {
  double x = 0;                ///< per-bit error rate (single upsets: the class's position in the study)
  std::string label;           ///< single upsets: the site class
  double expected_flips = 0;   ///< RTL: flips per inference in words the passes read
  uint64_t trials = 0;         ///< measured injections
  uint64_t correct = 0;
  Proportion measured;         ///< accuracy (single upsets: P(SDC)) with its 95 % Wilson interval
  double predicted = -1;       ///< the model's accuracy (single upsets: P(SDC)) (-1: not run or not modelled)
  uint64_t changed = 0;        ///< injections whose top-1 class differs from the fault-free run's (or hung)
  Proportion measured_critical;   ///< changed / trials: the campaign's critical-SDC rate, hangs included
  double predicted_critical = -1; ///< the model's P(top-1 changed)
  uint64_t crosscheck_injections = 0;
  std::vector<std::string> crosscheck_mismatches;
  std::string db;
  uint64_t all_trials = 0;     ///< single upsets: every measured injection, carried or not
  Proportion measured_all;     ///< single upsets: P(SDC) over all of them
  double unmodelled = 0;       ///< single upsets: share of the class's upsets the model does not carry
  uint64_t predicted_samples = 0;  ///< single upsets: the model's Monte Carlo samples it carries
};

/// How many times each stored value of the study's buffer is loaded into it per inference (the passes of
/// the layer plan), per accelerator layer: where the RTL's per-pass flips differ from the data-level view of
/// one set of stored values.
struct LayerResidency {
  std::string layer;
  int passes = 0;
  uint64_t values = 0;        ///< distinct stored values of the layer in this buffer (weights, input activations)
  uint64_t loaded_words = 0;  ///< buffer words the passes load in all
  uint64_t loaded_bits = 0;   ///< of those, bits of real values (padding lanes are never read into a result)
  double loads_per_value = 0; ///< loaded value copies / distinct values
};

struct ValidationResult {
  ValidationConfig config;
  PredictionKind prediction = PredictionKind::kDataLevelModel;
  double golden_accuracy = 0;  ///< fault-free, on the same images
  std::vector<LayerResidency> residency;
  std::vector<ValidationPoint> points;
  double model_seconds = 0;
  double campaign_seconds = 0;  ///< wall time of this run's campaigns and cross-checks
  /// The campaigns' injections, and how many of them this run simulated: fewer when it resumed stored ones, and
  /// then campaign_seconds is not what the measurement cost.
  uint64_t campaign_injections = 0;
  uint64_t campaign_injections_run = 0;
  uint64_t crosscheck_mismatches = 0;
  /// max |predicted - measured| over the points with a prediction (-1: none)
  double max_abs_error = -1;
  /// points whose prediction lies inside the measured interval, of those with a prediction
  int inside_interval = 0;
  int predicted_points = 0;
};

ValidationResult run_validation(const ValidationConfig& config, const ValidateOptions& options,
                                const MpiSession& mpi);

/// The residency of one layer's stored values in `buffer`, from its layer plan on `accel` for an input of
/// in_h x in_w pixels (`layer` is left empty for the caller to name).
LayerResidency layer_residency(Buffer buffer, const AccelConfig& accel, const ConvLayer& layer, int in_h, int in_w);

/// JSON: name, config, buffer, network, images, first_image, golden_accuracy, prediction, residency, points (each
/// {x, expected_flips, measured, ci_low, ci_high, trials, predicted, error, crosscheck_injections,
/// crosscheck_mismatches, db}), max_abs_error, inside_interval, predicted_points, model_seconds,
/// campaign_seconds, campaign_injections, campaign_injections_run, crosscheck_mismatches.
nlohmann::json to_json(const ValidationResult& r);

const char* prediction_name(PredictionKind k);

}  // namespace flipsim
