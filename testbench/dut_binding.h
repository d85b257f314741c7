// Binds a Verilated fs_top (a --cc model, any variant) to the DutSignals. Verilator's own SystemC wrapper (--sc)
// evaluated the model at both clock edges and at every input change, copying all inputs into the model each time,
// the 219- and 96-bit sc_bv fault ports included; this binding evaluates it at the rising edge and when an input
// changes, and converts a fault port only when it changed. Its outputs and its state are the --sc model's at
// every moment the testbench can see them (BENCHMARKS.md, "RTL simulation speed").
#pragma once

#include <verilated.h>
#include <verilated_fst_sc.h>

#include <systemc>
#include <string>

#include "testbench/dut.h"
#include "testbench/verilated_memory.h"

namespace flipsim {

template <class Model>
class DutBinding final : public sc_core::sc_module, public DutModel {
 public:
  DutBinding(sc_core::sc_module_name name, DutSignals& signals) : sc_module(name), s_(signals), model_(this->name()) {
    SC_HAS_PROCESS(DutBinding);
    copy_host_inputs();
    copy_bits(s_.ff_fault.read(), model_.ff_fault_i);
    copy_bits(s_.sram_fault.read(), model_.sram_fault_i);
    model_.clk_i = 0;
    // fs_top resets asynchronously and its host_req_ready_o follows host_req_addr_i within the cycle, so the
    // model evaluates whenever an input changes, not only at the clock edge.
    SC_METHOD(evaluate);
    sensitive << s_.clk.posedge_event() << s_.rst_n << s_.req_valid << s_.req_write << s_.req_addr << s_.req_wdata
              << s_.ff_fault << s_.sram_fault;
    SC_METHOD(trace_falling_edge);
  }

  void trace(VerilatedFstSc* tracer, int levels) override {
    model_.trace(tracer, levels);
    tracer_ = tracer;
    tracing_.notify(sc_core::SC_ZERO_TIME);
  }
  void final() override { model_.final(); }
  void save(std::string* bytes) override {
    // Saved states are taken after a falling edge: serialize the model as having seen it, whether or not a
    // waveform made it evaluate there, so that equal states compare equal.
    fall();
    MemorySerialize out(bytes);
    out << model_;
  }
  void restore(const std::string& bytes) override {
    MemoryDeserialize in(bytes);
    in >> model_;
  }

 private:
  /// Lets the model see the clock low. The model learns of a falling edge only when it evaluates the next rising
  /// one, which saves an evaluation and a process activation per cycle: fs_top has no falling-edge logic, so its
  /// registers and outputs are the same either way.
  void fall() {
    if (!model_.clk_i) return;
    model_.clk_i = 0;
    model_.eval();
  }

  void evaluate() {
    const bool rising = s_.clk.posedge();
    // The falling edge first, with the inputs of before this rising edge: Verilator's wrapper saw it that way.
    if (rising) fall();
    copy_host_inputs();
    if (s_.ff_fault.event()) copy_bits(s_.ff_fault.read(), model_.ff_fault_i);
    if (s_.sram_fault.event()) copy_bits(s_.sram_fault.read(), model_.sram_fault_i);
    if (rising) model_.clk_i = 1;
    model_.eval();
    // Only this process writes the outputs: a signal takes one writer. fall() changes none of them.
    s_.req_ready.write(model_.host_req_ready_o);
    s_.resp_valid.write(model_.host_resp_valid_o);
    s_.resp_rdata.write(model_.host_resp_rdata_o);
    s_.busy.write(model_.busy_o);
  }

  /// A waveform shows the clock falling: while one is open, the model evaluates at the falling edge too.
  void trace_falling_edge() {
    // Also woken once when tracing starts, with the clock possibly high.
    if (tracer_ && tracer_->isOpen() && s_.clk.negedge()) fall();
    next_trigger(tracer_ ? s_.clk.negedge_event() : tracing_);
  }

  void copy_host_inputs() {
    model_.rst_ni = s_.rst_n.read();
    model_.host_req_valid_i = s_.req_valid.read();
    model_.host_req_write_i = s_.req_write.read();
    model_.host_req_addr_i = s_.req_addr.read();
    model_.host_req_wdata_i = s_.req_wdata.read();
  }

  template <int Bits, std::size_t Words>
  static void copy_bits(const sc_dt::sc_bv<Bits>& from, VlWide<Words>& to) {
    static_assert(Words == (Bits + 31) / 32, "the model's port and the signal differ in width");
    for (std::size_t i = 0; i < Words; ++i) to[i] = from.get_word(int(i));
  }

  DutSignals& s_;
  Model model_;
  VerilatedFstC* tracer_ = nullptr;
  sc_core::sc_event tracing_;
};

}  // namespace flipsim
