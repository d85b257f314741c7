#include "sim/campaign/injection_record.h"

#include <ostream>
#include <sstream>
#include <stdexcept>

namespace flipsim {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kMasked: return "masked";
    case Outcome::kSdc: return "sdc";
    case Outcome::kSdcCritical: return "sdc_critical";
    case Outcome::kDetected: return "detected";
    case Outcome::kCorrected: return "corrected";
    case Outcome::kHang: return "hang";
  }
  return "?";
}

const char* to_string(MaskingStage s) {
  switch (s) {
    case MaskingStage::kNone: return "";
    case MaskingStage::kArray: return "array";
    case MaskingStage::kRounding: return "rounding";
    case MaskingStage::kRelu: return "relu";
    case MaskingStage::kSaturation: return "saturation";
    case MaskingStage::kPooling: return "pooling";
    case MaskingStage::kReluOp: return "relu_op";
    case MaskingStage::kNextLayer: return "next_layer";
    case MaskingStage::kResidualAdd: return "residual_add";
    case MaskingStage::kLater: return "later";
    case MaskingStage::kInsideAccelerator: return "inside_accelerator";
  }
  return "?";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  for (Outcome o : kAllOutcomes)
    if (text == to_string(o)) return o;
  return std::nullopt;
}

std::optional<MaskingStage> parse_masking_stage(std::string_view text) {
  for (MaskingStage s : kAllMaskingStages)
    if (s != MaskingStage::kInsideAccelerator && text == to_string(s)) return s;
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, Outcome o) { return out << to_string(o); }
std::ostream& operator<<(std::ostream& out, MaskingStage s) { return out << to_string(s); }

namespace {

// One overload per field type: the only place that knows how a type travels through JSON and CSV.

template <class T>
void put_json(nlohmann::json& j, const char* key, const T& v) {
  j[key] = v;
}
void put_json(nlohmann::json& j, const char* key, Outcome v) { j[key] = to_string(v); }
void put_json(nlohmann::json& j, const char* key, MaskingStage v) { j[key] = to_string(v); }

template <class T>
void get_json(const nlohmann::json& j, const char* key, T& v) {
  v = j.at(key).get<T>();
}
void get_json(const nlohmann::json& j, const char* key, Outcome& v) {
  const std::string text = j.at(key).get<std::string>();
  const auto o = parse_outcome(text);
  if (!o) throw std::runtime_error(std::string(key) + ": unknown outcome '" + text + "'");
  v = *o;
}
void get_json(const nlohmann::json& j, const char* key, MaskingStage& v) {
  const std::string text = j.at(key).get<std::string>();
  const auto s = parse_masking_stage(text);
  if (!s) throw std::runtime_error(std::string(key) + ": unknown masking stage '" + text + "'");
  v = *s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// Numbers as a default std::ostream writes them (doubles with 6 significant digits), as the CSV always had.
template <class T>
void put_csv(std::ostream& out, const T& v) {
  out << v;
}
void put_csv(std::ostream& out, const std::string& v) { out << csv_field(v); }
void put_csv(std::ostream& out, Outcome v) { out << csv_field(to_string(v)); }
void put_csv(std::ostream& out, MaskingStage v) { out << csv_field(to_string(v)); }

}  // namespace

nlohmann::json to_json(const InjectionRecord& r) {
  nlohmann::json j = nlohmann::json::object();
  for_each_injection_field([&](const char* column, auto member) { put_json(j, column, r.*member); });
  return j;
}

InjectionRecord injection_from_json(const nlohmann::json& j) {
  InjectionRecord r;
  for_each_injection_field([&](const char* column, auto member) {
    try {
      get_json(j, column, r.*member);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(std::string("injection record field '") + column + "': " + e.what());
    }
  });
  return r;
}

std::string injection_columns(const char* separator) {
  std::string out;
  for_each_injection_field([&](const char* column, auto) {
    if (!out.empty()) out += separator;
    out += column;
  });
  return out;
}

std::string injection_csv_line(const InjectionRecord& r) {
  std::ostringstream out;
  bool first = true;
  for_each_injection_field([&](const char*, auto member) {
    if (!first) out << ',';
    first = false;
    put_csv(out, r.*member);
  });
  return out.str();
}

}  // namespace flipsim
