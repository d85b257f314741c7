#include "sim/validate/validation_text.h"

#include <fmt/core.h>

#include <string>

namespace flipsim {

namespace {

std::string crosscheck_cell(const ValidationPoint& p) {
  return p.crosscheck_injections ? fmt::format("{} of {} differ", p.crosscheck_mismatches.size(), p.crosscheck_injections)
                                 : std::string("-");
}

/// Every cross-check mismatch, then how many predictions the measured intervals hold.
void print_mismatches_and_score(const ValidationResult& r) {
  for (const ValidationPoint& p : r.points)
    for (const std::string& m : p.crosscheck_mismatches) fmt::print("  MISMATCH {}\n", m);
  if (r.predicted_points > 0)
    fmt::print("  max |error| {:.4f}; prediction inside the measured interval at {} of {} points\n", r.max_abs_error,
               r.inside_interval, r.predicted_points);
}

void print_seconds(const ValidationResult& r) {
  fmt::print("  model {:.2f} s, campaigns {:.1f} s (this run, which simulated {} of their {} injections{})\n",
             r.model_seconds, r.campaign_seconds, r.campaign_injections_run, r.campaign_injections,
             r.campaign_injections_run < r.campaign_injections ? "; an earlier run stored the others" : "");
}

/// A single-upset study: per class, P(SDC) and P(critical SDC) over the upsets the register model carries.
void print_upset_study(const ValidationResult& r) {
  const ValidationConfig& c = r.config;
  fmt::print("validation '{}' ({}): single-bit upsets per class of {} on {}, test images {}-{}\n", c.name, c.file,
             c.network.model, c.network.accel.variant(), c.first_image, c.first_image + c.images - 1);
  fmt::print("  fault-free accuracy {:.4f}; prediction: {} (over the upsets it carries)\n", r.golden_accuracy,
             prediction_name(r.prediction));
  fmt::print("  {:<10}  {:>11}  {:>8}  {:>27}  {:>9}  {:>27}  {:>9}  {:>27}  {}\n", "class", "not carried", "n",
             "SDC [95%]", "predicted", "critical SDC [95%]", "predicted", "SDC, every upset [95%]", "cross-check");
  const auto rate = [](const ValidationPoint& p, const Proportion& v) {
    return p.trials ? fmt::format("{:.4f} [{:.4f}, {:.4f}]", v.value, v.low, v.high) : std::string("-");
  };
  const auto predicted = [](double v) { return v >= 0 ? fmt::format("{:.4f}", v) : std::string("-"); };
  for (const ValidationPoint& p : r.points)
    fmt::print("  {:<10}  {:>11.3f}  {:>8}  {:>27}  {:>9}  {:>27}  {:>9}  {:>27}  {}\n", p.label, p.unmodelled,
               p.trials, rate(p, p.measured), predicted(p.predicted), rate(p, p.measured_critical),
               predicted(p.predicted_critical),
               p.all_trials ? fmt::format("{:.4f} [{:.4f}, {:.4f}]", p.measured_all.value, p.measured_all.low,
                                          p.measured_all.high)
                            : std::string("-"),
               crosscheck_cell(p));
  print_mismatches_and_score(r);
  print_seconds(r);
}

}  // namespace

void print_validation(const ValidationResult& r) {
  if (r.config.upsets()) return print_upset_study(r);
  const ValidationConfig& c = r.config;
  fmt::print("validation '{}' ({}): sram_ber on {} of {} on {}, test images {}-{}\n", c.name, c.file,
             buffer_name(c.buffer), c.network.model, c.network.accel.variant(), c.first_image,
             c.first_image + c.images - 1);
  fmt::print("  fault-free accuracy {:.4f}; prediction: {}\n", r.golden_accuracy, prediction_name(r.prediction));
  fmt::print("  {:>9}  {:>9}  {:>7}  {:>9}  {:>19}  {:>9}  {:>8}  {:>21}  {:>9}  {}\n", "ber", "flips", "n",
             "accuracy", "95% interval", "predicted", "error", "top-1 changed [95%]", "predicted", "cross-check");
  const auto measured = [](const ValidationPoint& p, const Proportion& v, bool interval) {
    if (!p.trials) return std::string("-");
    return interval ? fmt::format("{:.4f} [{:.4f}, {:.4f}]", v.value, v.low, v.high) : fmt::format("{:.4f}", v.value);
  };
  const auto predicted = [](double v) { return v >= 0 ? fmt::format("{:.4f}", v) : std::string("-"); };
  for (const ValidationPoint& p : r.points)
    fmt::print("  {:>9.2e}  {:>9.3g}  {:>7}  {:>9}  {:>19}  {:>9}  {:>8}  {:>21}  {:>9}  {}\n", p.x, p.expected_flips,
               p.trials, measured(p, p.measured, false),
               p.trials ? fmt::format("[{:.4f}, {:.4f}]", p.measured.low, p.measured.high) : std::string("-"),
               predicted(p.predicted),
               p.predicted >= 0 && p.trials ? fmt::format("{:+.4f}", p.predicted - p.measured.value) : std::string("-"),
               measured(p, p.measured_critical, true), predicted(p.predicted_critical), crosscheck_cell(p));
  print_mismatches_and_score(r);
  fmt::print("  {:<10} {:>6} {:>10} {:>12} {:>8}\n", "layer", "passes", "values", "loaded bits", "loads/value");
  for (const LayerResidency& l : r.residency)
    fmt::print("  {:<10} {:>6} {:>10} {:>12} {:>8.3f}\n", l.layer, l.passes, l.values, l.loaded_bits,
               l.loads_per_value);
  print_seconds(r);
}

}  // namespace flipsim
