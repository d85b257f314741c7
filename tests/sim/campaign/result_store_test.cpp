// The injection record through every route it travels (database, worker pipe, CSV), and databases that must be
// refused without being changed: another schema version, a foreign SQLite file, malformed rows.
#include "sim/campaign/result_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "campaign_test_util.h"
#include "model/common/config_error.h"

namespace flipsim {
namespace {

/// A record in which every field differs from its initial value, with text the CSV has to quote.
InjectionRecord sample_record(uint64_t id) {
  InjectionRecord r;
  r.id = id;
  r.image = 3;
  r.label = 7;
  r.fault_model = "flip";
  r.site_id = (int64_t(1) << 40) + 5;
  r.site = "array.pe[3][5].psum_q[17]";
  r.site_class = "pe_psum";
  r.row = 3;
  r.col = 5;
  r.bit = 17;
  r.mask = uint64_t(1) << 63;
  r.flips = 2;
  r.layer = "conv \"1\", fused";
  r.pass = 4;
  r.cycle = 123456789012ull;
  r.outcome = Outcome::kSdcCritical;
  r.masked_at = MaskingStage::kNone;
  r.first_diff = "fc3";
  r.max_logit_dev = 0.1234567890123;
  r.golden_top1 = 2;
  r.faulty_top1 = 9;
  r.cycles_simulated = 4102;
  return r;
}

/// Field-by-field equality, from the same field list the store uses (so a new field is compared too).
void expect_same(const InjectionRecord& a, const InjectionRecord& b) {
  for_each_injection_field([&](const char* column, auto member) { EXPECT_EQ(a.*member, b.*member) << column; });
}

using test::fresh_db;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Runs SQL on the file directly, as another program (or an older flipsim) would.
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

std::string open_error(const std::string& path) {
  try {
    ResultStore store(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(InjectionRecord, EveryFieldSurvivesTheDatabase) {
  const std::string db = fresh_db("record_roundtrip");
  const InjectionRecord masked = [] {
    InjectionRecord r = sample_record(9);
    r.outcome = Outcome::kMasked;
    r.masked_at = MaskingStage::kResidualAdd;
    return r;
  }();
  {
    ResultStore store(db);
    store.insert({sample_record(4), masked});
  }
  const ResultStore store(db);
  const auto rows = store.injections();
  ASSERT_EQ(rows.size(), 2u);
  expect_same(rows[0], sample_record(4));
  expect_same(rows[1], masked);
  expect_same(store.injection(9), masked);
}

TEST(InjectionRecord, ManyRowsAtOnceSurviveTheDatabase) {
  // More than one multi-row statement's worth, and a remainder stored one row at a time.
  std::vector<InjectionRecord> records;
  for (uint64_t id = 0; id < 37; ++id) {
    InjectionRecord r = sample_record(100 + id);
    r.image = int(id);
    r.site = "site " + std::to_string(id);
    r.max_logit_dev = 1.0 / double(id + 3);
    records.push_back(r);
  }
  const std::string db = fresh_db("many_rows");
  // In the scattered order a campaign's rows arrive in; they read back in id order.
  std::vector<InjectionRecord> arriving = records;
  std::shuffle(arriving.begin(), arriving.end(), std::mt19937(5));
  ResultStore(db).insert(arriving);
  const auto rows = ResultStore(db).injections();
  ASSERT_EQ(rows.size(), records.size());
  for (size_t i = 0; i < rows.size(); ++i) expect_same(rows[i], records[i]);
  // A duplicate id in the middle of a multi-row statement stores none of the batch.
  std::vector<InjectionRecord> clash = {sample_record(500), sample_record(501)};
  for (uint64_t id = 0; id < 20; ++id) clash.push_back(sample_record(600 + id));
  clash[10].id = 105;
  EXPECT_THROW(ResultStore(db).insert(clash), ConfigError);
  EXPECT_EQ(ResultStore(db).injections().size(), records.size());
}

/// The campaign's parent binds its workers' lines straight into the database: on random rows of every outcome
/// and stage, text with the pipe's escapes, extreme numbers and ids in any order, the rows are those that storing
/// the lines' records gives; a malformed line or a duplicate id stores nothing of its batch.
TEST(ResultStore, WorkerLinesAreStoredAsTheirRecordsAre) {
  std::mt19937_64 rng(11);
  std::vector<InjectionRecord> records;
  std::vector<MaskingStage> stages;
  for (MaskingStage m : kAllMaskingStages)
    if (parse_masking_stage(to_string(m))) stages.push_back(m);
  const std::vector<std::string> texts = {"",   "fc3", "a\tb\\t\nc\\", "\\", "conv \"1\", fused",
                                         "array.pe[3][5].psum_q[17]"};
  for (uint64_t id = 0; id < 300; ++id) {
    InjectionRecord r = sample_record(id * 7919 % 1000 + (id == 0 ? uint64_t(-1) - 1000 : 0));
    r.image = int(rng() % 1000) - 1;
    r.site_id = id % 5 == 0 ? INT64_MIN : int64_t(rng());
    r.site = texts[rng() % texts.size()];
    r.layer = texts[rng() % texts.size()];
    r.first_diff = texts[rng() % texts.size()];
    r.mask = rng();
    r.outcome = kAllOutcomes[rng() % kAllOutcomes.size()];
    r.masked_at = stages[rng() % stages.size()];
    r.max_logit_dev = std::ldexp(double(rng() >> 11), int(rng() % 200) - 150);
    records.push_back(r);
  }
  std::shuffle(records.begin(), records.end(), rng);
  const std::string by_records = fresh_db("by_records"), by_lines = fresh_db("by_lines");
  ResultStore(by_records).insert(records);
  std::string lines;
  for (const InjectionRecord& r : records) lines += to_line(r) + "\n";
  ResultStore(by_lines).insert_lines(lines);
  const auto expected = ResultStore(by_records).injections(), got = ResultStore(by_lines).injections();
  ASSERT_EQ(got.size(), records.size());
  for (size_t i = 0; i < got.size(); ++i) expect_same(got[i], expected[i]);

  // A malformed line in the middle of a batch: named, with its injection and field, and none of the batch stored.
  const auto error = [&](const std::string& batch) {
    try {
      ResultStore(by_lines).insert_lines(batch);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string bad = to_line(sample_record(5000)) + "\n" + to_line(sample_record(5001)) + "\n";
  bad.replace(bad.rfind("sdc_critical"), 12, "sdc_maybe");
  EXPECT_NE(error(bad).find("injection 5001: field 'outcome'"), std::string::npos) << error(bad);
  EXPECT_NE(error(bad).find(by_lines), std::string::npos) << error(bad);
  EXPECT_NE(error(to_line(sample_record(5002)) + "\n1\t2\n").find("no field 'label'"), std::string::npos);
  EXPECT_NE(error(to_line(sample_record(5003)) + "\n" + to_line(records[7]) + "\n"), "");
  EXPECT_EQ(ResultStore(by_lines).injections().size(), records.size());
}

/// The message of `line`'s parse failure, or "" if it parsed.
std::string line_error(const std::string& line) {
  try {
    injection_from_line(line);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(InjectionRecord, EveryFieldSurvivesTheWorkerPipe) {
  const InjectionRecord r = sample_record(11);
  expect_same(injection_from_line(to_line(r)), r);
  EXPECT_EQ(to_line(r).find('\n'), std::string::npos);
  // Text with the separators and the escape in it, empty text, extreme numbers, doubles that need all 17 digits.
  InjectionRecord odd = sample_record(uint64_t(-1));
  odd.site = "a\tb\\t\nc\\";
  odd.layer = "";
  odd.first_diff = "\\";
  odd.site_id = INT64_MIN;
  odd.masked_at = MaskingStage::kPooling;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    odd.max_logit_dev = std::ldexp(double(rng() >> 11), int(rng() % 200) - 150);
    const std::string line = to_line(odd);
    ASSERT_EQ(line.find('\n'), std::string::npos);
    expect_same(injection_from_line(line), odd);
  }
  // A malformed line names the field.
  std::string bad = to_line(r);
  bad.replace(bad.find("sdc_critical"), 12, "sdc_maybe");
  EXPECT_NE(line_error(bad).find("'outcome'"), std::string::npos) << line_error(bad);
  EXPECT_NE(line_error(bad).find("sdc_maybe"), std::string::npos) << line_error(bad);
  bad = to_line(r);
  bad.erase(bad.rfind('\t'));
  EXPECT_NE(line_error(bad).find("'cycles_simulated'"), std::string::npos) << line_error(bad);
  EXPECT_NE(line_error(to_line(r) + "\t1").find("more fields"), std::string::npos);
  bad = to_line(r);
  bad.replace(0, bad.find('\t'), "11x");
  EXPECT_NE(line_error(bad).find("'id'"), std::string::npos) << line_error(bad);
  EXPECT_NE(line_error("").find("'id'"), std::string::npos) << line_error("");
}

TEST(InjectionRecord, EveryFieldSurvivesJson) {
  const InjectionRecord r = sample_record(11);
  expect_same(injection_from_json(nlohmann::json::parse(to_json(r).dump())), r);
  // The stored text, not the enum's number, travels: a worker and a parent of different builds still agree.
  EXPECT_EQ(to_json(r)["outcome"], "sdc_critical");
  nlohmann::json bad = to_json(r);
  bad["outcome"] = "sdc_maybe";
  try {
    injection_from_json(bad);
    FAIL() << "an unknown outcome was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("outcome"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sdc_maybe"), std::string::npos) << e.what();
  }
  bad = to_json(r);
  bad.erase("cycle");
  try {
    injection_from_json(bad);
    FAIL() << "a missing field was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'cycle'"), std::string::npos) << e.what();
  }
}

TEST(InjectionRecord, CsvHasTheColumnsItAlwaysHad) {
  EXPECT_EQ(injection_columns(","),
            "id,image,label,fault_model,site_id,site,class,row,col,bit,mask,flips,layer,pass,cycle,outcome,masked_at,"
            "first_diff,max_logit_dev,golden_top1,faulty_top1,cycles_simulated");
  EXPECT_EQ(injection_csv_line(sample_record(4)),
            "4,3,7,flip,1099511627781,array.pe[3][5].psum_q[17],pe_psum,3,5,17,9223372036854775808,2,"
            "\"conv \"\"1\"\", fused\",4,123456789012,sdc_critical,,fc3,0.123457,2,9,4102");
}

TEST(Outcome, TextsAreTheStoredValues) {
  for (Outcome o : kAllOutcomes) EXPECT_EQ(parse_outcome(to_string(o)), o);
  EXPECT_EQ(std::string(to_string(Outcome::kSdc)), "sdc");
  EXPECT_EQ(std::string(to_string(Outcome::kSdcCritical)), "sdc_critical");
  EXPECT_FALSE(parse_outcome("SDC"));
  EXPECT_TRUE(is_sdc(Outcome::kSdc) && is_sdc(Outcome::kSdcCritical) && !is_sdc(Outcome::kHang));
  for (MaskingStage m : kAllMaskingStages)
    if (m != MaskingStage::kInsideAccelerator) EXPECT_EQ(parse_masking_stage(to_string(m)), m);
  // classify()'s intermediate answer is never a stored value.
  EXPECT_FALSE(parse_masking_stage("inside_accelerator"));
}

TEST(ResultStore, RefusesToStoreAnUnrefinedMaskingStage) {
  const std::string db = fresh_db("unrefined");
  ResultStore store(db);
  InjectionRecord r = sample_record(1);
  r.outcome = Outcome::kMasked;
  r.masked_at = MaskingStage::kInsideAccelerator;
  EXPECT_THROW(store.insert({r}), ConfigError);
  EXPECT_TRUE(store.injections().empty());
}

TEST(ResultStore, OlderSchemaIsAClearErrorAndTheFileIsUnchanged) {
  const std::string db = fresh_db("schema_v1");
  // What flipsim wrote before the version bump (abridged: the version is read before any table).
  raw_sql(db,
          "CREATE TABLE injections (id INTEGER PRIMARY KEY, outcome TEXT NOT NULL);"
          "INSERT INTO injections VALUES (0, 'sdc');"
          "PRAGMA user_version = 1;");
  const std::string before = file_bytes(db);
  const std::string error = open_error(db);
  EXPECT_NE(error.find(db + ":"), std::string::npos) << error;
  EXPECT_NE(error.find("schema version 1"), std::string::npos) << error;
  EXPECT_NE(error.find("reads versions 3 to " + std::to_string(ResultStore::kSchemaVersion)), std::string::npos)
      << error;
  EXPECT_NE(error.find("Re-run the campaign into a new --db"), std::string::npos) << error;
  EXPECT_EQ(file_bytes(db), before);
}

TEST(ResultStore, Version3DatabaseIsReadAndFilledLikeVersion4) {
  // Version 3 kept `injections` in id order (`id INTEGER PRIMARY KEY`); the columns are the same.
  const std::string db = fresh_db("schema_v3");
  ResultStore(db).insert({sample_record(7), sample_record(3)});
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT sql FROM sqlite_master WHERE name = 'injections'", -1, &s, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    std::string schema = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(raw);
    const size_t at = schema.find("id INTEGER NOT NULL UNIQUE");
    ASSERT_NE(at, std::string::npos) << schema;
    schema.replace(at, std::string("id INTEGER NOT NULL UNIQUE").size(), "id INTEGER PRIMARY KEY");
    raw_sql(db, "BEGIN; ALTER TABLE injections RENAME TO v4; " + schema +
                    "; INSERT INTO injections SELECT * FROM v4; DROP TABLE v4; PRAGMA user_version = 3; COMMIT;");
  }
  ResultStore store(db);
  store.insert({sample_record(5), sample_record(1)});
  EXPECT_EQ(store.done_ids(), (std::vector<uint64_t>{1, 3, 5, 7}));
  const auto rows = store.injections();
  ASSERT_EQ(rows.size(), 4u);
  expect_same(rows[2], sample_record(5));
  EXPECT_THROW(store.insert({sample_record(3)}), ConfigError);
}

TEST(ResultStore, NewerSchemaIsAClearErrorAndTheFileIsUnchanged) {
  const std::string db = fresh_db("schema_newer");
  const int newer = ResultStore::kSchemaVersion + 1;
  raw_sql(db, "CREATE TABLE injections (id INTEGER PRIMARY KEY); PRAGMA user_version = " + std::to_string(newer));
  const std::string before = file_bytes(db);
  const std::string error = open_error(db);
  EXPECT_NE(error.find(db + ": campaign database of schema version " + std::to_string(newer)), std::string::npos)
      << error;
  EXPECT_NE(error.find("newer flipsim"), std::string::npos) << error;
  EXPECT_EQ(file_bytes(db), before);
}

TEST(ResultStore, ForeignSqliteFileIsRefused) {
  const std::string db = fresh_db("foreign");
  raw_sql(db, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');");
  const std::string before = file_bytes(db);
  const std::string error = open_error(db);
  EXPECT_NE(error.find("not a flipsim campaign database"), std::string::npos) << error;
  EXPECT_EQ(file_bytes(db), before);
}

TEST(ResultStore, MalformedRowsAreErrorsNamingTheRowAndColumn) {
  const std::string db = fresh_db("malformed");
  {
    ResultStore store(db);
    store.insert({sample_record(7), sample_record(8)});
  }
  // Edited by hand, past the schema's checks.
  raw_sql(db, "PRAGMA ignore_check_constraints = 1; UPDATE injections SET outcome = 'bogus' WHERE id = 7;"
              "UPDATE injections SET image = 'three' WHERE id = 8;");
  const ResultStore store(db);
  try {
    store.injections();
    FAIL() << "a malformed row was read";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(db + ": injection 7: column outcome holds 'bogus'"), std::string::npos) << what;
  }
  try {
    store.outcomes_by_class();
    FAIL() << "an unknown outcome was counted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(db + ": table injections: column outcome holds 'bogus'"), std::string::npos)
        << e.what();
  }
  try {
    store.injection(8);
    FAIL() << "a malformed row was read";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("injection 8: column image holds no integer"), std::string::npos)
        << e.what();
  }
}

TEST(ResultStore, SchemaChecksOutcomeValues) {
  const std::string db = fresh_db("checked");
  { ResultStore store(db); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  const auto insert = [&](int id, const std::string& outcome, const std::string& masked_at) {
    const std::string sql =
        "INSERT INTO injections (id, image, label, fault_model, site_id, site, class, row, col, bit, mask, flips, "
        "layer, pass, cycle, outcome, masked_at, first_diff, max_logit_dev, golden_top1, faulty_top1, "
        "cycles_simulated) VALUES (" +
        std::to_string(id) + ", 0, 0, 'flip', 0, 's', 'c', 0, 0, 0, 1, 1, 'l', 0, 0, '" + outcome + "', '" +
        masked_at + "', '', 0.0, 0, 0, 0)";
    return sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr);
  };
  EXPECT_EQ(insert(1, "sdc", ""), SQLITE_OK);
  EXPECT_NE(insert(2, "SDC", ""), SQLITE_OK);
  EXPECT_NE(insert(3, "masked", "inside_accelerator"), SQLITE_OK);
  EXPECT_EQ(insert(4, "masked", "saturation"), SQLITE_OK);
  sqlite3_close(raw);
}

}  // namespace
}  // namespace flipsim
