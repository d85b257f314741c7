#include "model/soft_error/sweep.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "model/common/progress.h"
#include "model/soft_error/data_model.h"
#include "model/soft_error/sw_fault_sim.h"

namespace flipsim::model {
namespace {

// Per-rate tallies of one image range.
struct Tally {
  std::vector<uint64_t> correct, unchanged, sdc, trials;
  std::vector<double> p_correct, p_unchanged, p_normal;
  uint64_t golden_correct = 0;
  explicit Tally(size_t n)
      : correct(n), unchanged(n), sdc(n), trials(n), p_correct(n), p_unchanged(n), p_normal(n) {}
  void add(const Tally& o) {
    for (size_t b = 0; b < correct.size(); ++b) {
      correct[b] += o.correct[b];
      unchanged[b] += o.unchanged[b];
      sdc[b] += o.sdc[b];
      trials[b] += o.trials[b];
      p_correct[b] += o.p_correct[b];
      p_unchanged[b] += o.p_unchanged[b];
      p_normal[b] += o.p_normal[b];
    }
    golden_correct += o.golden_correct;
  }
};

// The plain normal has no bias term (a bias flip is one large jump per channel, never a sum of many).
bool has_plain_normal(FaultTarget t) { return t != FaultTarget::kBiases && t != FaultTarget::kAll; }

// Runs the images that `next` hands out (one at a time, so that threads finish together), each into its own
// tally.
void run_images(const SweepConfig& c, const LoadedNetwork& ln, Method method, const RunOptions& options,
                const std::vector<int>& layers, std::atomic<int>& next, std::vector<Tally>& per_image,
                ProgressLine& progress) {
  const nn::QNetwork& net = ln.net;
  SwFaultSim sim(net, c.infer.accel);
  ModelOptions mo = c.model;
  mo.plain_normal = options.plain_normal && has_plain_normal(c.target);
  const DataModel model(net, c.infer.accel, c.target, layers, mo);
  const FaultSpace& space = model.space();
  for (int i = next++; i < c.images; i = next++) {
    Tally& t = per_image[size_t(i)];
    // Streams are seeded by the image's index in the test set, so an image's trials do not depend on the range.
    const uint64_t id = uint64_t(c.first_image) + uint64_t(i);
    const int label = ln.test.labels[size_t(i)];
    sim.load_image(net.quantize_image(ln.test.image(size_t(i))));
    const int golden = top1_of(sim.golden_logits());
    t.golden_correct += golden == label;
    switch (method) {
      case Method::kSoftware:
        for (size_t b = 0; b < c.bers.size(); ++b) {
          FaultModel fm;
          fm.ber = c.bers[b];
          for (int m = 0; m < c.injections; ++m) {
            std::mt19937_64 rng(stream_seed(c.seed, b, id, uint64_t(m)));
            const Injection r = sim.inject(sample_faults(space, fm, rng));
            t.correct[b] += r.top1 == label;
            t.unchanged[b] += r.top1 == golden;
            t.sdc[b] += r.logits_changed;
            ++t.trials[b];
          }
        }
        break;
      case Method::kModel: {
        const ImagePrediction p = model.predict(sim, label, c.bers, id);
        for (size_t b = 0; b < c.bers.size(); ++b) {
          t.p_correct[b] += p.improved[b];
          t.p_unchanged[b] += p.improved_unchanged[b];
          if (!p.normal.empty()) t.p_normal[b] += p.normal[b];
        }
        break;
      }
      case Method::kAccelerated: {
        const ImageModel image(model, sim, label, stream_seed(c.seed, id));
        for (size_t b = 0; b < c.bers.size(); ++b) {
          std::mt19937_64 rng(stream_seed(c.seed ^ 0xacce1ull, b, id));
          const TrialCounts n = image.sample(c.bers[b], uint64_t(c.injections), rng);
          t.correct[b] += n.correct;
          t.unchanged[b] += n.unchanged;
          t.trials[b] += n.trials;
        }
        break;
      }
    }
    progress.add();
  }
}

}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::kSoftware: return "software";
    case Method::kModel: return "model";
    case Method::kAccelerated: return "accelerated";
  }
  return "?";
}

SweepResult run_sweep(const SweepConfig& c, const LoadedNetwork& ln, Method method, const RunOptions& options,
                      const std::vector<int>* layers_override) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int> layers =
      layers_override && !layers_override->empty() ? *layers_override : resolve_layers(ln.net, c.layer_names, c.file);
  const size_t n = c.bers.size();
  const int threads = std::max(1, std::min(options.threads, c.images));
  std::vector<Tally> per_image(size_t(c.images), Tally{n});
  std::atomic<int> next{0};
  ProgressLine progress(std::string("images (") + method_name(method) + ")", uint64_t(c.images), 0, options.progress);
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w)
    pool.emplace_back([&] { run_images(c, ln, method, options, layers, next, per_image, progress); });
  for (auto& th : pool) th.join();
  // Summed in image order: the result does not depend on the thread count.
  Tally t(n);
  for (const Tally& p : per_image) t.add(p);

  SweepResult r;
  r.method = method;
  r.config = c.file;
  r.network = c.infer.model;
  r.data_bits = c.infer.data_bits;
  r.target = c.target;
  for (int l : layers) r.layers.push_back(accel_layer_names(ln.net)[size_t(l)]);
  r.images = c.images;
  r.first_image = c.first_image;
  r.injections = method == Method::kModel ? 0 : c.injections;
  r.bits = FaultSpace(ln.net, c.target, layers, c.infer.accel.acc_bits).total_bits();
  r.golden_accuracy = double(t.golden_correct) / double(c.images);
  for (size_t b = 0; b < n; ++b) {
    SweepPoint p;
    p.ber = c.bers[b];
    p.expected_flips = p.ber * double(r.bits);
    if (method == Method::kModel) {
      const double a = t.p_correct[b] / c.images, u = t.p_unchanged[b] / c.images;
      p.accuracy = {a, a, a};
      p.unchanged = {u, u, u};
      if (options.plain_normal && has_plain_normal(c.target)) p.accuracy_normal = t.p_normal[b] / c.images;
    } else {
      p.trials = t.trials[b];
      p.accuracy = wilson(t.correct[b], t.trials[b]);
      p.unchanged = wilson(t.unchanged[b], t.trials[b]);
      if (method == Method::kSoftware) p.sdc = wilson(t.sdc[b], t.trials[b]);
    }
    r.points.push_back(p);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::json to_json(const SweepResult& r) {
  nlohmann::json points = nlohmann::json::array();
  for (const SweepPoint& p : r.points) {
    nlohmann::json j = {{"ber", p.ber},
                        {"expected_flips", p.expected_flips},
                        {"accuracy", p.accuracy.value},
                        {"ci_low", p.accuracy.low},
                        {"ci_high", p.accuracy.high},
                        {"unchanged", p.unchanged.value}};
    if (r.method != Method::kModel) {
      j["trials"] = p.trials;
      j["unchanged_ci"] = {p.unchanged.low, p.unchanged.high};
    }
    if (r.method == Method::kSoftware) {
      j["sdc"] = p.sdc.value;
      j["sdc_ci"] = {p.sdc.low, p.sdc.high};
    }
    if (p.accuracy_normal >= 0) j["accuracy_normal"] = p.accuracy_normal;
    points.push_back(j);
  }
  return {{"config", r.config},
          {"method", method_name(r.method)},
          {"network", r.network},
          {"data_bits", r.data_bits},
          {"target", fault_target_name(r.target)},
          {"layers", r.layers},
          {"images", r.images},
          {"first_image", r.first_image},
          {"injections", r.injections},
          {"bits", r.bits},
          {"golden_accuracy", r.golden_accuracy},
          {"seconds", r.seconds},
          {"points", points}};
}

}  // namespace flipsim::model
