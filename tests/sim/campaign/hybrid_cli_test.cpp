// The hybrid campaign engine end to end through the CLI: the same rows as the full-RTL engine (but for the cycles
// it simulated, far fewer), and a cross-check of every site class under every fault model with no mismatch.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "campaign_test_util.h"
#include "sim/campaign/result_store.h"
#include "tests/cli_run.h"

namespace flipsim {
namespace {

std::string fresh_db(const std::string& name) {
  const std::string db = test::temp_dir() + "/" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return db;
}

/// Every row as JSON without the cycles it took to simulate (in `row_cycles`, and their sum in `cycles`).
std::vector<nlohmann::json> rows_without_cycles(const std::string& db, uint64_t* cycles,
                                                std::vector<uint64_t>* row_cycles) {
  std::vector<nlohmann::json> out;
  *cycles = 0;
  for (const InjectionRecord& r : ResultStore(db).injections()) {
    nlohmann::json j = to_json(r);
    row_cycles->push_back(j["cycles_simulated"].get<uint64_t>());
    *cycles += row_cycles->back();
    j.erase("cycles_simulated");
    out.push_back(j);
  }
  return out;
}

/// One campaign run by the full-RTL engine and by the hybrid engine: the rows of each, without their cycles.
struct BothEngines {
  std::vector<nlohmann::json> full, hybrid;
  uint64_t full_cycles = 0, hybrid_cycles = 0;
  std::vector<uint64_t> full_row_cycles, hybrid_row_cycles;
};

/// `hybrid_options`: more options for the hybrid run.
void run_on_both_engines(const std::string& config, const std::string& name, BothEngines* out,
                         const std::string& hybrid_options = "") {
  const std::string full = fresh_db(name + "_full"), hybrid = fresh_db(name + "_hybrid");
  const test::CliRun a = test::run_flipsim("campaign " + config + " --db " + full + " --engine full --json");
  ASSERT_EQ(a.status, 0) << a.output;
  const test::CliRun b =
      test::run_flipsim("campaign " + config + " --db " + hybrid + " --engine hybrid --json " + hybrid_options);
  ASSERT_EQ(b.status, 0) << b.output;
  out->full = rows_without_cycles(full, &out->full_cycles, &out->full_row_cycles);
  out->hybrid = rows_without_cycles(hybrid, &out->hybrid_cycles, &out->hybrid_row_cycles);
}

TEST(HybridEngine, SameRowsAsTheFullRtlEngineInFewerCycles) {
  const std::string config = test::write_campaign(
      "hybrid_rows",
      "  images: 2\n  targets: {classes: [pe_weight, pe_act, pe_psum, pe_valid, array_edge, ctrl, ppu, host, abuf, "
      "wbuf, accbuf, obuf]}\n  fault: {model: flip}\n  injections: 48\n  seed: 11\n");
  BothEngines runs;
  ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "hybrid", &runs));
  ASSERT_EQ(runs.full.size(), 48u);
  for (size_t i = 0; i < runs.full.size(); ++i) EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
  EXPECT_LT(runs.hybrid_cycles * 4, runs.full_cycles)
      << "the hybrid engine simulated " << runs.hybrid_cycles << " cycles, the full " << runs.full_cycles;
}

// Upsets of the PE registers (one bit, two adjacent, or stuck for a number of cycles), of the array edges' data bits,
// of the controller's bias and column-sum lanes and the PPU's accumulator lanes, and of stored bits of every buffer
// run through the array's dataflow and the schedule's reads and writes without a cycle of RTL (register_engine.h):
// every row, masking stage and first differing op included, is the full RTL's.
TEST(HybridEngine, RegisterRouteGivesTheFullRtlRows) {
  struct Case {
    std::string targets, fault;
    int injections = 90;
    bool all_carried = true;  ///< every upset runs without RTL
  };
  const std::string pe = "classes: [pe_weight, pe_act, pe_psum], per_class: true";
  // The PPU's accumulator lanes hold live data in one cycle per pixel of the last K tile: more injections there.
  for (const Case& c : std::vector<Case>{{pe, "model: flip"},
                                         {pe, "model: multi_bit, bits: 2"},
                                         {"classes: [array_edge], pattern: \"array.skew*\", bits: [0, 7]", "model: flip"},
                                         {"classes: [array_edge], pattern: \"array.deskew*\", bits: [12, 31]", "model: flip"},
                                         {"classes: [abuf, wbuf, bbuf], per_class: true", "model: flip"},
                                         {"classes: [ctrl], pattern: \"ctrl.bias_q\"", "model: flip"},
                                         {"classes: [ctrl], pattern: \"ctrl.a_psum_q\"", "model: multi_bit, bits: 2"},
                                         {"classes: [ppu], pattern: \"ppu.acc_q\", bits: [8, 31]", "model: flip", 300},
                                         {"classes: [accbuf], pattern: \"accbuf[0:200]\"", "model: flip"},
                                         // Stuck-ats that end in their pass (those that outlive it take the RTL).
                                         {pe, "model: stuck_at_1, duration: 40", 90, false},
                                         {pe, "model: stuck_at_0, duration: 700", 90, false},
                                         {"classes: [ctrl], pattern: \"ctrl.bias_q\"", "model: stuck_at_1, duration: 300",
                                          90, false},
                                         {"classes: [ppu], pattern: \"ppu.acc_q\", bits: [8, 31]",
                                          "model: stuck_at_0, duration: 20", 300, false},
                                         // Permanent: forced in every pass, each on what earlier passes changed.
                                         {pe, "model: stuck_at_1, duration: 0", 60},
                                         {"classes: [ctrl], pattern: \"ctrl.bias_q\", bits: [0, 15]",
                                          "model: stuck_at_0, duration: 0", 30},
                                         {"classes: [ppu], pattern: \"ppu.acc_q\"", "model: stuck_at_1, duration: 0",
                                          30},
                                         {"classes: [obuf], pattern: \"obuf[0:1200]\"", "model: flip"},
                                         // Host bits nothing reads while the array is busy: no change at all.
                                         {"classes: [host], pattern: \"host.*cycles_q\"", "model: flip"},
                                         {"classes: [host], pattern: \"host.desc.*_base_q\", bits: [20, 31]",
                                          "model: flip"},
                                         // The shift's 6 bits steer the PPU (RTL windows), the 26 above them not.
                                         {"classes: [host], pattern: \"host.desc.rq_shift_q\"", "model: flip", 90,
                                          false}}) {
    SCOPED_TRACE(c.targets + ", " + c.fault);
    const std::string config = test::write_campaign(
        "hybrid_register_route", "  images: 2\n  first_image: 5000\n  targets: {" + c.targets + "}\n  fault: {" +
                                     c.fault + "}\n  injections: " + std::to_string(c.injections) + "\n  seed: 8\n");
    BothEngines runs;
    ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "register_route", &runs));
    ASSERT_EQ(runs.full.size(), size_t(c.injections));
    int changed = 0, reached = 0;
    for (size_t i = 0; i < runs.full.size(); ++i) {
      EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
      changed += runs.full[i]["outcome"] != "masked";
      reached += runs.full[i]["outcome"] != "masked" || runs.full[i]["masked_at"] != "array";
    }
    // LeNet-5's skew lanes carry few live activations (its first layer reads one channel), and most buffer words
    // hold nothing the pass reads: fewer changes there, but some must reach the PPU or the outputs.
    if (c.targets.find("host") == std::string::npos)
      EXPECT_GT(c.targets == pe ? changed : reached, c.targets == pe ? 5 : 0);
    if (c.all_carried) EXPECT_EQ(runs.hybrid_cycles, 0u);
    else EXPECT_LT(runs.hybrid_cycles * 2, runs.full_cycles) << "most of these upsets run without RTL";
  }
}

// A stuck-at long enough to outlive the pass it starts in: the fault must stay on the port into the next passes.
TEST(HybridEngine, LongStuckAtGivesTheSameRowsAsTheFullRtlEngine) {
  const std::string config = test::write_campaign(
      "hybrid_stuck", "  images: 2\n  targets: {classes: [pe_psum, pe_weight, ctrl, host, ppu], per_class: true}\n"
                      "  fault: {model: stuck_at_1, duration: 3000}\n  injections: 60\n  seed: 4\n");
  BothEngines runs;
  ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "stuck", &runs));
  ASSERT_EQ(runs.full.size(), 60u);
  for (size_t i = 0; i < runs.full.size(); ++i) EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
}

// A corrupted controller or descriptor keeps the RTL running, but not for ever: a busy DUT whose state but for its
// cycle counters repeats has hung (a write count that never comes: no need to wait for the watchdog), and a pass
// that ends, or a later pass that starts, with golden steering (the host has rewritten the descriptor; whatever
// data the faulty pass left in registers and read ports the next pass overwrites before it uses it) leaves the
// rest to the golden model on what it was given. The rows stay the full RTL's, in far fewer cycles than the
// fault's pass and the rest would take.
TEST(HybridEngine, ControlFaultsLeaveTheRtlEarlyWithTheFullRtlRows) {
  struct Case {
    std::string pattern, outcome;
    int early;  ///< windows at least this many of 24 end well before the run does (measured: 22, 13, 12 and 6)
  };
  // The requantizer's multiplier and a stride corrupt the pass's outputs; a corrupted weight-buffer base feeds the
  // pass wrong weights, so that every data register differs at its end too.
  for (const Case& c : {Case{"ctrl.wr_count_q", "hang", 16}, Case{"host.desc.stride_q", "sdc", 10},
                        Case{"host.desc.rq_mult_q", "sdc", 10}, Case{"host.desc.wbuf_base_q", "sdc", 4}}) {
    SCOPED_TRACE(c.pattern);
    const std::string config = test::write_campaign(
        "hybrid_control", "  images: 2\n  first_image: 5000\n  targets: {classes: [ctrl, host], pattern: \"" +
                              c.pattern + "\"}\n  fault: {model: flip}\n  injections: 24\n  seed: 5\n");
    BothEngines runs;
    ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "control", &runs));
    ASSERT_EQ(runs.full.size(), 24u);
    int early = 0;
    for (size_t i = 0; i < runs.full.size(); ++i) {
      EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
      // The full engine simulates the whole run up to the hang's watchdog or the last pass; the hybrid engine's
      // window starts at most a checkpoint interval before the fault.
      const uint64_t after_fault = runs.full_row_cycles[i] - runs.full[i]["cycle"].get<uint64_t>();
      early += runs.full[i]["outcome"].get<std::string>().rfind(c.outcome, 0) == 0 &&
               runs.hybrid_row_cycles[i] * 2 < after_fault;
    }
    // Undone, the stall check leaves no hang early and the pass-start check no stride row; with every data bit
    // compared (the state layout's calibration skipped) 8 stride, 6 multiplier and no weight-base rows end early.
    EXPECT_GE(early, c.early) << "windows that ended well before the run did";
  }
}

// A campaign worker keeps the checkpoints of its last two images (campaign_runner.cpp) and records the next
// image's into the memory of the oldest: one worker meeting the RTL windows of five images records three of them
// into recycled memory, and every row is the full RTL's.
TEST(HybridEngine, CheckpointsRecordedIntoRecycledMemoryGiveTheFullRtlRows) {
  const std::string config = test::write_campaign(
      "hybrid_recycled", "  images: 5\n  first_image: 5000\n  targets: {classes: [ctrl, pe_valid, host]}\n"
                         "  fault: {model: flip}\n  injections: 40\n  seed: 3\n");
  BothEngines runs;
  ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "recycled", &runs, "--workers 1"));
  ASSERT_EQ(runs.full.size(), 40u);
  std::set<int> windowed_images;
  for (size_t i = 0; i < runs.full.size(); ++i) {
    EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
    if (runs.hybrid_row_cycles[i] > 0) windowed_images.insert(runs.hybrid[i]["image"].get<int>());
  }
  EXPECT_GE(windowed_images.size(), 3u) << "images whose checkpoints an RTL window started from";
}

// Flips of the bounds the controller counts tiles and pixels against (the descriptor's in_cb, kernel_h, kernel_w,
// m_count and n_tiles) and of its tile, loading and pixel counters: a pass left more to walk than fits before the
// watchdog hangs without a cycle of RTL (hang_proof.h; an RTL window would run to the watchdog, its counters
// counting). Every row is the full RTL's, the hangs' among them.
TEST(HybridEngine, LoopBoundHangsNeedNoRtlAndGiveTheFullRtlRows) {
  int proven = 0, hangs = 0;
  for (const char* pattern : {"host.desc.in_cb_q[0:15]", "host.desc.kernel_h_q[0:15]", "host.desc.kernel_w_q[0:15]",
                              "host.desc.m_count_q", "host.desc.n_tiles_q[0:15]", "ctrl.nt_q", "ctrl.kt_q", "ctrl.wl_q",
                              "ctrl.m_in_q"}) {
    SCOPED_TRACE(pattern);
    const std::string config = test::write_campaign(
        "hybrid_loops", std::string("  images: 1\n  first_image: 5000\n  targets: {classes: [ctrl, host], "
                                    "pattern: \"") +
                            pattern + "\"}\n  fault: {model: flip}\n  injections: 12\n  seed: 9\n");
    BothEngines runs;
    ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "loops", &runs));
    ASSERT_EQ(runs.full.size(), 12u);
    for (size_t i = 0; i < runs.full.size(); ++i) {
      EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
      const bool hang = runs.full[i]["outcome"] == "hang";
      hangs += hang;
      proven += hang && runs.hybrid_row_cycles[i] == 0;
    }
  }
  // Measured: 69 of 74 hangs proven (the rest, flips it cannot bound, run on RTL windows).
  EXPECT_GE(proven, 55) << "of " << hangs << " hangs";
}

// Bit-error rates run on the architectural model, not a cycle of RTL: the rows must still be the full RTL's,
// with many flips in the words the passes read (most rows not masked) and in every buffer.
TEST(HybridEngine, BitErrorRatesOnTheArchitecturalModelGiveTheFullRtlRows) {
  // Then protectable designs: one clipping its activations (its PE copies cannot see an SRAM flip), and codes that
  // correct, detect, zero and recompute, on every buffer (the model decodes as the RTL; the decoders' flags come
  // from the words each pass reads, partial sums included).
  const std::string protectable = "  accelerator: " FLIPSIM_SOURCE_DIR "/configs/accel/protectable_8x8.yaml\n";
  const std::string clipping = protectable + "  protection: {pe_psum: tmr, clip_activations: true}\n";
  const std::string recompute = protectable + "  protection: {abuf: parity, wbuf: secded, bbuf: secded, accbuf: secded,"
                                              " obuf: parity, on_detect: recompute}\n";
  const std::string zero = protectable + "  protection: {abuf: secded, wbuf: parity, bbuf: parity, accbuf: parity,"
                                         " on_detect: zero, clip_activations: true}\n";
  const std::string flag = protectable + "  protection: {abuf: secded, wbuf: secded, bbuf: parity, accbuf: secded}\n";
  const std::string all = "[abuf, wbuf, bbuf, accbuf, obuf]";
  for (const auto& [buffers, accel] : std::vector<std::pair<std::string, std::string>>{
           {all, ""}, {"[wbuf]", ""}, {"[abuf]", ""}, {"[bbuf]", ""}, {"[abuf, wbuf, bbuf]", clipping},
           {all, recompute}, {all, zero}, {all, flag}}) {
    SCOPED_TRACE(buffers + accel);
    const std::string config = test::write_campaign(
        "hybrid_ber", accel + "  images: 3\n  targets: {classes: " + buffers +
                          "}\n  fault: {model: sram_ber, ber: 2.0e-4}\n  injections: 16\n  seed: 5\n");
    BothEngines runs;
    ASSERT_NO_FATAL_FAILURE(run_on_both_engines(config, "ber", &runs));
    ASSERT_EQ(runs.full.size(), 16u);
    size_t corrupted = 0, protection_acted = 0;
    for (size_t i = 0; i < runs.full.size(); ++i) {
      EXPECT_EQ(runs.full[i], runs.hybrid[i]) << "row " << i;
      corrupted += runs.full[i]["outcome"] != "masked" || runs.full[i]["masked_at"] != "array";
      protection_acted += runs.full[i]["outcome"] == "detected" || runs.full[i]["outcome"] == "corrected";
    }
    EXPECT_GT(corrupted, 4u) << "too few flips reached a result for the comparison to mean anything";
    if (accel == recompute || accel == flag) EXPECT_GT(protection_acted, 4u) << "the codes must have acted";
    EXPECT_EQ(runs.hybrid_cycles, 0u);
  }
}

TEST(HybridEngine, CrosscheckCoversEveryClassAndModelWithoutMismatch) {
  const std::string config = test::write_campaign(
      "hybrid_crosscheck", "  images: 2\n  fault: {model: flip}\n  injections: 2\n  seed: 3\n  workers: 2\n");
  const test::CliRun r =
      test::run_flipsim("campaign " + config + " --db " + fresh_db("hybrid_crosscheck") + " --crosscheck 1 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json c = nlohmann::json::parse(r.output.substr(r.output.find('{')))["crosscheck"];
  EXPECT_EQ(c["mismatches"].get<uint64_t>(), 0u) << c["mismatch_details"].dump(2);
  EXPECT_EQ(c["injections"].get<uint64_t>(), c["cases"].size());
  EXPECT_GT(c["hybrid_ran"].get<uint64_t>(), c["injections"].get<uint64_t>() / 2);
  // Every flip-flop class under a flip, every buffer under an SRAM flip, and the bit-error rate.
  const std::string cases = c["cases"].dump();
  for (const char* label : {"flip/pe_weight", "flip/pe_act", "flip/pe_psum", "flip/pe_valid", "flip/array_edge",
                            "flip/ctrl", "flip/ppu", "flip/host", "sram_flip/abuf", "sram_flip/wbuf",
                            "sram_flip/bbuf", "sram_flip/accbuf", "sram_flip/obuf", "multi_bit/pe_psum",
                            "stuck_at_0(64 cycles)/ctrl", "stuck_at_0(4096 cycles)/pe_psum", "stuck_at_1(permanent)/pe_weight", "sram_ber/all buffers",
                            "sram_ber(1e-4)/wbuf", "sram_ber(1e-4)/abuf", "sram_ber(1e-4)/bbuf"})
    EXPECT_NE(cases.find(label), std::string::npos) << label << " not in " << cases;
}

// A protectable design under every kind of protection at once (codes that correct and that only detect, copies
// that vote and that compare, a recompute on detection, clipping): the hybrid engine's outcomes, including
// `detected` and `corrected`, equal the full RTL's for every class and fault model.
TEST(HybridEngine, CrosscheckHoldsOnAProtectedDesign) {
  const std::string config = test::write_campaign(
      "hybrid_crosscheck_protected",
      "  accelerator: " FLIPSIM_SOURCE_DIR "/configs/accel/protectable_8x8.yaml\n"
      "  protection: {abuf: parity, wbuf: secded, bbuf: secded, accbuf: secded, obuf: parity, pe_weight: tmr,\n"
      "               pe_act: dmr, pe_psum: tmr_upper, pe_valid: tmr, ctrl: dmr, host: tmr, on_detect: recompute,\n"
      "               clip_activations: true}\n"
      "  images: 2\n  fault: {model: flip}\n  injections: 2\n  seed: 4\n  workers: 2\n");
  const test::CliRun r = test::run_flipsim("campaign " + config + " --db " + fresh_db("hybrid_crosscheck_protected") +
                                           " --crosscheck 1 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json c = nlohmann::json::parse(r.output.substr(r.output.find('{')))["crosscheck"];
  EXPECT_EQ(c["mismatches"].get<uint64_t>(), 0u) << c["mismatch_details"].dump(2);
  EXPECT_GT(c["hybrid_ran"].get<uint64_t>(), c["injections"].get<uint64_t>() / 2);
  // The hybrid engine's windows saw the protection act (a vote, a code, a recompute).
  EXPECT_GT(c["hybrid_ran_outcomes"].value("corrected", uint64_t(0)), 0u) << c["hybrid_ran_outcomes"].dump();
}

}  // namespace
}  // namespace flipsim

namespace flipsim {
namespace {

TEST(BenchCampaign, JsonHasTheDocumentedKeysAndMeasuredRates) {
  const test::CliRun r = test::run_flipsim("bench campaign --full 2 --hybrid 12 --crosscheck 0 --repeat 2 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  for (const char* key : {"full_rtl_inj_per_s", "hybrid_inj_per_s", "software_inj_per_s", "speedup_hybrid_vs_full",
                          "worker_scaling"})
    EXPECT_GT(j.at(key).get<double>(), 0) << key;
  EXPECT_EQ(j.at("crosscheck_injections").get<uint64_t>(), 0u);
  EXPECT_EQ(j.at("crosscheck_mismatches").get<uint64_t>(), 0u);
  EXPECT_NEAR(j["speedup_hybrid_vs_full"].get<double>(),
              j["hybrid_inj_per_s"].get<double>() / j["full_rtl_inj_per_s"].get<double>(), 1e-9);
  // Two alternated pairs: the reported scaling is the median (here the mean) of the two pairs' ratios.
  const auto runs = j.at("worker_scaling_runs").get<std::vector<double>>();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_NEAR(j["worker_scaling"].get<double>(), (runs[0] + runs[1]) / 2, 1e-9);
}

}  // namespace
}  // namespace flipsim
