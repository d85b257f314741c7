#include "model/data_model.h"

#include <algorithm>
#include <cmath>

#include "model/logit_accuracy.h"

namespace flipsim::model {

double binomial_pmf(uint64_t n, double p, uint64_t k) {
  if (k > n) return 0.0;
  if (p <= 0) return k == 0 ? 1.0 : 0.0;
  if (p >= 1) return k == n ? 1.0 : 0.0;
  const double ln = std::lgamma(double(n) + 1) - std::lgamma(double(k) + 1) - std::lgamma(double(n - k) + 1) +
                    double(k) * std::log(p) + double(n - k) * std::log1p(-p);
  return std::exp(ln);
}

DataModel::DataModel(const nn::QNetwork& net, const AccelConfig& accel, FaultTarget target, std::vector<int> layers,
                     ModelOptions options)
    : net_(net),
      target_(target),
      layers_(std::move(layers)),
      space_(net, target, layers_),
      options_(options),
      sums_(net.data_bits),
      moments_(net, accel) {
  const Eigen::Index classes = Eigen::Index(net.values[size_t(net.output_value)].channels);
  draws_ = standard_normal_draws(classes, options_.draw_pairs, stream_seed(options_.seed, 0x6d6f64656cull));
}

FaultRates DataModel::rates(double ber) const {
  return uniform_rates(net_.accel_ops().size(), target_, ber, layers_);
}

double DataModel::plain_normal(const SwFaultSim& sim, int label, double ber) const {
  const MapMoments m = moments_.logit_moments(sim.golden(), rates(ber));
  return p_correct_normal(sim.golden_logits(), m.mean, m.var, label);
}

ImagePrediction DataModel::predict(SwFaultSim& sim, int label, const std::vector<double>& bers,
                                   uint64_t image_index) const {
  ImagePrediction p;
  const ImageModel image(*this, sim, label, stream_seed(options_.seed, image_index));
  for (double ber : bers) {
    const TopOneOdds odds = image.improved(ber);
    p.improved.push_back(odds.correct);
    p.improved_unchanged.push_back(odds.unchanged);
    if (options_.plain_normal) p.normal.push_back(image.plain_normal(ber));
  }
  return p;
}

ImageModel::ImageModel(const DataModel& model, SwFaultSim& sim, int label, uint64_t image_seed)
    : model_(model), label_(label), logits_(sim.golden_logits()), golden_(sim.golden()) {
  golden_top1_ = top1_of(logits_);
  const bool weights = model.target_ != FaultTarget::kActivations;
  const bool activations = model.target_ != FaultTarget::kWeights;
  correlated_ = std::make_unique<CorrelatedImage>(model.net_, golden_, model.sums_, weights, activations);
  std::mt19937_64 rng(image_seed);
  FaultModel single;
  single.mode = FaultModel::Mode::kSingle;
  for (int s = 0; s < model.options_.single_flip_samples; ++s)
    single_top1_.push_back(sim.inject(sample_faults(model.space_, single, rng)).top1);
}

const ImageModel::Cached& ImageModel::at_rate(double rate) const {
  auto it = cache_.find(rate);
  if (it != cache_.end()) return it->second;
  Cached c;
  const FaultRates rates = model_.rates(rate);
  c.g = correlated_->logits(rates);
  // The mean from the layer-to-layer model (its non-linear shifts), the covariance from the correlated model.
  const MapMoments fwd = model_.moments_.logit_moments(golden_, rates, &correlated_->accumulators());
  c.normal_mean = fwd.mean;
  c.normal_var = fwd.var;
  for (Eigen::Index k = 0; k < c.g.mean.size(); ++k) c.g.mean[k] = fwd.mean[size_t(k)];
  c.root = covariance_root(c.g.cov);
  return cache_.emplace(rate, std::move(c)).first->second;
}

LogitGaussian ImageModel::gaussian(double ber) const { return at_rate(ber).g; }

double ImageModel::plain_normal(double ber) const {
  // The plain model is the same layer-to-layer pass the improved model takes its mean from: computed once.
  const Cached& c = at_rate(ber);
  return p_correct_normal(logits_, c.normal_mean, c.normal_var, label_);
}

TopOneOdds ImageModel::improved(double ber) const {
  const uint64_t n = model_.space_.total_bits();
  const double lambda = double(n) * ber;
  if (lambda > model_.options_.poisson_limit || n == 0) return odds_of(at_rate(ber));

  TopOneOdds out;
  const double p0 = binomial_pmf(n, ber, 0), p1 = binomial_pmf(n, ber, 1);
  out.correct += p0 * (golden_top1_ == label_ ? 1.0 : 0.0);
  out.unchanged += p0;
  if (!single_top1_.empty()) {
    double c = 0, u = 0;
    for (int t : single_top1_) {
      c += t == label_;
      u += t == golden_top1_;
    }
    out.correct += p1 * c / double(single_top1_.size());
    out.unchanged += p1 * u / double(single_top1_.size());
  }
  // K >= 2: a normal whose moments grow linearly with k (a compound Poisson sum of k flips has k times the mean and
  // covariance of one), anchored at the correlated normal at the rate where the count stops being small
  // (N p = poisson_limit). Evaluated on a grid of k (every k up to 4, then steps of ~50 %) and interpolated.
  const uint64_t k_max = uint64_t(lambda + 8 * std::sqrt(lambda) + 8);
  std::vector<uint64_t> grid;
  for (uint64_t k = 2; k <= k_max; k = k < 4 ? k + 1 : uint64_t(std::ceil(double(k) * 1.5))) grid.push_back(k);
  if (grid.empty() || grid.back() < k_max) grid.push_back(k_max);
  std::vector<TopOneOdds> at;
  for (uint64_t k : grid) at.push_back(few_flips(k));
  size_t g = 0;
  for (uint64_t k = 2; k <= k_max; ++k) {
    while (g + 1 < grid.size() && grid[g + 1] <= k) ++g;
    TopOneOdds o = at[g];
    if (grid[g] != k && g + 1 < grid.size()) {
      const double t = double(k - grid[g]) / double(grid[g + 1] - grid[g]);
      o.correct = (1 - t) * at[g].correct + t * at[g + 1].correct;
      o.unchanged = (1 - t) * at[g].unchanged + t * at[g + 1].unchanged;
    }
    const double pk = binomial_pmf(n, ber, k);
    out.correct += pk * o.correct;
    out.unchanged += pk * o.unchanged;
  }
  return out;
}

const ImageModel::Cached& ImageModel::few(uint64_t k) const {
  auto it = few_cache_.find(k);
  if (it != few_cache_.end()) return it->second;
  if (!anchor_) {
    // Few flips barely move the operating point, so the linear (correlated) model's own mean serves here and the
    // layer-to-layer pass is not needed.
    const uint64_t n = model_.space_.total_bits();
    const double anchor_k = std::max(2.0, model_.options_.poisson_limit);
    anchor_ = std::make_unique<Cached>();
    anchor_->g = correlated_->logits(model_.rates(anchor_k / double(n)));
    anchor_->root = covariance_root(anchor_->g.cov);
  }
  const double f = double(k) / std::max(2.0, model_.options_.poisson_limit);
  Cached c;
  c.g.mean = f * anchor_->g.mean;
  c.g.cov = f * anchor_->g.cov;
  c.root = std::sqrt(f) * anchor_->root;
  return few_cache_.emplace(k, std::move(c)).first->second;
}

TopOneOdds ImageModel::few_flips(uint64_t k) const { return odds_of(few(k)); }

const TopOneOdds& ImageModel::odds_of(const Cached& c) const {
  if (!c.has_odds) {
    c.odds = top1_odds_gaussian(logits_, c.g, label_, model_.draws_);
    c.has_odds = true;
  }
  return c.odds;
}

int ImageModel::sample_top1(double ber, std::mt19937_64& rng) const {
  const uint64_t n = model_.space_.total_bits();
  const double lambda = double(n) * ber;
  uint64_t k = 0;
  double rate = ber;
  if (lambda <= model_.options_.poisson_limit) {
    k = std::binomial_distribution<uint64_t>(n, ber)(rng);
    if (k == 0) return golden_top1_;
    if (k == 1 && !single_top1_.empty())
      return single_top1_[std::uniform_int_distribution<size_t>(0, single_top1_.size() - 1)(rng)];
  }
  const Cached& c = k >= 2 ? few(k) : at_rate(rate);
  Eigen::VectorXd xi(c.root.cols());
  std::normal_distribution<double> normal;
  for (Eigen::Index i = 0; i < xi.size(); ++i) xi[i] = normal(rng);
  return faulty_top1(logits_, c.g.mean + c.root * xi);
}

}  // namespace flipsim::model
