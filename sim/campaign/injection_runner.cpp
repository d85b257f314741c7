#include "sim/campaign/injection_runner.h"

#include <random>
#include <stdexcept>

#include "model/common/config_error.h"
#include "model/accel/golden.h"
#include "sim/campaign/outcome.h"
#include "model/nn/float_graph.h"
#include "model/nn/onnx_import.h"
#include "model/nn/quantize.h"
#include "testbench/harness.h"

namespace flipsim {

std::unique_ptr<CampaignSetup> load_campaign_setup(const std::string& config_path) {
  auto setup = std::make_unique<CampaignSetup>();
  setup->config = load_campaign_config(config_path);
  const nn::InferConfig& net = setup->config.network;
  const nn::FloatGraph graph = nn::import_onnx_file(net.model);
  const nn::ImageSet train = nn::load_fashion_mnist(net.dataset_dir, nn::Split::kTrain, size_t(net.calibration_images));
  setup->test = nn::load_fashion_mnist(net.dataset_dir, nn::Split::kTest);
  setup->net = nn::quantize_network(graph, train, size_t(net.calibration_images), {net.data_bits, net.accel.acc_bits});
  for (int image : setup->config.images)
    if (size_t(image) >= setup->test.size())
      throw ConfigError(config_path + ": campaign.images: image " + std::to_string(image) + " is beyond the " +
                        std::to_string(setup->test.size()) + " test images");
  setup->map = std::make_unique<SiteMap>(net.accel);
  setup->space = std::make_unique<TargetSpace>(*setup->map, setup->config);
  return setup;
}

namespace {

AccelConfig with_watchdog(AccelConfig c, uint64_t cycles) {
  if (cycles) c.watchdog_cycles = cycles;
  return c;
}

}  // namespace

InjectionRunner::InjectionRunner(const CampaignSetup& setup, uint64_t watchdog_cycles, const RtlOptions& rtl)
    : setup_(setup),
      engine_(with_watchdog(setup.config.network.accel, watchdog_cycles), rtl),
      ppu_(setup.config.network.accel.cols, setup.config.network.accel.acc_bits) {
  if (!ppu_.available()) throw std::runtime_error("the RTL build has no PPU observation taps (fs_ppu obs_*)");
}

const std::vector<FeatureMap>& InjectionRunner::golden(int image) {
  auto it = golden_.find(image);
  if (it == golden_.end()) {
    GoldenEngine engine(setup_.config.network.accel);
    it = golden_.emplace(image, setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine))
             .first;
  }
  return it->second;
}

Timeline InjectionRunner::probe() {
  const int image = setup_.config.images.front();
  engine_.harness().reset();
  engine_.harness().scrub();
  engine_.reset_pass_count();
  const auto values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine_);
  if (!(values[setup_.net.output_value] == golden(image)[setup_.net.output_value]))
    throw std::runtime_error("fault-free RTL run of test image " + std::to_string(image) +
                             " differs from the golden model: the RTL is not bit-exact");
  Timeline t;
  t.pass_cycles = engine_.pass_cycles();
  t.pass_layer = engine_.pass_layers();
  return t;
}

void InjectionRunner::run_fault_free(int image) {
  engine_.harness().reset();
  engine_.harness().scrub();
  engine_.reset_pass_count();
  setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine_);
}

void InjectionRunner::arm(const Injection& inj, int pass, PassStage stage, HostPort& port, int& flips) {
  FaultInjector& injector = engine_.harness().injector();
  const SiteMap& map = *setup_.map;
  switch (inj.model) {
    case FaultModel::kSramBer: {
      if (stage != PassStage::kLoaded) return;
      // Every stored bit of the selected buffers flips with probability ber, drawn afresh for each pass.
      std::mt19937_64 rng(inj.stream + uint64_t(pass));
      std::vector<SramFault> faults;
      for (Buffer b : setup_.space->buffers()) {
        const uint64_t bits = uint64_t(map.depth(b)) * map.lanes(b) * map.lane_bits(b);
        const uint64_t k = std::binomial_distribution<uint64_t>(bits, setup_.config.ber)(rng);
        for (uint64_t i = 0; i < k; ++i) {
          const uint64_t at = std::uniform_int_distribution<uint64_t>(0, bits - 1)(rng);
          const uint64_t lane_bits = uint64_t(map.lane_bits(b));
          faults.push_back(SramFault{int(b), uint32_t(at / (lane_bits * map.lanes(b))),
                                     int((at / lane_bits) % map.lanes(b)), uint64_t(1) << (at % lane_bits)});
        }
      }
      flips += int(faults.size());
      if (!faults.empty()) {
        injector.schedule_sram(faults, 0);
        port.clock(faults.size() + 1);
      }
      return;
    }
    case FaultModel::kFlip:
    case FaultModel::kMultiBit:
    case FaultModel::kSramFlip:
    case FaultModel::kStuckAt0:
    case FaultModel::kStuckAt1: break;
  }
  const bool permanent = inj.hold == 0;
  const PassStage when = permanent ? PassStage::kBegin : PassStage::kStarted;
  if (pass != inj.pass || stage != when) return;
  flips += __builtin_popcountll(inj.mask);
  if (inj.site.sram) {
    injector.schedule_sram({SramFault{int(inj.site.buffer), uint32_t(inj.site.word), inj.site.lane, inj.mask}},
                           inj.offset);
    return;
  }
  FfFault f;
  f.group = map.ff_groups()[inj.site.ff_group].group;
  if (inj.model == FaultModel::kStuckAt0 || inj.model == FaultModel::kStuckAt1) {
    f.force_mask = inj.mask;
    f.force_value = inj.model == FaultModel::kStuckAt1 ? inj.mask : 0;
  } else {
    f.flip_mask = inj.mask;
  }
  injector.schedule_ff(f, permanent ? 0 : inj.offset, inj.hold);
}

InjectionRecord InjectionRunner::run(const Injection& inj) {
  const SiteMap& map = *setup_.map;
  InjectionRecord r;
  r.id = inj.id;
  r.image = inj.image;
  r.label = setup_.test.labels[size_t(inj.image)];
  r.fault_model = fault_model_name(inj.model);
  r.pass = inj.pass;
  r.cycle = inj.cycle;
  r.mask = inj.mask;
  if (inj.has_site) {
    r.site_id = int64_t(inj.site.id);
    r.site = map.name(inj.site);
    r.site_class = site_class_name(inj.site.cls);
    r.row = inj.site.row;
    r.col = inj.site.col;
    r.bit = inj.site.bit;
  } else {
    r.site = "sram_ber";
    r.site_class = "sram_ber";
  }

  Harness& harness = engine_.harness();
  harness.reset();
  harness.scrub();
  engine_.reset_pass_count();
  int flips = 0;
  // From the pass the fault starts in, record every row the PPU requantizes (masking analysis).
  const int first_observed = inj.hold == 0 || inj.model == FaultModel::kSramBer ? 0 : inj.pass;
  int current_pass = -1;
  ObservedRows observed;
  engine_.set_pass_hook([&](int pass, PassStage stage, HostPort& port) {
    arm(inj, pass, stage, port, flips);
    if (stage == PassStage::kBegin) current_pass = pass;
    if (stage == PassStage::kBegin && pass == first_observed)
      harness.monitor().set_cycle_callback([&] {
        if (ppu_.valid()) observed[{current_pass, ppu_.addr()}] = ppu_.acc();
      });
  });
  const uint64_t start = harness.cycle();
  std::vector<FeatureMap> values;
  bool hung = false;
  try {
    values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(inj.image))), engine_);
  } catch (const HangError&) {
    hung = true;
  }
  harness.injector().clear();
  harness.monitor().set_cycle_callback({});
  engine_.set_pass_hook({});
  r.cycles_simulated = harness.cycle() - start;
  r.flips = flips;
  const auto& layers = engine_.pass_layers();
  r.layer = inj.pass < int(layers.size()) ? layers[size_t(inj.pass)] : "";
  const Classification c =
      classify(setup_.net, golden(inj.image), hung ? nullptr : &values, layers.empty() ? "" : layers.back());
  r.outcome = c.outcome;
  r.masked_at = c.masked_at == MaskingStage::kInsideAccelerator
                    ? accelerator_masking_stage(setup_.net, golden(inj.image), setup_.config.network.accel, observed)
                    : c.masked_at;
  r.first_diff = c.first_diff;
  r.max_logit_dev = c.max_logit_dev;
  r.golden_top1 = c.golden_top1;
  r.faulty_top1 = c.faulty_top1;
  return r;
}

}  // namespace flipsim
