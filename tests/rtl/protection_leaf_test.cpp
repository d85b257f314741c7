// Leaf tests of the protection circuits, on plain (non-SystemC) Verilated models of two test-only wrappers:
// ecc_pair.sv (fs_ecc_encode -> codeword upset by a flip mask -> fs_ecc_decode) and ff_redundant_wrap.sv
// (fs_ff_redundant with its fault port split into fields). The codes are checked exhaustively at width 8 and on
// seeded samples at 16 and 32; the redundant register cycle by cycle, at widths 8 and 1.
#include <gtest/gtest.h>
#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "Vecc_pair16.h"
#include "Vecc_pair32.h"
#include "Vecc_pair8.h"
#include "Vff_redundant_wrap1.h"
#include "Vff_redundant_wrap8.h"
#include "model/accel/buffer_code.h"
#include "rtl/fs_pkg.h"

namespace flipsim {
namespace {

using fs_pkg::code_e;
using fs_pkg::redund_e;

uint64_t low_mask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// A Verilated model with its own context, finalized on destruction.
template <class Model>
class Dut {
 public:
  Dut() : context_(std::make_unique<VerilatedContext>()), model_(std::make_unique<Model>(context_.get(), "dut")) {}
  ~Dut() { model_->final(); }
  Model& operator*() { return *model_; }
  Model* operator->() { return model_.get(); }

 private:
  std::unique_ptr<VerilatedContext> context_;  // declared first: the model refers to it until destroyed
  std::unique_ptr<Model> model_;
};

// ---------------------------------------------------------------------------------------------------------------
// Codes (ecc_pair.sv). The codeword the flips act on is {check, data}: bits [Width-1:0] are data.

struct Decoded {
  uint64_t data;
  bool detected;
  bool corrected;
};

// Check widths written out here rather than computed, so that a wrong fs_ecc_pkg::check_bits shows up as a
// model that does not match the table (the flip mask would be too short or too long for the port).
template <class Model, int W, int C>
class EccPair {
 public:
  static constexpr int kWidth = W;
  static constexpr int kCheckWidth = C;
  static constexpr int kCodeBits = W + C;

  // The check bits the encoder stores for `data`.
  uint64_t check(code_e code, uint64_t data) {
    drive(code, false, data, 0);
    return dut_->check_o;
  }

  Decoded decode(code_e code, bool zero_on_detect, uint64_t data, uint64_t flip) {
    drive(code, zero_on_detect, data, flip);
    return {dut_->data_o, dut_->detected_o != 0, dut_->corrected_o != 0};
  }

 private:
  void drive(code_e code, bool zero_on_detect, uint64_t data, uint64_t flip) {
    static_assert(8 * sizeof(dut_->flip_i) >= kCodeBits, "flip port narrower than the codeword");
    dut_->code_i = code;
    dut_->zero_on_detect_i = zero_on_detect;
    dut_->data_i = static_cast<std::decay_t<decltype(dut_->data_i)>>(data);
    dut_->flip_i = static_cast<std::decay_t<decltype(dut_->flip_i)>>(flip);
    dut_->eval();
  }

  Dut<Model> dut_;
};

using EccPair8 = EccPair<Vecc_pair8, 8, 5>;
using EccPair16 = EccPair<Vecc_pair16, 16, 6>;
using EccPair32 = EccPair<Vecc_pair32, 32, 7>;

std::string describe(uint64_t data, uint64_t flip, bool zero_on_detect) {
  char text[96];
  std::snprintf(text, sizeof text, "data 0x%llx flip 0x%llx zero_on_detect %d", static_cast<unsigned long long>(data),
                static_cast<unsigned long long>(flip), zero_on_detect ? 1 : 0);
  return text;
}

// SECDED on one data value, under both settings of zero_on_detect. ASSERT: the first failure names its case; a
// broken circuit would repeat it thousands of times.
template <class Pair>
void check_unflipped(Pair& pair, uint64_t data) {
  for (bool zero : {false, true}) {
    Decoded d = pair.decode(fs_pkg::CodeSecded, zero, data, 0);
    ASSERT_EQ(d.data, data) << describe(data, 0, zero);
    ASSERT_FALSE(d.detected) << describe(data, 0, zero);
    ASSERT_FALSE(d.corrected) << describe(data, 0, zero);
  }
}

// Every single flip, in data or check bits, gives the data back flagged as corrected (never zeroed).
template <class Pair>
void check_single_flips(Pair& pair, uint64_t data) {
  for (bool zero : {false, true}) {
    for (int bit = 0; bit < Pair::kCodeBits; ++bit) {
      uint64_t flip = uint64_t{1} << bit;
      Decoded d = pair.decode(fs_pkg::CodeSecded, zero, data, flip);
      ASSERT_EQ(d.data, data) << describe(data, flip, zero);
      ASSERT_TRUE(d.corrected) << describe(data, flip, zero);
      ASSERT_FALSE(d.detected) << describe(data, flip, zero);
    }
  }
}

// Each flip pair is detected, not corrected, and reads as zero under zero_on_detect.
template <class Pair>
void check_double_flips(Pair& pair, uint64_t data, const std::vector<std::pair<int, int>>& pairs) {
  for (bool zero : {false, true}) {
    for (auto [a, b] : pairs) {
      uint64_t flip = (uint64_t{1} << a) | (uint64_t{1} << b);
      Decoded d = pair.decode(fs_pkg::CodeSecded, zero, data, flip);
      ASSERT_TRUE(d.detected) << describe(data, flip, zero);
      ASSERT_FALSE(d.corrected) << describe(data, flip, zero);
      if (zero) {
        ASSERT_EQ(d.data, 0u) << describe(data, flip, zero);
      }
    }
  }
}

std::vector<std::pair<int, int>> all_pairs(int bits) {
  std::vector<std::pair<int, int>> pairs;
  for (int a = 0; a < bits; ++a)
    for (int b = a + 1; b < bits; ++b) pairs.emplace_back(a, b);
  return pairs;
}

TEST(Secded, StoresAllCheckBitsWithEvenCodewordParity) {
  // The overall bit makes every codeword's parity even; and the Hamming bits are not all stuck at zero.
  EccPair8 pair;
  uint64_t seen = 0;
  for (uint64_t data = 0; data < 256; ++data) {
    uint64_t check = pair.check(fs_pkg::CodeSecded, data);
    ASSERT_EQ(check >> EccPair8::kCheckWidth, 0u);
    ASSERT_EQ(__builtin_popcountll(data | check << 8) % 2, 0) << describe(data, 0, false);
    seen |= check;
  }
  EXPECT_EQ(seen, low_mask(EccPair8::kCheckWidth));
}

TEST(Secded, PassesEveryDataValueUnflippedWidth8) {
  EccPair8 pair;
  for (uint64_t data = 0; data < 256; ++data) ASSERT_NO_FATAL_FAILURE(check_unflipped(pair, data));
}

TEST(Secded, CorrectsEverySingleFlipWidth8) {
  EccPair8 pair;
  for (uint64_t data = 0; data < 256; ++data) ASSERT_NO_FATAL_FAILURE(check_single_flips(pair, data));
}

TEST(Secded, DetectsEveryDoubleFlipWidth8) {
  EccPair8 pair;
  auto pairs = all_pairs(EccPair8::kCodeBits);
  ASSERT_EQ(pairs.size(), 78u);
  for (uint64_t data = 0; data < 256; ++data) ASSERT_NO_FATAL_FAILURE(check_double_flips(pair, data, pairs));
}

// Hamming position of codeword bit `bit` of an 8-bit lane: data bit i at the i-th position that is not a power of
// two (3, 5, 6, 7, 9, ...), check bit j < 4 at 2^j, the overall parity bit (check bit 4) outside the syndrome.
int position8(int bit) {
  if (bit >= 8) return bit - 8 < 4 ? 1 << (bit - 8) : 0;
  int p = 2;
  for (int n = 0; n <= bit; ++n) {
    do {
      ++p;
    } while ((p & (p - 1)) == 0);
  }
  return p;
}

TEST(Secded, FlagsEveryTripleFlipWidth8) {
  // Three flips leave the parity odd: the decoder detects them when the syndrome names no position (13..15) and
  // otherwise "corrects" the wrong bit; either way exactly one flag is raised.
  EccPair8 pair;
  for (uint64_t data = 0; data < 256; ++data) {
    for (int a = 0; a < EccPair8::kCodeBits; ++a) {
      for (int b = a + 1; b < EccPair8::kCodeBits; ++b) {
        for (int c = b + 1; c < EccPair8::kCodeBits; ++c) {
          uint64_t flip = (uint64_t{1} << a) | (uint64_t{1} << b) | (uint64_t{1} << c);
          bool invalid = (position8(a) ^ position8(b) ^ position8(c)) > EccPair8::kCodeBits - 1;
          Decoded d = pair.decode(fs_pkg::CodeSecded, false, data, flip);
          ASSERT_EQ(d.detected, invalid) << describe(data, flip, false);
          ASSERT_EQ(d.corrected, !invalid) << describe(data, flip, false);
        }
      }
    }
  }
}

// Wider codes, sampled: 2000 seeded data values with every single flip, the first 50 of them with every pair.
template <class Pair>
void check_secded_sampled(uint64_t seed) {
  Pair pair;
  std::mt19937_64 rng(seed);
  auto pairs = all_pairs(Pair::kCodeBits);
  for (int n = 0; n < 2000; ++n) {
    uint64_t data = rng() & low_mask(Pair::kWidth);
    ASSERT_NO_FATAL_FAILURE(check_unflipped(pair, data));
    ASSERT_NO_FATAL_FAILURE(check_single_flips(pair, data));
    if (n < 50) {
      ASSERT_NO_FATAL_FAILURE(check_double_flips(pair, data, pairs));
    }
  }
  // The extremes: all-zero and all-one data.
  for (uint64_t data : {uint64_t{0}, low_mask(Pair::kWidth)}) {
    ASSERT_NO_FATAL_FAILURE(check_single_flips(pair, data));
    ASSERT_NO_FATAL_FAILURE(check_double_flips(pair, data, pairs));
  }
}

TEST(Secded, CorrectsSingleAndDetectsDoubleFlipsWidth16) { check_secded_sampled<EccPair16>(16); }
TEST(Secded, CorrectsSingleAndDetectsDoubleFlipsWidth32) { check_secded_sampled<EccPair32>(32); }

TEST(Parity, DetectsExactlyOddFlipCountsWidth8) {
  // Every pattern over the 8 data bits and check bit 0; the other check bits are stored as 0 and not read.
  EccPair8 pair;
  for (uint64_t data : {0x00, 0x01, 0x5a, 0x80, 0xc3, 0xff}) {
    uint64_t check = pair.check(fs_pkg::CodeParity, data);
    ASSERT_EQ(check, static_cast<uint64_t>(__builtin_popcountll(data) % 2)) << describe(data, 0, false);
    for (uint64_t flip = 0; flip < 512; ++flip) {
      for (bool zero : {false, true}) {
        bool odd = __builtin_popcountll(flip) % 2 == 1;
        Decoded d = pair.decode(fs_pkg::CodeParity, zero, data, flip);
        ASSERT_EQ(d.detected, odd) << describe(data, flip, zero);
        ASSERT_FALSE(d.corrected) << describe(data, flip, zero);
        // Parity does not correct: the data is passed on flipped, or zeroed when detected under zero_on_detect.
        ASSERT_EQ(d.data, odd && zero ? 0 : data ^ (flip & 0xff)) << describe(data, flip, zero);
      }
      uint64_t unused = flip << 9 & (low_mask(EccPair8::kCodeBits) ^ low_mask(9));
      ASSERT_FALSE(pair.decode(fs_pkg::CodeParity, false, data, unused).detected) << describe(data, unused, false);
    }
  }
}

TEST(CodeNone, StoresNoCheckBitsAndNeverFlags) {
  EccPair8 pair;
  for (uint64_t data = 0; data < 256; ++data) {
    ASSERT_EQ(pair.check(fs_pkg::CodeNone, data), 0u) << describe(data, 0, false);
    for (uint64_t flip : {uint64_t{0}, uint64_t{1}, uint64_t{0x81}, uint64_t{0x1f00}, uint64_t{0x1fff}, data << 3}) {
      flip &= low_mask(EccPair8::kCodeBits);
      for (bool zero : {false, true}) {
        Decoded d = pair.decode(fs_pkg::CodeNone, zero, data, flip);
        ASSERT_EQ(d.data, data ^ (flip & 0xff)) << describe(data, flip, zero);
        ASSERT_FALSE(d.detected) << describe(data, flip, zero);
        ASSERT_FALSE(d.corrected) << describe(data, flip, zero);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The C++ codes the architectural model reads coded buffers with (model/accel/buffer_code.h) against the circuits.

template <class Pair>
void expect_model_decodes_as_circuit(Pair& pair, Code code, uint64_t data, uint64_t flip) {
  const int w = Pair::kWidth;
  const uint64_t check = encode_check(code, data, w);
  ASSERT_EQ(check, pair.check(code_e(code), data)) << describe(data, 0, false) << " code " << code_name(code);
  for (bool zero : {false, true}) {
    const Decoded circuit = pair.decode(code_e(code), zero, data, flip);
    const DecodedLane model = decode_lane(code, zero, (data ^ flip) & low_mask(w), check ^ (flip >> w), w);
    ASSERT_EQ(model.data, circuit.data) << describe(data, flip, zero) << " code " << code_name(code);
    ASSERT_EQ(model.detected, circuit.detected) << describe(data, flip, zero) << " code " << code_name(code);
    ASSERT_EQ(model.corrected, circuit.corrected) << describe(data, flip, zero) << " code " << code_name(code);
  }
}

TEST(BufferCodeModel, DecodesEveryStoredWordAsTheCircuitWidth8) {
  // Data 0 stores the all-zero codeword under every code, so its flips are every stored word there is; every
  // other data value with every pattern of up to three flips.
  EccPair8 pair;
  for (Code code : {Code::kNone, Code::kParity, Code::kSecded}) {
    for (uint64_t flip = 0; flip <= low_mask(EccPair8::kCodeBits); ++flip)
      ASSERT_NO_FATAL_FAILURE(expect_model_decodes_as_circuit(pair, code, 0, flip));
    for (uint64_t data = 1; data < 256; ++data)
      for (uint64_t flip = 0; flip <= low_mask(EccPair8::kCodeBits); ++flip)
        if (__builtin_popcountll(flip) <= 3) ASSERT_NO_FATAL_FAILURE(expect_model_decodes_as_circuit(pair, code, data, flip));
  }
}

template <class Pair>
void check_model_sampled(uint64_t seed) {
  Pair pair;
  std::mt19937_64 rng(seed);
  for (Code code : {Code::kNone, Code::kParity, Code::kSecded})
    for (int n = 0; n < 20000; ++n) {
      const uint64_t data = rng() & low_mask(Pair::kWidth);
      uint64_t flip = 0;
      for (int k = int(rng() % 5); k > 0; --k) flip ^= uint64_t{1} << (rng() % Pair::kCodeBits);
      if (n % 10 == 0) flip = rng() & low_mask(Pair::kCodeBits);  // any stored word
      ASSERT_NO_FATAL_FAILURE(expect_model_decodes_as_circuit(pair, code, data, flip));
    }
}

TEST(BufferCodeModel, DecodesAsTheCircuitWidth16) { check_model_sampled<EccPair16>(161); }
TEST(BufferCodeModel, DecodesAsTheCircuitWidth32) { check_model_sampled<EccPair32>(321); }

// ---------------------------------------------------------------------------------------------------------------
// The redundant register (ff_redundant_wrap.sv, fault group 5), at widths 8 and 1.

constexpr uint32_t kGroup = 5;

template <class Model, int W>
class RedundantReg {
 public:
  static constexpr int kWidth = W;
  static constexpr uint64_t kMask = (uint64_t{1} << W) - 1;

  explicit RedundantReg(redund_e mode, bool zero_on_detect = false) {
    set_mode(mode, zero_on_detect);
    dut_->clk_i = 0;
    dut_->rst_ni = 1;
    dut_->eval();
    dut_->rst_ni = 0;
    dut_->eval();
    dut_->rst_ni = 1;
    dut_->eval();
  }

  // Takes effect at once: the mode only steers combinational logic.
  void set_mode(redund_e mode, bool zero_on_detect = false) {
    dut_->redund_i = mode;
    dut_->zero_on_detect_i = zero_on_detect;
    dut_->eval();
  }

  // One rising edge; `flip` applies to copy `copy` at this edge only (copy < 0: no fault).
  void tick(bool load, uint64_t d, int copy = -1, uint64_t flip = 0, uint32_t group = kGroup) {
    dut_->en_i = load;
    dut_->d_i = static_cast<std::decay_t<decltype(dut_->d_i)>>(d);
    dut_->fault_valid_i = copy >= 0;
    dut_->fault_group_i = group;
    dut_->fault_replica_i = copy >= 0 ? copy : 0;
    dut_->fault_flip_i = static_cast<std::decay_t<decltype(dut_->fault_flip_i)>>(flip);
    dut_->eval();
    dut_->clk_i = 1;
    dut_->eval();
    dut_->clk_i = 0;
    dut_->fault_valid_i = 0;
    dut_->fault_flip_i = 0;
    dut_->eval();
  }
  void hold(int copy = -1, uint64_t flip = 0) { tick(false, 0, copy, flip); }

  uint64_t q() { return dut_->q_o; }
  bool detected() { return dut_->detected_o != 0; }
  bool corrected() { return dut_->corrected_o != 0; }

 private:
  Dut<Model> dut_;
};

using Reg8 = RedundantReg<Vff_redundant_wrap8, 8>;
using Reg1 = RedundantReg<Vff_redundant_wrap1, 1>;

template <class T>
struct Tag {
  using type = T;
};

// Runs `check(Tag<Reg>{})` for the register at each width under test. (Not a typed test suite: CTest would name
// each case after its C++ type.)
template <class Check>
void for_each_width(Check check) {
  {
    SCOPED_TRACE("width 8");
    check(Tag<Reg8>{});
  }
  if (::testing::Test::HasFatalFailure()) return;
  SCOPED_TRACE("width 1");
  check(Tag<Reg1>{});
}

// Values loaded before the flips: both polarities of every bit.
template <class Reg>
std::vector<uint64_t> patterns() {
  return {0xa5 & Reg::kMask, 0x5a & Reg::kMask, Reg::kMask};
}

std::string where(int copy, int bit, uint64_t value) {
  return "copy " + std::to_string(copy) + " bit " + std::to_string(bit) + " value " + std::to_string(value);
}

TEST(Tmr, MasksAHeldSingleFlipAndRepairsTheCopy) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    for (uint64_t v : patterns<Reg>()) {
      for (int copy = 0; copy < 3; ++copy) {
        for (int bit = 0; bit < Reg::kWidth; ++bit) {
          Reg reg(fs_pkg::RedundTmr);
          reg.tick(true, v);
          ASSERT_EQ(reg.q(), v);
          ASSERT_FALSE(reg.corrected());
          reg.hold(copy, uint64_t{1} << bit);
          ASSERT_EQ(reg.q(), v) << where(copy, bit, v);
          ASSERT_TRUE(reg.corrected()) << where(copy, bit, v);
          reg.hold();  // the vote is written back into the flipped copy
          ASSERT_EQ(reg.q(), v) << where(copy, bit, v);
          ASSERT_FALSE(reg.corrected()) << where(copy, bit, v);
          ASSERT_FALSE(reg.detected()) << where(copy, bit, v);
        }
      }
    }
  });
}

TEST(Tmr, MasksASingleFlipWhileLoadingEveryCycle) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    for (int copy = 0; copy < 3; ++copy) {
      for (int bit = 0; bit < Reg::kWidth; ++bit) {
        Reg reg(fs_pkg::RedundTmr);
        uint64_t a = 0x3c & Reg::kMask, b = ~a & Reg::kMask;
        reg.tick(true, b);
        reg.tick(true, a, copy, uint64_t{1} << bit);
        ASSERT_EQ(reg.q(), a) << where(copy, bit, a);
        ASSERT_TRUE(reg.corrected()) << where(copy, bit, a);
        reg.tick(true, b);
        ASSERT_EQ(reg.q(), b) << where(copy, bit, b);
        ASSERT_FALSE(reg.corrected()) << where(copy, bit, b);
      }
    }
  });
}

TEST(Tmr, RepairsBetweenUpsetsOfDifferentCopies) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    // Upsets on consecutive edges never meet: the first copy is repaired at the edge that upsets the second.
    for (int bit = 0; bit < Reg::kWidth; ++bit) {
      Reg reg(fs_pkg::RedundTmr);
      uint64_t v = 0x96 & Reg::kMask;
      reg.tick(true, v);
      reg.hold(0, uint64_t{1} << bit);
      reg.hold(1, uint64_t{1} << bit);
      reg.hold(2, uint64_t{1} << bit);
      ASSERT_EQ(reg.q(), v) << where(2, bit, v);
      reg.hold();
      ASSERT_FALSE(reg.corrected()) << where(2, bit, v);
    }
  });
}

TEST(Tmr, TwoCopiesFlippedInOneBitOutvoteTheThird) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    // Two upsets accumulate only where nothing writes the vote back: held under RedundNone, then read under TMR.
    for (auto [first, second] : {std::pair{0, 1}, std::pair{0, 2}, std::pair{1, 2}}) {
      for (int bit = 0; bit < Reg::kWidth; ++bit) {
        uint64_t v = 0x69 & Reg::kMask, flip = uint64_t{1} << bit;
        Reg reg(fs_pkg::RedundNone);
        reg.tick(true, v);
        reg.hold(first, flip);
        reg.hold(second, flip);
        reg.set_mode(fs_pkg::RedundTmr);
        ASSERT_EQ(reg.q(), v ^ flip) << where(second, bit, v);
        ASSERT_TRUE(reg.corrected()) << where(second, bit, v);  // it "corrects" the good copy to the bad value
        reg.hold();
        ASSERT_EQ(reg.q(), v ^ flip) << where(second, bit, v);
        ASSERT_FALSE(reg.corrected()) << where(second, bit, v);
      }
    }
  });
}

TEST(Tmr, VotesEachBitOnItsOwn) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    // Two copies flipped in different bits: each bit still has a majority.
    if (Reg::kWidth < 2) return;  // needs two bits
    Reg reg(fs_pkg::RedundNone);
    uint64_t v = 0xf0 & Reg::kMask;
    reg.tick(true, v);
    reg.hold(0, 0x1);
    reg.hold(1, 0x2);
    reg.set_mode(fs_pkg::RedundTmr);
    EXPECT_EQ(reg.q(), v);
    EXPECT_TRUE(reg.corrected());
  });
}

TEST(TmrUpper, ProtectsOnlyTheUpperHalf) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    constexpr int kUpperLsb = Reg::kWidth / 2;  // width 1: the one bit is "upper"
    for (int bit = 0; bit < Reg::kWidth; ++bit) {
      uint64_t v = 0xa5 & Reg::kMask, flip = uint64_t{1} << bit;
      bool upper = bit >= kUpperLsb;
      Reg reg(fs_pkg::RedundTmrUpper);
      reg.tick(true, v);
      reg.hold(0, flip);
      ASSERT_EQ(reg.q(), upper ? v : v ^ flip) << where(0, bit, v);
      ASSERT_EQ(reg.corrected(), upper) << where(0, bit, v);
      reg.hold();
      ASSERT_EQ(reg.q(), upper ? v : v ^ flip) << where(0, bit, v);  // lower bits: copy 0's own, upset for good
      ASSERT_FALSE(reg.corrected()) << where(0, bit, v);
      // Copies 1 and 2 are not read on the lower bits.
      Reg other(fs_pkg::RedundTmrUpper);
      other.tick(true, v);
      other.hold(1, flip);
      ASSERT_EQ(other.q(), v) << where(1, bit, v);
      ASSERT_EQ(other.corrected(), upper) << where(1, bit, v);
    }
  });
}

TEST(Dmr, DetectsAFlipOnTheSecondCopyWithoutChangingTheOutput) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    for (int bit = 0; bit < Reg::kWidth; ++bit) {
      uint64_t v = 0xc3 & Reg::kMask, flip = uint64_t{1} << bit;
      Reg reg(fs_pkg::RedundDmr);
      reg.tick(true, v);
      ASSERT_FALSE(reg.detected());
      reg.hold(1, flip);
      ASSERT_TRUE(reg.detected()) << where(1, bit, v);
      ASSERT_FALSE(reg.corrected()) << where(1, bit, v);
      ASSERT_EQ(reg.q(), v) << where(1, bit, v);
      reg.hold();  // DMR does not repair: still detected while held
      ASSERT_TRUE(reg.detected()) << where(1, bit, v);
      reg.set_mode(fs_pkg::RedundDmr, true);
      ASSERT_EQ(reg.q(), 0u) << where(1, bit, v);
      reg.tick(true, v);  // a load makes the copies agree again
      ASSERT_FALSE(reg.detected()) << where(1, bit, v);
      ASSERT_EQ(reg.q(), v) << where(1, bit, v);
      // A flip on copy 0, the one read, is detected too, and passed on unless zeroed.
      reg.hold(0, flip);
      ASSERT_TRUE(reg.detected()) << where(0, bit, v);
      ASSERT_EQ(reg.q(), 0u) << where(0, bit, v);
      reg.set_mode(fs_pkg::RedundDmr, false);
      ASSERT_EQ(reg.q(), v ^ flip) << where(0, bit, v);
    }
  });
}

TEST(DmrUpper, ComparesOnlyTheUpperHalf) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    constexpr int kUpperLsb = Reg::kWidth / 2;
    for (int bit = 0; bit < Reg::kWidth; ++bit) {
      uint64_t v = 0x5a & Reg::kMask, flip = uint64_t{1} << bit;
      Reg reg(fs_pkg::RedundDmrUpper, true);
      reg.tick(true, v);
      reg.hold(1, flip);
      ASSERT_EQ(reg.detected(), bit >= kUpperLsb) << where(1, bit, v);
      ASSERT_EQ(reg.q(), bit >= kUpperLsb ? 0 : v) << where(1, bit, v);
    }
  });
}

TEST(RedundNone, ReadsCopyZeroAlone) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    for (int copy = 0; copy < 3; ++copy) {
      for (int bit = 0; bit < Reg::kWidth; ++bit) {
        uint64_t v = 0x33 & Reg::kMask, flip = uint64_t{1} << bit;
        Reg reg(fs_pkg::RedundNone, true);
        reg.tick(true, v);
        reg.hold(copy, flip);
        ASSERT_EQ(reg.q(), copy == 0 ? v ^ flip : v) << where(copy, bit, v);
        ASSERT_FALSE(reg.detected()) << where(copy, bit, v);
        ASSERT_FALSE(reg.corrected()) << where(copy, bit, v);
        reg.hold();
        ASSERT_EQ(reg.q(), copy == 0 ? v ^ flip : v) << where(copy, bit, v);  // upset for good
      }
    }
  });
}

TEST(FaultPort, OnAnotherGroupOrReplicaChangesNothing) {
  for_each_width([](auto tag) {
    using Reg = typename decltype(tag)::type;
    Reg reg(fs_pkg::RedundNone);
    uint64_t v = 0x81 & Reg::kMask;
    reg.tick(true, v);
    reg.tick(false, 0, 0, Reg::kMask, kGroup + 1);
    reg.tick(false, 0, 0, Reg::kMask, kGroup + (1u << 20));
    reg.hold(3, Reg::kMask);  // there is no fourth copy
    EXPECT_EQ(reg.q(), v);
    reg.set_mode(fs_pkg::RedundTmr);
    EXPECT_EQ(reg.q(), v);
    EXPECT_FALSE(reg.corrected());
  });
}

}  // namespace
}  // namespace flipsim
