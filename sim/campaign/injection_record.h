// What one injection did: its outcome types and its fields, declared once. The SQL schema, the column list,
// the database's read and insert, the worker pipe's line, the JSON and the CSV are all derived from the field
// list below, so adding a field is one line here (and a schema version bump in result_store.h).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace flipsim {

/// How one faulty inference ended. The database stores `to_string(outcome)`, the same text as before the enum,
/// so existing SQL queries keep working.
enum class Outcome {
  kMasked,       ///< "masked": the logits equal the fault-free logits
  kSdc,          ///< "sdc": logits differ, top-1 class unchanged
  kSdcCritical,  ///< "sdc_critical": top-1 class changed
  kDetected,     ///< "detected": a protected design flagged it (a DUE); not produced yet
  kCorrected,    ///< "corrected": a protected design corrected it; not produced yet
  kHang,         ///< "hang": watchdog, or the accelerator went idle without reporting done
};
inline constexpr std::array<Outcome, 6> kAllOutcomes = {Outcome::kMasked,   Outcome::kSdc,       Outcome::kSdcCritical,
                                                        Outcome::kDetected, Outcome::kCorrected, Outcome::kHang};

/// Any silent data corruption, whether or not it changed the top-1 class.
constexpr bool is_sdc(Outcome o) { return o == Outcome::kSdc || o == Outcome::kSdcCritical; }

/// Where a masked fault stopped (docs/campaigns.md); kNone ("") for every other outcome.
enum class MaskingStage {
  kNone,         ///< ""
  kArray,        ///< no accumulator reaching the PPU differed
  kRounding,     ///< the PPU's multiply-and-round hid it
  kRelu,         ///< both clamped at the zero point
  kSaturation,   ///< both saturated (or clipped, under activation clipping) to the same bound
  kPooling,      ///< a layer output differed; a pooling op made it golden again
  kReluOp,       ///< ... a host ReLU op
  kNextLayer,    ///< ... the next accelerator layer's requantization
  kResidualAdd,  ///< ... a residual add
  kLater,        ///< ... another op
  /// classify()'s answer before the PPU observation refines it into kArray..kSaturation; never stored.
  kInsideAccelerator,
};
inline constexpr std::array<MaskingStage, 11> kAllMaskingStages = {
    MaskingStage::kNone,       MaskingStage::kArray,   MaskingStage::kRounding, MaskingStage::kRelu,
    MaskingStage::kSaturation, MaskingStage::kPooling, MaskingStage::kReluOp,   MaskingStage::kNextLayer,
    MaskingStage::kResidualAdd, MaskingStage::kLater, MaskingStage::kInsideAccelerator};

const char* to_string(Outcome o);
const char* to_string(MaskingStage s);
/// The value whose to_string is `text`, or nothing.
std::optional<Outcome> parse_outcome(std::string_view text);
/// Only the stored stages: "inside_accelerator" is not a value a database or a worker may hold.
std::optional<MaskingStage> parse_masking_stage(std::string_view text);
std::ostream& operator<<(std::ostream& out, Outcome o);
std::ostream& operator<<(std::ostream& out, MaskingStage s);

// The record's fields, in column order: X(type, member, column name, initial value). The column name is also
// the JSON key and the CSV header. `id`, the first, is the table's primary key.
// clang-format off
#define FLIPSIM_INJECTION_RECORD_FIELDS(X)                                                                  \
  X(uint64_t, id, "id", 0)                                                                                  \
  X(int, image, "image", 0)                                                                                 \
  X(int, label, "label", 0)                                                                                 \
  X(std::string, fault_model, "fault_model", "")                                                            \
  X(int64_t, site_id, "site_id", -1)               /* -1 in bit-error-rate mode */                          \
  X(std::string, site, "site", "")                 /* readable name of the first bit hit */                 \
  X(std::string, site_class, "class", "")                                                                   \
  X(int, row, "row", -1)                                                                                    \
  X(int, col, "col", -1)                                                                                    \
  X(int, bit, "bit", -1)                                                                                    \
  X(uint64_t, mask, "mask", 0)                                                                              \
  X(int, flips, "flips", 0)                        /* bits flipped (BER mode: over the whole inference) */  \
  X(std::string, layer, "layer", "")               /* layer whose pass the fault starts in */               \
  X(int, pass, "pass", 0)                                                                                   \
  X(uint64_t, cycle, "cycle", 0)                   /* busy cycle of the inference */                        \
  X(Outcome, outcome, "outcome", Outcome::kMasked)                                                          \
  X(MaskingStage, masked_at, "masked_at", MaskingStage::kNone)                                              \
  X(std::string, first_diff, "first_diff", "")     /* first op output that differs from the golden run */   \
  X(double, max_logit_dev, "max_logit_dev", 0)                                                              \
  X(int, golden_top1, "golden_top1", -1)                                                                    \
  X(int, faulty_top1, "faulty_top1", -1)                                                                    \
  X(uint64_t, cycles_simulated, "cycles_simulated", 0)
// clang-format on

/// What one injection did, as stored.
struct InjectionRecord {
#define FLIPSIM_DECLARE_FIELD(type, member, column, init) type member = init;
  FLIPSIM_INJECTION_RECORD_FIELDS(FLIPSIM_DECLARE_FIELD)
#undef FLIPSIM_DECLARE_FIELD
};

/// How many fields a record has (the columns of `injections`).
#define FLIPSIM_COUNT_FIELD(type, member, column, init) +1
inline constexpr size_t kInjectionFields = 0 FLIPSIM_INJECTION_RECORD_FIELDS(FLIPSIM_COUNT_FIELD);
#undef FLIPSIM_COUNT_FIELD

/// Calls f(column, member pointer) for every field, in column order.
template <class F>
void for_each_injection_field(F&& f) {
#define FLIPSIM_VISIT_FIELD(type, member, column, init) f(column, &InjectionRecord::member);
  FLIPSIM_INJECTION_RECORD_FIELDS(FLIPSIM_VISIT_FIELD)
#undef FLIPSIM_VISIT_FIELD
}

/// One JSON object keyed by column name (the cross-check's messages and its row comparison).
nlohmann::json to_json(const InjectionRecord& r);
/// Throws std::runtime_error naming the missing or invalid key.
InjectionRecord injection_from_json(const nlohmann::json& j);

/// The worker pipe's message for a record: its fields in column order, tab-separated, with backslash, tab and
/// newline escaped in text. A campaign's parent reads tens of thousands of these a second beside two busy
/// workers; this costs a fraction of a JSON object's build, print and parse (BENCHMARKS.md). Numbers round-trip
/// exactly.
std::string to_line(const InjectionRecord& r);
/// Throws std::runtime_error naming the field that is missing or not of its type.
InjectionRecord injection_from_line(std::string_view line);
/// A line's fields in place, in column order, text still escaped: what the campaign's parent binds straight into
/// the database (ResultStore::insert_lines) without building records. Throws std::runtime_error naming the first
/// missing field, or when there are more fields than columns.
std::array<std::string_view, kInjectionFields> split_injection_line(std::string_view line);
/// One field of a line as its type (text unescaped); false when the text is not of that type.
bool parse_injection_field(std::string_view text, uint64_t& v);
bool parse_injection_field(std::string_view text, int64_t& v);
bool parse_injection_field(std::string_view text, int& v);
bool parse_injection_field(std::string_view text, double& v);
bool parse_injection_field(std::string_view text, std::string& v);
bool parse_injection_field(std::string_view text, Outcome& v);
bool parse_injection_field(std::string_view text, MaskingStage& v);

/// The column names in order, joined by `separator` (the CSV header with ",", SQL column lists with ", ").
std::string injection_columns(const char* separator);
/// One record's CSV line, without the newline.
std::string injection_csv_line(const InjectionRecord& r);

}  // namespace flipsim
