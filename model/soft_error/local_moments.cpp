#include "model/soft_error/local_moments.h"

#include <algorithm>

namespace flipsim::model {
namespace {

// out[k] += sum over output k's window of a[input] * b[weight], for every output of the layer.
void conv_sum(const ConvLayer& l, int in_h, int in_w, const std::vector<double>& a, const std::vector<double>& b,
              std::vector<double>& out) {
  const int oh = l.out_height(in_h), ow = l.out_width(in_w), c = l.in_channels;
  out.assign(size_t(oh) * ow * l.out_channels, 0.0);
  size_t k = 0;
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox) {
      const int ix0 = ox * l.stride - l.pad;
      const int kx_lo = std::max(0, -ix0), kx_hi = std::min(l.kernel_w, in_w - ix0);
      const int run = std::max(0, kx_hi - kx_lo) * c;
      for (int o = 0; o < l.out_channels; ++o, ++k) {
        double s = 0;
        for (int ky = 0; ky < l.kernel_h && run > 0; ++ky) {
          const int iy = oy * l.stride - l.pad + ky;
          if (iy < 0 || iy >= in_h) continue;
          const double* xs = &a[(size_t(iy) * in_w + size_t(ix0 + kx_lo)) * size_t(c)];
          const double* ws = &b[((size_t(o) * l.kernel_h + ky) * l.kernel_w + size_t(kx_lo)) * size_t(c)];
          for (int t = 0; t < run; ++t) s += xs[t] * ws[t];
        }
        out[k] = s;
      }
    }
}

// f(v, flip sums of v) for every stored value: one factor of the terms.
template <typename F>
std::vector<double> series(const std::vector<int32_t>& values, const FlipSumTable& sums, F f) {
  std::vector<double> out;
  out.reserve(values.size());
  for (int32_t v : values) out.push_back(f(double(v), sums(v)));
  return out;
}

}  // namespace

LocalMoments::LocalMoments(const ConvLayer& l, const FeatureMap& in, const FlipSumTable& sums, bool weights,
                           bool activations)
    : size_(size_t(l.out_height(in.height)) * l.out_width(in.width) * l.out_channels), terms_(kTerms) {
  // Only the factors the requested terms use: the weight series are as long as the layer's weights.
  const auto x_series = [&](auto f) { return series(in.data, sums, f); };
  const auto w_series = [&](auto f) { return series(l.weights, sums, f); };
  const auto value = [](double v, const FlipSums&) { return v; };
  const auto square = [](double v, const FlipSums&) { return v * v; };
  const auto s1 = [](double, const FlipSums& f) { return f.s1; };
  const auto s2 = [](double, const FlipSums& f) { return f.s2; };
  const auto v_s1 = [](double v, const FlipSums& f) { return v * f.s1; };
  const auto s1_squared = [](double, const FlipSums& f) { return f.s1 * f.s1; };
  auto term = [&](Term t, const std::vector<double>& a, const std::vector<double>& b) {
    conv_sum(l, in.height, in.width, a, b, terms_[t]);
  };
  const std::vector<double> s2x = activations ? x_series(s2) : std::vector<double>();
  const std::vector<double> s2w = weights ? w_series(s2) : std::vector<double>();
  if (activations) {
    const std::vector<double> s1x = x_series(s1);
    term(kS1xW, s1x, w_series(value));
    term(kS2xW2, s2x, w_series(square));
    if (weights) {
      term(kS1xS1w, s1x, w_series(s1));
      term(kS2xWS1w, s2x, w_series(v_s1));
      term(kS2xS1w2, s2x, w_series(s1_squared));
      term(kXS1xS2w, x_series(v_s1), s2w);
      term(kS1x2S2w, x_series(s1_squared), s2w);
      term(kS2xS2w, s2x, s2w);
    }
  }
  if (weights) {
    term(kXS1w, x_series(value), w_series(s1));
    term(kX2S2w, x_series(square), s2w);
  }
}

MapMoments LocalMoments::at(double pw, double pa) const {
  MapMoments r;
  r.mean.assign(size_, 0.0);
  r.var.assign(size_, 0.0);
  auto add = [&](std::vector<double>& out, Term t, double coef) {
    if (coef == 0 || terms_[t].empty()) return;
    for (size_t k = 0; k < size_; ++k) out[k] += coef * terms_[t][k];
  };
  const double va = pa * (1 - pa), vw = pw * (1 - pw);
  add(r.mean, kS1xW, pa);
  add(r.mean, kXS1w, pw);
  add(r.mean, kS1xS1w, pa * pw);
  add(r.var, kS2xW2, va);
  add(r.var, kS2xWS1w, va * 2 * pw);
  add(r.var, kS2xS1w2, va * pw * pw);
  add(r.var, kX2S2w, vw);
  add(r.var, kXS1xS2w, vw * 2 * pa);
  add(r.var, kS1x2S2w, vw * pa * pa);
  add(r.var, kS2xS2w, vw * va);
  return r;
}

}  // namespace flipsim::model
