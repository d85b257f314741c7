#include "model/local_moments.h"

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

/// Per stored value v: v, the flip sums s1 and s2 of its bits, v^2, v*s1 and s1^2 (the factors of the terms).
struct ValueSeries {
  ValueSeries(const std::vector<int32_t>& values, const FlipSumTable& sums) {
    for (int32_t value : values) {
      const FlipSums& f = sums(value);
      v.push_back(value);
      s1.push_back(f.s1);
      s2.push_back(f.s2);
      v2.push_back(double(value) * value);
      v_s1.push_back(value * f.s1);
      s1_2.push_back(f.s1 * f.s1);
    }
  }
  std::vector<double> v, s1, s2, v2, v_s1, s1_2;
};

}  // namespace

LocalMoments::LocalMoments(const ConvLayer& l, const FeatureMap& in, const FlipSumTable& sums, bool weights,
                           bool activations)
    : size_(size_t(l.out_height(in.height)) * l.out_width(in.width) * l.out_channels), terms_(kTerms) {
  const ValueSeries xs(in.data, sums), ws(l.weights, sums);
  const std::vector<double>&x = xs.v, &s1x = xs.s1, &s2x = xs.s2, &x2 = xs.v2, &xs1x = xs.v_s1, &s1x2 = xs.s1_2;
  const std::vector<double>&w = ws.v, &s1w = ws.s1, &s2w = ws.s2, &w2 = ws.v2, &ws1w = ws.v_s1, &s1w2 = ws.s1_2;
  auto term = [&](Term t, const std::vector<double>& a, const std::vector<double>& b) {
    conv_sum(l, in.height, in.width, a, b, terms_[t]);
  };
  if (activations) {
    term(kS1xW, s1x, w);
    term(kS2xW2, s2x, w2);
  }
  if (weights) {
    term(kXS1w, x, s1w);
    term(kX2S2w, x2, s2w);
  }
  if (weights && activations) {
    term(kS1xS1w, s1x, s1w);
    term(kS2xWS1w, s2x, ws1w);
    term(kS2xS1w2, s2x, s1w2);
    term(kXS1xS2w, xs1x, s2w);
    term(kS1x2S2w, s1x2, s2w);
    term(kS2xS2w, s2x, s2w);
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
