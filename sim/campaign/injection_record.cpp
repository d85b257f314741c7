#include "sim/campaign/injection_record.h"

#include <charconv>
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

// The pipe line's fields: numbers as std::to_chars writes them (shortest exact form), text escaped.

template <class T>
void put_field(std::string& out, T v) {
  char buf[32];
  out.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}
void put_field(std::string& out, const std::string& v) {
  for (char ch : v) {
    if (ch == '\\' || ch == '\t' || ch == '\n') out += '\\';
    out += ch == '\t' ? 't' : ch == '\n' ? 'n' : ch;
  }
}
void put_field(std::string& out, Outcome v) { out += to_string(v); }
void put_field(std::string& out, MaskingStage v) { out += to_string(v); }

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

std::string to_line(const InjectionRecord& r) {
  std::string out;
  out.reserve(256);
  bool first = true;
  for_each_injection_field([&](const char*, auto member) {
    if (!first) out += '\t';
    first = false;
    put_field(out, r.*member);
  });
  return out;
}

namespace {
template <class T>
bool parse_number(std::string_view text, T& v) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  return error == std::errc() && end == text.data() + text.size();
}
}  // namespace

bool parse_injection_field(std::string_view text, uint64_t& v) { return parse_number(text, v); }
bool parse_injection_field(std::string_view text, int64_t& v) { return parse_number(text, v); }
bool parse_injection_field(std::string_view text, int& v) { return parse_number(text, v); }
bool parse_injection_field(std::string_view text, double& v) { return parse_number(text, v); }
bool parse_injection_field(std::string_view text, std::string& v) {
  if (text.find('\\') == std::string_view::npos) {
    v.assign(text);
    return true;
  }
  v.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      v += text[i];
      continue;
    }
    if (++i == text.size()) return false;
    v += text[i] == 't' ? '\t' : text[i] == 'n' ? '\n' : text[i];
  }
  return true;
}
bool parse_injection_field(std::string_view text, Outcome& v) {
  const auto o = parse_outcome(text);
  if (o) v = *o;
  return bool(o);
}
bool parse_injection_field(std::string_view text, MaskingStage& v) {
  const auto s = parse_masking_stage(text);
  if (s) v = *s;
  return bool(s);
}

std::array<std::string_view, kInjectionFields> split_injection_line(std::string_view line) {
  if (line.empty()) throw std::runtime_error("injection record line: empty, no field 'id'");
  std::array<std::string_view, kInjectionFields> fields;
  size_t at = 0, i = 0;
  for_each_injection_field([&](const char* column, auto) {
    if (i > 0 && (at >= line.size() || line[at++] != '\t'))
      throw std::runtime_error(std::string("injection record line: no field '") + column + "'");
    const size_t end = std::min(line.find('\t', at), line.size());
    fields[i++] = line.substr(at, end - at);
    at = end;
  });
  if (at != line.size()) throw std::runtime_error("injection record line: more fields than columns");
  return fields;
}

InjectionRecord injection_from_line(std::string_view line) {
  const std::array<std::string_view, kInjectionFields> fields = split_injection_line(line);
  InjectionRecord r;
  size_t i = 0;
  for_each_injection_field([&](const char* column, auto member) {
    const std::string_view text = fields[i++];
    if (!parse_injection_field(text, r.*member))
      throw std::runtime_error(std::string("injection record line: field '") + column + "' is not of its type: '" +
                               std::string(text) + "'");
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
