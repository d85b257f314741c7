// What protects the accelerator (a Protectable RTL build chooses it at run time): a code per buffer lane, a
// redundancy per register class (the PE's four and the controller's), and what happens on a detected error. Shared by the accelerator and
// campaign configs, the site map (check bits and copies are fault sites), the RTL driver and the cost model.
#pragma once

#include <array>
#include <string>


namespace flipsim {

class YamlFields;

enum class Code { kNone, kParity, kSecded };
enum class Redundancy { kNone, kDmr, kTmr, kDmrUpper, kTmrUpper };
/// flag: a detected error ends the inference as `detected` (the system knows its answer is bad);
/// zero: the hardware reads a detected value as zero and the inference goes on;
/// recompute: the host reruns the pass (reloading its buffers) when the accelerator flags it, up to
/// `max_retries` times, then reports `detected`.
enum class OnDetect { kFlag, kZero, kRecompute };

/// The buffers, in Buffer's order (model/accel/arch_model.h; protection.cpp checks the count). This header stays
/// free of the generated RTL header: the accelerator YAML reader that CMake builds at configure time includes it.
constexpr int kProtectedBuffers = 5;

/// The register classes a redundancy protects: the PE's, in fs_pkg's field order (PeWeightField ...), every
/// register of the controller (its FSM, counters, strobes and accumulation pipeline: the `ctrl` site class), and the
/// host port's (descriptor, done, cycle counters, response, scrub: the `host` site class but the protection
/// register and the status flags).
enum class RegisterClass { kPeWeight, kPeAct, kPePsum, kPeValid, kCtrl, kHost };
constexpr int kNumPeRegisters = 4;
constexpr int kNumRegisterClasses = 6;

struct Protection {
  std::array<Code, kProtectedBuffers> buffer{};     ///< indexed by Buffer
  std::array<Redundancy, kNumRegisterClasses> registers{};  ///< indexed by RegisterClass
  /// The post-processing unit clips every layer's outputs, except the logits, per output channel to the range the
  /// network produced on its calibration images (the first network.calibration_images training images).
  bool clip_activations = false;
  OnDetect on_detect = OnDetect::kFlag;
  int max_retries = 1;

  /// A code is in use on some buffer.
  bool coded() const {
    for (Code c : buffer)
      if (c != Code::kNone) return true;
    return false;
  }
  /// A code or a redundancy is in use: something can detect or correct (clipping does neither).
  bool detects() const {
    for (Redundancy r : registers)
      if (r != Redundancy::kNone) return true;
    return coded();
  }
  /// The host reruns a pass in which the accelerator detected an error (at least once).
  bool recomputes() const { return on_detect == OnDetect::kRecompute && max_retries > 0; }
  bool any() const { return detects() || clip_activations; }
  /// "wbuf=secded abuf=parity pe_psum=tmr clip_activations on_detect=recompute", or "none".
  std::string describe() const;
  bool operator==(const Protection& o) const;
};

const char* code_name(Code c);
const char* redundancy_name(Redundancy r);
const char* on_detect_name(OnDetect d);
const char* register_class_name(RegisterClass r);  ///< "pe_weight", ..., "ctrl", "host"

/// Hamming bits r for k data bits (the smallest r with 2^r >= k + r + 1); rtl/fs_ecc_pkg.sv's hamming_bits.
int hamming_bits(int data_bits);
/// Check bits a Protectable build stores beside a lane of `data_bits` (SECDED: Hamming + overall parity).
int check_bits(int data_bits);
/// Check bits in use under `code`: 0, 1 (parity) or check_bits().
int code_bits(Code code, int data_bits);
/// Copies of each protected bit in use (1, 2 or 3), and the lowest protected bit of a `width`-bit register.
int copies(Redundancy r);
int protected_lsb(Redundancy r, int width);

/// Reads a `protection:` mapping (keys abuf, wbuf, bbuf, accbuf, obuf: none|parity|secded; pe_weight, pe_act,
/// pe_psum, pe_valid, ctrl, host: none|dmr|tmr|dmr_upper|tmr_upper; clip_activations: bool; on_detect: flag|zero|recompute;
/// max_retries).
Protection read_protection(const YamlFields& fields);

}  // namespace flipsim
