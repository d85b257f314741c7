#include "model/accel/buffer_code.h"

#include <cmath>
#include <vector>

namespace flipsim {

namespace {

bool parity(uint64_t v) { return __builtin_parityll(v) != 0; }

// 1-based Hamming position of data bit i: the data bits fill, in order, the positions from 3 up that are not
// powers of two (fs_ecc_pkg::data_position).
uint64_t data_position(int i) {
  uint64_t p = 2;
  for (int n = 0; n <= i; ++n) {
    do {
      ++p;
    } while ((p & (p - 1)) == 0);
  }
  return p;
}

// Hamming check bit j is the parity of the data bits whose position has bit j set: the XOR of the set bits'
// positions has every such parity at once.
uint64_t hamming(uint64_t data, int width) {
  uint64_t h = 0;
  for (int i = 0; i < width; ++i)
    if ((data >> i) & 1u) h ^= data_position(i);
  return h;
}

uint64_t low_bits(int n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

}  // namespace

uint64_t encode_check(Code code, uint64_t data, int width) {
  data &= low_bits(width);
  switch (code) {
    case Code::kNone: return 0;
    case Code::kParity: return parity(data) ? 1 : 0;
    case Code::kSecded: {
      // The overall bit makes the whole codeword's parity even, which tells one flip from two.
      const uint64_t h = hamming(data, width);
      return h | uint64_t(parity(data) != parity(h)) << hamming_bits(width);
    }
  }
  return 0;
}

DecodedLane decode_lane(Code code, bool zero_on_detect, uint64_t data, uint64_t check, int width) {
  DecodedLane out;
  data &= low_bits(width);
  out.data = data;
  const int r = hamming_bits(width);
  switch (code) {
    case Code::kNone: break;
    case Code::kParity: out.detected = parity(data) != parity(check & 1u); break;
    case Code::kSecded: {
      const uint64_t syndrome = (check & low_bits(r)) ^ hamming(data, width);
      const bool odd = parity(data) != parity(check & low_bits(r + 1));
      if (!odd) {
        out.detected = syndrome != 0;  // an even number of flips, not zero: two
      } else if (syndrome > uint64_t(width + r)) {
        out.detected = true;  // odd, but no single flip gives this syndrome: three or more
      } else {
        // Syndrome 0 or a check bit's position: the data is intact.
        for (int i = 0; i < width; ++i)
          if (data_position(i) == syndrome) out.data ^= uint64_t{1} << i;
        out.corrected = true;
      }
      break;
    }
  }
  if (out.detected && zero_on_detect) out.data = 0;
  return out;
}

DecodedLane read_flipped_lane(Code code, bool zero_on_detect, uint64_t data, uint64_t flip_mask, int width) {
  return decode_lane(code, zero_on_detect, data ^ flip_mask, encode_check(code, data, width) ^ (flip_mask >> width),
                     width);
}

LaneOutcomes lane_outcomes(Code code, int width, double ber) {
  const int n = width + code_bits(code, width);
  LaneOutcomes out;
  // Every pattern of k flipped bits (choose positions in increasing order), read back from a lane holding 0.
  std::vector<int> at;
  const auto visit = [&](auto&& self, int from) -> void {
    if (!at.empty()) {
      uint64_t mask = 0;
      for (int b : at) mask |= uint64_t{1} << b;
      const double p = std::pow(ber, double(at.size())) * std::pow(1 - ber, double(n - int(at.size())));
      const DecodedLane read = read_flipped_lane(code, false, 0, mask, width);
      if (read.detected) out.detected += p;
      else if (read.data != 0) {
        out.silent += p;
        out.silent_bits += p * __builtin_popcountll(read.data);
      }
      else if (read.corrected) out.corrected += p;
    }
    if (int(at.size()) == kMaxLanePatternBits) return;
    for (int b = from; b < n; ++b) {
      at.push_back(b);
      self(self, b + 1);
      at.pop_back();
    }
  };
  visit(visit, 0);
  return out;
}

}  // namespace flipsim
