// LeNet-size convolutions on the same RTL verilated without SystemC, clocked by a plain C++ loop: the
// baseline that shows what the SystemC harness costs.
#include <iostream>
#include <memory>
#include <string>

#include "Vplain_16x16.h"
#include "Vplain_8x8.h"
#include "Vplain_8x8_noport.h"
#include "bench_layer.h"
#include "testbench/layer_driver.h"

namespace flipsim::bench {

template <class Model>
class PlainPort : public HostPort {
 public:
  explicit PlainPort(Model& model) : m_(model) {}

  void write(uint32_t address, uint64_t data) override { request(address, data, true); }
  uint64_t read(uint32_t address) override {
    request(address, 0, false);
    return m_.host_resp_rdata_o;
  }
  bool wait_idle(uint64_t max_cycles) override {
    tick();
    for (uint64_t i = 0; i < max_cycles && m_.busy_o; ++i) tick();
    return !m_.busy_o;
  }
  void clock(uint64_t cycles) override {
    for (uint64_t i = 0; i < cycles; ++i) tick();
  }
  void set_reset(bool asserted) override {
    m_.rst_ni = !asserted;
    m_.eval();
  }

 private:
  void tick() {
    m_.clk_i = 1;
    m_.eval();
    m_.clk_i = 0;
    m_.eval();
  }
  void request(uint32_t address, uint64_t data, bool write) {
    m_.host_req_addr_i = address;
    m_.host_req_wdata_i = data;
    m_.host_req_write_i = write;
    m_.host_req_valid_i = 1;
    m_.eval();
    bool accepted = false;
    while (!accepted) {
      accepted = m_.host_req_ready_o;
      tick();
    }
    m_.host_req_valid_i = 0;
    m_.eval();
  }
  Model& m_;
};

template <class Model>
nlohmann::json run(const AccelConfig& config, int repeats) {
  Model model;
  PlainPort<Model> port(model);
  port.set_reset(true);
  port.clock(3);
  port.set_reset(false);
  return measure("plain", config, repeats, [&](const FeatureMap& in, const ConvLayer& layer) {
    const LayerPlan plan = plan_layer(in.height, in.width, layer, config);
    FeatureMap out(plan.out_h, plan.out_w, layer.out_channels);
    uint64_t cycles = 0;
    for (const LayerPass& pass : plan.passes) {
      const PassResult r = run_pass(port, in, layer, plan, pass, config);
      cycles += r.cycles;
      scatter_obuf(r.obuf, plan, pass, config, out);
    }
    return std::make_pair(out, cycles);
  });
}

}  // namespace flipsim::bench

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 4 && std::string(argv[3]) == "--no-fault-port")) {
    std::cerr << "usage: bench_layer_plain ACCEL.yaml REPEATS [--no-fault-port]\n";
    return 2;
  }
  const bool no_port = argc == 4;
  const flipsim::AccelConfig config = flipsim::load_accel_config(argv[1]);
  const int repeats = std::stoi(argv[2]);
  nlohmann::json result;
  if (config.rows == 8 && config.cols == 8 && config.data_bits == 8 && no_port) {
    result = flipsim::bench::run<Vplain_8x8_noport>(config, repeats);
    result["driver"] = "plain, no fault port";
  } else if (no_port) {
    std::cerr << "bench_layer_plain: the build without fault port is configs/accel/default.yaml only\n";
    return 2;
  } else if (config.rows == 8 && config.cols == 8 && config.data_bits == 8) {
    result = flipsim::bench::run<Vplain_8x8>(config, repeats);
  } else if (config.rows == 16 && config.cols == 16 && config.data_bits == 8) {
    result = flipsim::bench::run<Vplain_16x16>(config, repeats);
  } else {
    std::cerr << "bench_layer_plain: built for configs/accel/default.yaml and bench_16x16.yaml only\n";
    return 2;
  }
  std::cout << result.dump() << "\n";
  return result["mismatches"] == 0 ? 0 : 1;
}
