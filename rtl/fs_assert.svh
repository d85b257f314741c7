// Assertion macros after lowRISC's prim_assert: one line per property, named, and compiled only where they are
// checked. The Verilated test and campaign builds define FS_ASSERT_ON and pass --assert (sim/CMakeLists.txt),
// so a violated property stops the simulation with its name and text; other tools see nothing.
`ifndef FS_ASSERT_SVH
`define FS_ASSERT_SVH

// Elaboration-time check of parameters, in every build: a generate block that stops elaboration with $fatal.
// (Verilator reports $fatal at elaboration as USERFATAL: the build passes -Werror-USERFATAL so that -Wno-fatal
// does not turn it into a warning.)
`define FS_ASSERT_STATIC(NAME, COND) \
  if (!(COND)) begin : NAME \
    $fatal(1, "static assertion %s failed: %s", `"NAME`", `"COND`"); \
  end

`ifdef FS_ASSERT_ON

// Declares assert_en, which gates every FS_ASSERT of the module: off during reset and the first edge after it,
// and off from the first injected fault until the next reset. An injected fault is by design an excursion from
// the invariants these assertions state (an illegal FSM state, a response without a request); they describe the
// fault-free design. assert_*_q are verification-only registers: they are not fs_ff instances, so they are no
// fault sites and the site map never lists them.
`define FS_ASSERT_ENABLE(FAULT_VALID) \
  logic assert_live_q, assert_fault_q, assert_en; \
  always_ff @(posedge clk_i or negedge rst_ni) begin \
    if (!rst_ni) begin \
      assert_live_q  <= 1'b0; \
      assert_fault_q <= 1'b0; \
    end else begin \
      assert_live_q  <= 1'b1; \
      assert_fault_q <= assert_fault_q || (FAULT_VALID); \
    end \
  end \
  assign assert_en = assert_live_q && !assert_fault_q && !(FAULT_VALID);

// A concurrent property checked at every rising edge of clk_i while assert_en is high.
`define FS_ASSERT(NAME, PROP) \
  NAME: assert property (@(posedge clk_i) disable iff (!assert_en) (PROP)) \
    else $error("assertion %s failed: %s", `"NAME`", `"PROP`");

`else
`define FS_ASSERT_ENABLE(FAULT_VALID)
`define FS_ASSERT(NAME, PROP)
`endif

`endif
