#include "sim/campaign/result_store.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <type_traits>
#include <utility>

#include "model/common/config_error.h"

namespace flipsim {

namespace {

constexpr const char* kCampaignSchema = R"sql(
CREATE TABLE IF NOT EXISTS campaign (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  config_path TEXT NOT NULL,
  config TEXT NOT NULL,
  seed INTEGER NOT NULL,
  total INTEGER NOT NULL,
  timeline TEXT NOT NULL,
  accelerator TEXT NOT NULL,
  network TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (datetime('now')),
  shard INTEGER NOT NULL DEFAULT 0,
  shards INTEGER NOT NULL DEFAULT 1 CHECK (shards >= 1 AND shard >= 0 AND shard < shards)
);
CREATE TABLE IF NOT EXISTS owner (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  start_ticks INTEGER NOT NULL,
  since TEXT NOT NULL DEFAULT (datetime('now'))
);
)sql";

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

/// Field 22 of /proc/PID/stat (clock ticks after boot), or 0 when it cannot be read. The command name before it
/// may hold spaces and parentheses, so the fields are counted from the last ')'.
int64_t process_start_ticks(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), {});
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    if (i == 22) return std::stoll(field);
  return 0;
}

bool may_be_alive(const DbOwner& o) {
  if (o.host != host_name()) return true;  // another machine's process cannot be checked from here
  if (kill(pid_t(o.pid), 0) != 0 && errno == ESRCH) return false;
  const int64_t ticks = process_start_ticks(o.pid);
  return ticks == 0 || o.start_ticks == 0 || ticks == o.start_ticks;
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
      throw ConfigError(path + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() { return stmt_; }
  bool step(const std::string& path) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw ConfigError(path + ": " + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
  std::string text(int col) {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One overload per field type: how it is declared, bound and read in SQL. (bind_value, not bind: a std::string
// argument would find std::bind by argument-dependent lookup, a better match for a non-const one, and bind nothing.)

const char* sql_type(uint64_t) { return "INTEGER"; }
const char* sql_type(int64_t) { return "INTEGER"; }
const char* sql_type(int) { return "INTEGER"; }
const char* sql_type(double) { return "REAL"; }
const char* sql_type(const std::string&) { return "TEXT"; }
const char* sql_type(Outcome) { return "TEXT"; }
const char* sql_type(MaskingStage) { return "TEXT"; }

/// The values an enum column may hold: those its parser accepts (MaskingStage::kInsideAccelerator is never stored).
std::vector<const char*> stored_texts(Outcome) {
  std::vector<const char*> out;
  for (Outcome o : kAllOutcomes) out.push_back(to_string(o));
  return out;
}
std::vector<const char*> stored_texts(MaskingStage) {
  std::vector<const char*> out;
  for (MaskingStage m : kAllMaskingStages)
    if (parse_masking_stage(to_string(m))) out.push_back(to_string(m));
  return out;
}
/// "'a', 'b'": for messages.
template <class Enum>
std::string stored_values(Enum e) {
  std::string out;
  for (const char* text : stored_texts(e)) out += std::string(out.empty() ? "'" : ", '") + text + "'";
  return out;
}

/// Enum columns refuse any text their parser would refuse, so a database of this version always reads back. As
/// comparisons joined by OR: SQLite looks a value up in an IN list of more than two through a table it builds
/// per statement, which cost a third of an insert.
template <class T>
std::string sql_check(const char*, const T&) {
  return "";
}
template <class Enum>
std::string enum_check(const char* column, Enum e) {
  std::string alternatives;
  for (const char* text : stored_texts(e))
    alternatives += std::string(alternatives.empty() ? "" : " OR ") + column + " = '" + text + "'";
  return " CHECK (" + alternatives + ")";
}
std::string sql_check(const char* column, Outcome o) { return enum_check(column, o); }
std::string sql_check(const char* column, MaskingStage m) { return enum_check(column, m); }

/// `id` is unique, not the table's key: rows are stored in the order they arrive, each at the end of the table, and
/// only the index on `id` takes them in id order. A campaign's rows arrive image by image, scattered over the ids;
/// kept in id order (schema 3), each row rewrote a page of its own, and storing one cost 15 µs at 20,000 rows and
/// 46 µs at 400,000 (BENCHMARKS.md).
std::string injections_schema() {
  std::string sql = "CREATE TABLE IF NOT EXISTS injections (\n";
  bool first = true;
  const InjectionRecord sample;
  for_each_injection_field([&](const char* column, auto member) {
    sql += std::string(first ? "  " : ",\n  ") + column + " " + sql_type(sample.*member) +
           (first ? " NOT NULL UNIQUE" : " NOT NULL") + sql_check(column, sample.*member);
    first = false;
  });
  return sql + "\n);\n";
}

void bind_value(sqlite3_stmt* s, int i, uint64_t v) { sqlite3_bind_int64(s, i, int64_t(v)); }
void bind_value(sqlite3_stmt* s, int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
void bind_value(sqlite3_stmt* s, int i, int v) { sqlite3_bind_int(s, i, v); }
void bind_value(sqlite3_stmt* s, int i, double v) { sqlite3_bind_double(s, i, v); }
// SQLITE_STATIC: every text bound outlives the statement's step (insert() binds from the records it was given).
void bind_value(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), int(v.size()), SQLITE_STATIC);
}
void bind_value(sqlite3_stmt* s, int i, Outcome v) { sqlite3_bind_text(s, i, to_string(v), -1, SQLITE_STATIC); }
void bind_value(sqlite3_stmt* s, int i, MaskingStage v) { sqlite3_bind_text(s, i, to_string(v), -1, SQLITE_STATIC); }

/// Reads one row; `where` names the file and the row for errors.
class RowReader {
 public:
  RowReader(Statement& s, std::string where) : s_(s), where_(std::move(where)) {}

  void read(int col, const char* column, uint64_t& v) { v = uint64_t(integer(col, column)); }
  void read(int col, const char* column, int64_t& v) { v = integer(col, column); }
  void read(int col, const char* column, int& v) { v = int(integer(col, column)); }
  void read(int col, const char* column, double& v) {
    const int type = sqlite3_column_type(s_.get(), col);
    if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) fail(column, "holds no number");
    v = sqlite3_column_double(s_.get(), col);
  }
  void read(int col, const char* column, std::string& v) { v = text(col, column); }
  void read(int col, const char* column, Outcome& v) {
    const std::string t = text(col, column);
    const auto o = parse_outcome(t);
    if (!o) fail(column, "holds '" + t + "', not one of " + stored_values(Outcome{}));
    v = *o;
  }
  void read(int col, const char* column, MaskingStage& v) {
    const std::string t = text(col, column);
    const auto s = parse_masking_stage(t);
    if (!s) fail(column, "holds '" + t + "', not one of " + stored_values(MaskingStage{}));
    v = *s;
  }

 private:
  int64_t integer(int col, const char* column) {
    if (sqlite3_column_type(s_.get(), col) != SQLITE_INTEGER) fail(column, "holds no integer");
    return s_.integer(col);
  }
  std::string text(int col, const char* column) {
    if (sqlite3_column_type(s_.get(), col) != SQLITE_TEXT) fail(column, "holds no text");
    return s_.text(col);
  }
  [[noreturn]] void fail(const char* column, const std::string& what) {
    throw ConfigError(where_ + ": column " + column + " " + what);
  }

  Statement& s_;
  std::string where_;
};

InjectionRecord read_record(Statement& s, const std::string& path) {
  RowReader reader(s, path + ": injection " + std::to_string(s.integer(0)));
  InjectionRecord r;
  int col = 0;
  for_each_injection_field([&](const char* column, auto member) { reader.read(col++, column, r.*member); });
  return r;
}

}  // namespace

ResultStore::ResultStore(const std::string& path) : path_(path) {
  // No mutex: a store is used by one thread (its locks cost a twentieth of an insert).
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw ConfigError(path + ": cannot open database: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    // Reading the schema first: a non-database file fails here, before anything is written.
    int64_t v = 0, n = 0;
    {
      Statement version(db_, "PRAGMA user_version", path_);
      version.step(path_);
      v = version.integer(0);
      Statement tables(db_, "SELECT count(*) FROM sqlite_master", path_);
      tables.step(path_);
      n = tables.integer(0);
    }
    if (n > 0) check_schema_version(v);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    if (n == 0) {
      exec(std::string("BEGIN;") + kCampaignSchema + injections_schema() +
           "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";COMMIT;");
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

void ResultStore::check_schema_version(int64_t found) const {
  const std::string expected = std::to_string(kSchemaVersion);
  const std::string readable = "versions " + std::to_string(kOldestReadable) + " to " + expected;
  const std::string unchanged = " (the file was not changed)";
  if (found == 0)
    throw ConfigError(path_ + ": an SQLite database but not a flipsim campaign database (user_version 0, expected " +
                      expected + "); give another --db" + unchanged);
  if (found < kOldestReadable)
    throw ConfigError(path_ + ": campaign database of schema version " + std::to_string(found) +
                      ", written by an older flipsim; this one reads " + readable +
                      ". Re-run the campaign into a new --db (the same config and seed give the same rows), or read "
                      "it with the flipsim that wrote it" + unchanged);
  if (found > kSchemaVersion)
    throw ConfigError(path_ + ": campaign database of schema version " + std::to_string(found) +
                      ", written by a newer flipsim; this one reads " + readable +
                      ". Read it with that newer flipsim" + unchanged);
}

ResultStore::~ResultStore() {
  if (db_) sqlite3_close(db_);
}

void ResultStore::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw ConfigError(path_ + ": " + msg);
  }
}

bool ResultStore::has_campaign() const {
  Statement s(db_, "SELECT count(*) FROM campaign", path_);
  s.step(path_);
  return s.integer(0) > 0;
}

CampaignRow ResultStore::campaign() const {
  Statement s(db_, "SELECT name, config, seed, total, timeline, accelerator, network, config_path, shard, shards "
              "FROM campaign",
              path_);
  if (!s.step(path_)) throw ConfigError(path_ + ": holds no campaign");
  CampaignRow r;
  r.name = s.text(0);
  r.config_text = s.text(1);
  r.seed = uint64_t(s.integer(2));
  r.total = uint64_t(s.integer(3));
  r.timeline_json = s.text(4);
  r.accelerator = s.text(5);
  r.network = s.text(6);
  r.config_path = s.text(7);
  r.shard = int(s.integer(8));
  r.shards = int(s.integer(9));
  return r;
}

void ResultStore::create_campaign(const CampaignRow& row) {
  Statement s(db_,
              "INSERT INTO campaign (id, name, config, seed, total, timeline, accelerator, network, config_path, shard, "
              "shards) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              path_);
  sqlite3_bind_text(s.get(), 1, row.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 2, row.config_text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.get(), 3, int64_t(row.seed));
  sqlite3_bind_int64(s.get(), 4, int64_t(row.total));
  sqlite3_bind_text(s.get(), 5, row.timeline_json.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 6, row.accelerator.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 7, row.network.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s.get(), 8, row.config_path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(s.get(), 9, row.shard);
  sqlite3_bind_int(s.get(), 10, row.shards);
  s.step(path_);
}

std::string DbOwner::describe() const {
  return "pid " + std::to_string(pid) + " on host " + host + " (since " + since + " UTC)";
}

std::optional<DbOwner> ResultStore::live_owner() const {
  Statement s(db_, "SELECT pid, host, start_ticks, since FROM owner", path_);
  if (!s.step(path_)) return std::nullopt;
  DbOwner o{s.integer(0), s.text(1), s.integer(2), s.text(3)};
  if (!may_be_alive(o)) return std::nullopt;
  return o;
}

void ResultStore::claim_ownership() {
  // IMMEDIATE: the write lock is taken before the check, so a second run waits for the first one's commit and
  // then sees its row.
  exec("BEGIN IMMEDIATE");
  try {
    if (const std::optional<DbOwner> holder = live_owner()) {
      const bool here = holder->host == host_name();
      throw ConfigError(path_ + ": in use by another flipsim campaign, " + holder->describe() +
                        "; wait for it to finish or give another --db" +
                        (here ? std::string()
                              : ". If that process is gone, remove its claim with: sqlite3 " + path_ +
                                    " 'DELETE FROM owner'") +
                        " (the file was not changed)");
    }
    Statement s(db_, "INSERT OR REPLACE INTO owner (id, pid, host, start_ticks) VALUES (1, ?, ?, ?)", path_);
    sqlite3_bind_int64(s.get(), 1, int64_t(getpid()));
    const std::string host = host_name();
    sqlite3_bind_text(s.get(), 2, host.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s.get(), 3, process_start_ticks(getpid()));
    s.step(path_);
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

void ResultStore::release_ownership() {
  Statement s(db_, "DELETE FROM owner WHERE pid = ? AND host = ?", path_);
  sqlite3_bind_int64(s.get(), 1, int64_t(getpid()));
  const std::string host = host_name();
  sqlite3_bind_text(s.get(), 2, host.c_str(), -1, SQLITE_TRANSIENT);
  s.step(path_);
}

StoreClaim::~StoreClaim() {
  try {
    store_.release_ownership();
  } catch (const std::exception&) {
    // Destructors must not throw; a row left behind is a stale claim the next run replaces.
  }
}

std::vector<uint64_t> ResultStore::done_ids() const {
  Statement s(db_, "SELECT id FROM injections ORDER BY id", path_);
  std::vector<uint64_t> ids;
  while (s.step(path_)) ids.push_back(uint64_t(s.integer(0)));
  return ids;
}

std::vector<ResultStore::ClassOutcomes> ResultStore::outcomes_by_class() const {
  // Counted here, not by GROUP BY: SQLite sorts every row to group them, which took a campaign's parent 0.055 s
  // at 100,000 rows after its workers had finished; a scan with a handful of groups takes a fifth of that.
  Statement s(db_, "SELECT class, outcome FROM injections", path_);
  std::map<std::pair<std::string, Outcome>, uint64_t> counts;
  RowReader reader(s, path_ + ": table injections");
  std::pair<std::string, Outcome> key;
  while (s.step(path_)) {
    reader.read(0, "class", key.first);
    reader.read(1, "outcome", key.second);
    ++counts[key];
  }
  std::vector<ClassOutcomes> out;
  for (const auto& [group, n] : counts) out.push_back(ClassOutcomes{group.first, group.second, n});
  return out;
}

void ResultStore::insert_rows(size_t rows, const std::function<void(size_t, sqlite3_stmt*, int&)>& bind_row) {
  if (rows == 0) return;
  // Rows go in kRowsPerInsert to a statement, the rest one at a time: each statement opens the table anew, which
  // costs as much as storing a row or two (a campaign's parent stores tens of thousands of rows a second).
  constexpr size_t kRowsPerInsert = 16;
  std::string row;
  for_each_injection_field([&](const char*, auto) { row += row.empty() ? "(?" : ",?"; });
  row += ")";
  const std::string insert = "INSERT INTO injections (" + injection_columns(", ") + ") VALUES ";
  std::string many_rows = row;
  for (size_t k = 1; k < kRowsPerInsert; ++k) many_rows += "," + row;
  exec("BEGIN IMMEDIATE");
  try {
    Statement many(db_, insert + many_rows, path_), one(db_, insert + row, path_);
    for (size_t first = 0; first < rows;) {
      const size_t count = rows - first >= kRowsPerInsert ? kRowsPerInsert : 1;
      Statement& s = count == kRowsPerInsert ? many : one;
      sqlite3_reset(s.get());
      int i = 1;
      for (size_t r = first; r < first + count; ++r) bind_row(r, s.get(), i);
      s.step(path_);
      first += count;
    }
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

// Both in the order of their ids, the index's: a campaign's rows arrive image by image, scattered over the ids,
// and each would otherwise dirty an index page of its own.

void ResultStore::insert(const std::vector<InjectionRecord>& records) {
  std::vector<const InjectionRecord*> by_id;
  by_id.reserve(records.size());
  for (const InjectionRecord& r : records) by_id.push_back(&r);
  std::sort(by_id.begin(), by_id.end(),
            [](const InjectionRecord* a, const InjectionRecord* b) { return a->id < b->id; });
  insert_rows(by_id.size(), [&](size_t r, sqlite3_stmt* s, int& i) {
    for_each_injection_field([&](const char*, auto member) { bind_value(s, i++, by_id[r]->*member); });
  });
}

void ResultStore::insert_lines(std::string_view lines) {
  using Fields = std::array<std::string_view, kInjectionFields>;
  std::vector<Fields> rows;
  std::vector<std::pair<uint64_t, size_t>> by_id;  // (id, row): sorting these, not the rows, moves 16 bytes a row
  const size_t count = size_t(std::count(lines.begin(), lines.end(), '\n')) + 1;
  rows.reserve(count);
  by_id.reserve(count);
  for (size_t begin = 0; begin < lines.size();) {
    const size_t end = std::min(lines.find('\n', begin), lines.size());
    try {
      rows.push_back(split_injection_line(lines.substr(begin, end - begin)));
    } catch (const std::runtime_error& e) {
      throw ConfigError(path_ + ": a worker's result: " + e.what() + " (nothing of its batch was stored)");
    }
    uint64_t id = 0;
    if (!parse_injection_field(rows.back()[0], id))
      throw ConfigError(path_ + ": a worker's result: field 'id' is not of its type: '" +
                        std::string(rows.back()[0]) + "' (nothing of its batch was stored)");
    by_id.emplace_back(id, rows.size() - 1);
    begin = end + 1;
  }
  std::sort(by_id.begin(), by_id.end());
  std::deque<std::string> unescaped;  // text with escapes, bound until the transaction ends
  insert_rows(by_id.size(), [&](size_t r, sqlite3_stmt* s, int& i) {
    const Fields& fields = rows[by_id[r].second];
    size_t f = 0;
    for_each_injection_field([&](const char* column, auto member) {
      using Field = std::remove_reference_t<decltype(std::declval<InjectionRecord&>().*member)>;
      const std::string_view text = fields[f++];
      if constexpr (std::is_same_v<Field, std::string>) {
        if (text.find('\\') == std::string_view::npos) {
          sqlite3_bind_text(s, i++, text.data(), int(text.size()), SQLITE_STATIC);
          return;
        }
      }
      Field value{};
      if (!parse_injection_field(text, value))
        throw ConfigError(path_ + ": a worker's result for injection " + std::to_string(by_id[r].first) +
                          ": field '" + column + "' is not of its type: '" + std::string(text) +
                          "' (nothing of its batch was stored)");
      if constexpr (std::is_same_v<Field, std::string>)
        bind_value(s, i++, unescaped.emplace_back(std::move(value)));
      else
        bind_value(s, i++, value);
    });
  });
}

std::vector<InjectionRecord> ResultStore::injections() const {
  Statement s(db_, "SELECT " + injection_columns(", ") + " FROM injections ORDER BY id", path_);
  std::vector<InjectionRecord> out;
  while (s.step(path_)) out.push_back(read_record(s, path_));
  return out;
}

InjectionRecord ResultStore::injection(uint64_t id) const {
  Statement s(db_, "SELECT " + injection_columns(", ") + " FROM injections WHERE id = ?", path_);
  sqlite3_bind_int64(s.get(), 1, int64_t(id));
  if (!s.step(path_)) throw ConfigError(path_ + ": no injection with id " + std::to_string(id));
  return read_record(s, path_);
}

}  // namespace flipsim
