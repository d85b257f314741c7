#include "model/accel/protection.h"

#include <iterator>

#include "model/accel/arch_model.h"
#include "model/common/yaml_fields.h"

namespace flipsim {

namespace {

constexpr const char* kCodeNames[] = {"none", "parity", "secded"};
constexpr const char* kRedundancyNames[] = {"none", "dmr", "tmr", "dmr_upper", "tmr_upper"};
constexpr const char* kOnDetectNames[] = {"flag", "zero", "recompute"};
constexpr const char* kRegisterClassNames[] = {"pe_weight", "pe_act", "pe_psum", "pe_valid", "ctrl", "host"};

template <typename E, size_t N>
E parse_choice(const YamlFields& f, const std::string& key, const char* const (&names)[N], E fallback) {
  if (!f.has(key)) return fallback;
  const std::set<std::string> choices(std::begin(names), std::end(names));
  const std::string value = f.get_choice(key, choices, names[int(fallback)]);
  for (size_t i = 0; i < N; ++i)
    if (value == names[i]) return E(i);
  return fallback;
}

static_assert(kProtectedBuffers == kNumBuffers, "Protection::buffer must have one code per buffer");
static_assert(std::size(kRegisterClassNames) == kNumRegisterClasses, "a register class has no name");

}  // namespace

const char* code_name(Code c) { return kCodeNames[int(c)]; }
const char* redundancy_name(Redundancy r) { return kRedundancyNames[int(r)]; }
const char* on_detect_name(OnDetect d) { return kOnDetectNames[int(d)]; }
const char* register_class_name(RegisterClass r) { return kRegisterClassNames[int(r)]; }

bool Protection::operator==(const Protection& o) const {
  return buffer == o.buffer && registers == o.registers && clip_activations == o.clip_activations && on_detect == o.on_detect &&
         max_retries == o.max_retries;
}

std::string Protection::describe() const {
  std::string out;
  auto add = [&](const std::string& item) { out += (out.empty() ? "" : " ") + item; };
  for (int b = 0; b < kNumBuffers; ++b)
    if (buffer[size_t(b)] != Code::kNone)
      add(std::string(buffer_name(Buffer(b))) + "=" + code_name(buffer[size_t(b)]));
  for (int r = 0; r < kNumRegisterClasses; ++r)
    if (registers[size_t(r)] != Redundancy::kNone)
      add(std::string(kRegisterClassNames[r]) + "=" + redundancy_name(registers[size_t(r)]));
  if (clip_activations) add("clip_activations");
  if (out.empty()) return "none";
  if (detects()) add(std::string("on_detect=") + on_detect_name(on_detect));
  return out;
}

int hamming_bits(int data_bits) {
  int r = 1;
  while ((1 << r) < data_bits + r + 1) ++r;
  return r;
}

int check_bits(int data_bits) { return hamming_bits(data_bits) + 1; }

int code_bits(Code code, int data_bits) {
  switch (code) {
    case Code::kNone: return 0;
    case Code::kParity: return 1;
    case Code::kSecded: return check_bits(data_bits);
  }
  return 0;
}

int copies(Redundancy r) {
  switch (r) {
    case Redundancy::kNone: return 1;
    case Redundancy::kDmr:
    case Redundancy::kDmrUpper: return 2;
    case Redundancy::kTmr:
    case Redundancy::kTmrUpper: return 3;
  }
  return 1;
}

int protected_lsb(Redundancy r, int width) {
  return r == Redundancy::kDmrUpper || r == Redundancy::kTmrUpper ? width / 2 : 0;
}

Protection read_protection(const YamlFields& f) {
  std::set<std::string> keys = {"clip_activations", "on_detect", "max_retries"};
  for (int b = 0; b < kNumBuffers; ++b) keys.insert(buffer_name(Buffer(b)));
  for (const char* name : kRegisterClassNames) keys.insert(name);
  f.allow_only(keys);
  Protection p;
  for (int b = 0; b < kNumBuffers; ++b)
    p.buffer[size_t(b)] = parse_choice(f, buffer_name(Buffer(b)), kCodeNames, Code::kNone);
  for (int r = 0; r < kNumRegisterClasses; ++r)
    p.registers[size_t(r)] = parse_choice(f, kRegisterClassNames[r], kRedundancyNames, Redundancy::kNone);
  p.clip_activations = f.get_bool("clip_activations", false);
  p.on_detect = parse_choice(f, "on_detect", kOnDetectNames, OnDetect::kFlag);
  p.max_retries = int(f.get_int("max_retries", 0, 16, p.max_retries));
  return p;
}

}  // namespace flipsim
