// A SQLite table as a sink: a materialised view, upserted by record id, so replays after a
// crash rewrite rows instead of adding them (effectively once). One transaction per flush;
// a tombstone deletes its row. Query fields with json_extract(value, '$.field').
#include "core/error.hpp"
#include "core/sinks/sink.hpp"
#include "core/util/log.hpp"

#include <sqlite3.h>

#include <thread>

namespace meshctl::sinks {

namespace {

std::string quote_identifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

class SqliteSink : public Sink {
public:
    SqliteSink(std::string path, std::string table) : path_(std::move(path)), table_(std::move(table)) {
        if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
            SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw io_error("cannot open SQLite database " + path_ + ": " + msg, "check that the folder exists and is writable");
        }
        sqlite3_busy_timeout(db_, 5000);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        std::string t = quote_identifier(table_);
        exec("CREATE TABLE IF NOT EXISTS " + t +
             " (id TEXT PRIMARY KEY, key TEXT, value TEXT, topic TEXT, partition INTEGER, offset INTEGER, timestamp INTEGER)");
        upsert_ = prepare("INSERT INTO " + t +
                          " (id, key, value, topic, partition, offset, timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                          " ON CONFLICT(id) DO UPDATE SET key=excluded.key, value=excluded.value, topic=excluded.topic,"
                          " partition=excluded.partition, offset=excluded.offset, timestamp=excluded.timestamp");
        delete_ = prepare("DELETE FROM " + t + " WHERE id = ?1");
    }
    ~SqliteSink() override {
        sqlite3_finalize(upsert_);
        sqlite3_finalize(delete_);
        sqlite3_close(db_);
    }
    std::string describe() const override { return "sqlite:" + path_ + "?table=" + table_; }
    void write(const Record& r) override { pending_.push_back(r); }
    FlushResult flush(std::chrono::milliseconds deadline) override {
        FlushResult result;
        if (pending_.empty()) return result;
        auto until = std::chrono::steady_clock::now() + deadline;
        for (int attempt = 0;; ++attempt) {
            try {
                apply();
                break;
            } catch (const Error& e) {
                exec_noexcept("ROLLBACK");
                if (!busy_ || std::chrono::steady_clock::now() >= until) {
                    pending_.clear();  // rolled back: the caller writes them again from its committed offsets
                    throw;
                }
                log::warn(describe() + " is locked by another writer; retrying");
                std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 4))));
            }
        }
        result.written = pending_.size();
        pending_.clear();
        return result;
    }

private:
    void apply() {
        exec("BEGIN IMMEDIATE");
        for (const auto& r : pending_) {
            sqlite3_stmt* s = r.value ? upsert_ : delete_;
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            sqlite3_bind_text(s, 1, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
            if (r.value) {
                if (r.key) sqlite3_bind_text(s, 2, r.key->data(), static_cast<int>(r.key->size()), SQLITE_STATIC);
                sqlite3_bind_text(s, 3, r.value->data(), static_cast<int>(r.value->size()), SQLITE_STATIC);
                sqlite3_bind_text(s, 4, r.topic.data(), static_cast<int>(r.topic.size()), SQLITE_STATIC);
                sqlite3_bind_int64(s, 5, r.partition);
                sqlite3_bind_int64(s, 6, r.offset);
                sqlite3_bind_int64(s, 7, r.timestamp_ms);
            }
            int rc = sqlite3_step(s);
            if (rc != SQLITE_DONE) fail("write to", rc);
        }
        exec("COMMIT");
    }
    [[noreturn]] void fail(const std::string& action, int rc) {
        busy_ = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        std::string msg = sqlite3_errmsg(db_);
        if (rc == SQLITE_FULL) throw io_error("cannot " + action + " " + describe() + ": the disk is full", "free space and run again");
        throw io_error("cannot " + action + " " + describe() + ": " + msg);
    }
    void exec(const std::string& sql) {
        char* err = nullptr;
        int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            sqlite3_free(err);
            fail("update", rc);
        }
    }
    void exec_noexcept(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
    sqlite3_stmt* prepare(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
        if (rc != SQLITE_OK)
            throw io_error("cannot use table \"" + table_ + "\" in " + path_ + ": " + sqlite3_errmsg(db_),
                           "an existing table must have the columns id (primary key), key, value, topic, partition, offset, timestamp");
        return s;
    }

    std::string path_, table_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* upsert_ = nullptr;
    sqlite3_stmt* delete_ = nullptr;
    std::vector<Record> pending_;
    bool busy_ = false;
};

}  // namespace

std::unique_ptr<Sink> make_sqlite_sink(const std::string& path, const std::string& table) {
    if (path.empty()) throw usage_error("sqlite sink needs a database path: sqlite:PATH.db?table=NAME");
    if (table.empty()) throw usage_error("sqlite sink needs a table name: sqlite:PATH.db?table=NAME");
    return std::make_unique<SqliteSink>(path, table);
}

}  // namespace meshctl::sinks
