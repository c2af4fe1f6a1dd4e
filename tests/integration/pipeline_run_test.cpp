#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// The seed pipeline end to end on real Kafka: exact output computed independently from the
// produced data, kill -9 and restart, two processes in one group, tombstones, and a tier
// change while running.
#include <doctest/doctest.h>

#include "core/dev/demo_data.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "core/util/job_thread.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace meshctl;

namespace {

using Row = std::tuple<std::string, std::string, std::string>;  // order_id, customer name, customer_id

struct Fixture {
    std::string bootstrap = test::fixture_address("kafka");
    std::string suffix = test::random_suffix();
    std::string orders = "it-orders-" + suffix, customers = "it-customers-" + suffix;
    test::TempDir dir;
    std::map<std::string, std::string> env{{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}};
    std::map<std::string, std::string> latest;  // customer id -> latest JSON (tombstones removed)
    std::vector<std::string> order_values;
    dev::DemoShape shape;

    // `filler` customers no order refers to come first in the customers topic, so that
    // loading the table takes long.
    explicit Fixture(int order_count = 3000, int filler = 0) {
        shape.orders = order_count;
        shape.now_ms = 1'700'000'000'000;
        kafka::Admin admin(settings());
        admin.create_topic(orders, 3, 1, {});
        admin.create_topic(customers, 3, 1, {});
        kafka::Producer p(settings(), {{"partitioner", "murmur2_random"}});
        for (int i = 0; i < filler; ++i) {
            std::string id = "filler-" + std::to_string(i);
            p.produce(customers, id, "{\"id\":\"" + id + "\",\"name\":\"Filler\",\"tier\":\"PLATINUM\"}", -1, {}, shape.now_ms);
            latest[id] = "{\"id\":\"" + id + "\",\"name\":\"Filler\",\"tier\":\"PLATINUM\"}";
        }
        for (const auto& r : dev::demo_customers(shape)) {
            p.produce(customers, r.key, r.value ? std::optional<std::string_view>(*r.value) : std::nullopt, -1, {}, r.timestamp_ms);
            if (r.value) latest[r.key] = *r.value;
            else latest.erase(r.key);
        }
        for (const auto& r : dev::demo_orders(shape)) {
            p.produce(orders, r.key, *r.value, -1, {}, r.timestamp_ms);
            order_values.push_back(*r.value);
        }
        p.flush(30'000);
    }
    ~Fixture() { kafka::Admin(settings()).delete_topics({orders, customers}); }
    kafka::ClientSettings settings() const {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        return s;
    }
    std::string write_pipeline(const std::string& name, const std::string& sinks) const {
        std::string yaml = "name: " + name + "\nsources:\n  orders: {topic: " + orders + ", as: stream, from: beginning}\n"
                           "  customers: {topic: " + customers + ", as: table, key: key}\nsteps:\n"
                           "  - join: {table: customers, on: value.customer_id, type: inner, as: customer}\n"
                           "  - filter: customer.tier == \"PLATINUM\"\n"
                           "  - map: {order_id: value.order_id, customer: customer.name, customer_id: customer.id, tier: customer.tier}\n"
                           "sinks:\n" + sinks;
        return dir.write(name + ".yaml", yaml).string();
    }
    // Computed from the produced data alone: every order whose customer's latest row is PLATINUM.
    std::set<Row> expected() const {
        std::set<Row> out;
        for (const auto& v : order_values) {
            auto o = nlohmann::json::parse(v);
            auto c = latest.find(o["customer_id"].get<std::string>());
            if (c == latest.end()) continue;
            auto cj = nlohmann::json::parse(c->second);
            if (cj["tier"] == "PLATINUM") out.insert(Row{o["order_id"].get<std::string>(), cj["name"].get<std::string>(), cj["id"].get<std::string>()});
        }
        return out;
    }
};

std::vector<nlohmann::json> sqlite_rows(const std::string& path, const std::string& table) {
    std::vector<nlohmann::json> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return out;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, ("SELECT id, value FROM " + table).c_str(), -1, &s, nullptr) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            auto v = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
            v["_id"] = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
            out.push_back(v);
        }
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

std::set<Row> as_rows(const std::vector<nlohmann::json>& values) {
    std::set<Row> out;
    for (const auto& v : values) out.insert(Row{v["order_id"].get<std::string>(), v["customer"].get<std::string>(), v["customer_id"].get<std::string>()});
    return out;
}

std::vector<nlohmann::json> file_values(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line)["value"]);
    return out;
}

// Starts meshctl in the background with stdout/stderr in files.
pid_t spawn(const std::vector<std::string>& args, const std::string& log_path, const std::map<std::string, std::string>& env) {
    return test::spawn_meshctl(args, log_path, env);
}
using test::wait_exit;

std::string slurp(const std::string& path) { return test::run_program({"cat", path}).out; }

}  // namespace

TEST_CASE("the seed scenario writes exactly the expected records to sqlite and the file") {
    Fixture f;
    std::string db = (f.dir.path() / "platinum.db").string(), out = (f.dir.path() / "platinum.jsonl").string();
    auto file = f.write_pipeline("seed-" + f.suffix, "  - {type: sqlite, path: " + db + ", table: platinum_orders, key: value.order_id}\n"
                                                     "  - {type: file, path: " + out + "}\n");
    auto r = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-o", "json"}, f.env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto expected = f.expected();
    REQUIRE(expected.size() > 50);
    auto rows = sqlite_rows(db, "platinum_orders");
    CHECK(rows.size() == expected.size());
    CHECK(as_rows(rows) == expected);
    for (const auto& row : rows) CHECK(row["_id"] == row["order_id"]);
    auto lines = file_values(out);
    CHECK(lines.size() == expected.size());
    CHECK(as_rows(lines) == expected);
    // The tombstoned customer is gone from the table: none of its orders came through.
    for (const auto& row : rows) CHECK(row["customer_id"] != dev::demo_deleted_customer());
    auto summary = nlohmann::json::parse(r.out);
    CHECK(summary["read"]["orders"] == f.order_values.size());
    CHECK(summary["events"]["emitted"] == expected.size());
    CHECK(summary["stopped"] == "caught_up");

    // A second run of the same group has nothing left to do.
    auto again = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-o", "json"}, f.env);
    REQUIRE_MESSAGE(again.exit_code == 0, again.err);
    CHECK(nlohmann::json::parse(again.out)["read"]["orders"] == 0);
    CHECK(file_values(out).size() == expected.size());
}

TEST_CASE("kill -9 mid-run, then restart: the sqlite view holds every expected record exactly once") {
    Fixture f(40'000);
    std::string db = (f.dir.path() / "view.db").string();
    std::string sqlite = "  - {type: sqlite, path: " + db + ", table: v, key: value.order_id}\n";
    // A second sink that stops the run mid-way on any machine: a FIFO nobody reads. Once its
    // 64 KiB are full (about 400 of the 6,750 records), the file sink's flush blocks, after
    // the sqlite sink's flush of the same batch.
    std::string fifo = (f.dir.path() / "stall.fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    REQUIRE(reader >= 0);
    auto file = f.write_pipeline("kill-" + f.suffix, sqlite + "  - {type: file, path: " + fifo + "}\n");
    std::string log = (f.dir.path() / "first.log").string();
    pid_t pid = spawn({"pipeline", "run", file, "-b", f.bootstrap, "--flush-every", "100", "-v"}, log, f.env);
    // Wait until some rows are in, then kill without any chance to flush or commit.
    for (int i = 0; i < 3000 && sqlite_rows(db, "v").empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid, SIGKILL);
    CHECK(wait_exit(pid) == 128 + SIGKILL);
    auto partial = sqlite_rows(db, "v").size();
    auto expected = f.expected();
    MESSAGE("rows before the kill: " << partial << " of " << expected.size());
    CHECK(partial < expected.size());  // the kill did land mid-run
    INFO("rows before the kill: " << partial << " of " << expected.size() << "; log: " << slurp(log));
    ::close(reader);
    file = f.write_pipeline("kill-" + f.suffix, sqlite);  // the same pipeline name, so the same group
    auto r = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-v", "-o", "json"}, f.env, {}, 300);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    INFO("restart: " << r.out << r.err);
    auto rows = sqlite_rows(db, "v");
    CHECK(rows.size() == expected.size());
    CHECK(as_rows(rows) == expected);
}

TEST_CASE("two processes in one group split the partitions; the union of their output is exactly the expected set") {
    Fixture f(20'000);
    std::string group = "it-pipeline-" + f.suffix;
    std::vector<pid_t> pids;
    std::vector<std::string> outs, logs;
    for (int i = 0; i < 2; ++i) {
        outs.push_back((f.dir.path() / ("out" + std::to_string(i) + ".jsonl")).string());
        logs.push_back((f.dir.path() / ("log" + std::to_string(i))).string());
        auto file = f.write_pipeline("pair" + std::to_string(i) + "-" + f.suffix, "  - {type: file, path: " + outs.back() + "}\n");
        pids.push_back(spawn({"pipeline", "run", file, "-b", f.bootstrap, "--group", group, "--until", "caught-up", "-v"},
                             logs.back(), f.env));
    }
    std::set<Row> all;
    std::size_t lines = 0;
    for (int i = 0; i < 2; ++i) {
        int rc = wait_exit(pids[static_cast<std::size_t>(i)]);
        CHECK_MESSAGE(rc == 0, slurp(logs[static_cast<std::size_t>(i)]));
        auto values = file_values(outs[static_cast<std::size_t>(i)]);
        lines += values.size();
        for (const auto& row : as_rows(values)) all.insert(row);
    }
    CHECK(all == f.expected());
    CHECK(lines >= all.size());  // at least once: a rebalance may repeat a few records, never lose one
}

TEST_CASE("a customer whose tier changes while running: later orders see the new tier; SIGTERM exits 143") {
    Fixture f(300);
    std::string db = (f.dir.path() / "live.db").string();
    auto file = f.write_pipeline("live-" + f.suffix, "  - {type: sqlite, path: " + db + ", table: v, key: value.order_id}\n");
    std::string log = (f.dir.path() / "live.log").string();
    pid_t pid = spawn({"pipeline", "run", file, "-b", f.bootstrap}, log, f.env);
    auto expected = f.expected();
    for (int i = 0; i < 600 && sqlite_rows(db, "v").size() < expected.size(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(sqlite_rows(db, "v").size() == expected.size());

    // Pick a customer that is not PLATINUM now and promote it; then it orders.
    std::string promoted;
    for (const auto& [id, v] : f.latest)
        if (nlohmann::json::parse(v)["tier"] != "PLATINUM") {
            promoted = id;
            break;
        }
    REQUIRE(!promoted.empty());
    auto row = nlohmann::json::parse(f.latest[promoted]);
    row["tier"] = "PLATINUM";
    kafka::Producer p(f.settings(), {{"partitioner", "murmur2_random"}});
    p.produce(f.customers, promoted, row.dump());
    p.flush(10'000);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the table follows its topic; give it time to apply
    nlohmann::json order = {{"order_id", "o-late-1"}, {"customer_id", promoted}, {"amount", 1.0}};
    p.produce(f.orders, promoted, order.dump());
    p.flush(10'000);
    bool seen = false;
    for (int i = 0; i < 300 && !seen; ++i) {
        for (const auto& r : sqlite_rows(db, "v"))
            if (r["order_id"] == "o-late-1") {
                seen = true;
                CHECK(r["tier"] == "PLATINUM");
            }
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_MESSAGE(seen, slurp(log));
    ::kill(pid, SIGTERM);
    CHECK(wait_exit(pid) == 143);
    auto text = slurp(log);
    CHECK(text.find("stopped, interrupted") != std::string::npos);
}

TEST_CASE("records deleted below the group's committed offset: --until caught-up says so, goes on from the log start and stops") {
    Fixture f(300);
    std::string out = (f.dir.path() / "out.jsonl").string();
    auto file = f.write_pipeline("deleted-" + f.suffix, "  - {type: file, path: " + out + "}\n");
    auto first = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-o", "json"}, f.env);
    REQUIRE_MESSAGE(first.exit_code == 0, first.err);
    // 30 new orders per partition, then two rounds of deletion: on partition 1 the first 20
    // of them before the restart; on partition 0 all 30, so no fetch ever returns a record
    // there and only the log start tells the run it is caught up.
    kafka::Producer p(f.settings());
    auto produce = [&](const std::string& tag) {
        for (int part = 0; part < 3; ++part)
            for (int i = 0; i < 30; ++i) {
                nlohmann::json order = {{"order_id", tag + std::to_string(part) + "-" + std::to_string(i)},
                                        {"customer_id", f.latest.begin()->first}, {"amount", 1.0}};
                p.produce(f.orders, std::nullopt, order.dump(), part);
            }
        p.flush(10'000);
    };
    produce("o-new-");
    kafka::Admin admin(f.settings());
    auto marks = admin.watermarks({{f.orders, 0}, {f.orders, 1}});
    std::int64_t high0 = marks[{f.orders, 0}].high, high1 = marks[{f.orders, 1}].high;
    admin.delete_records({{{f.orders, 0}, high0}, {{f.orders, 1}, high1 - 10}});
    auto r = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-o", "json"}, f.env, {}, 120);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto summary = nlohmann::json::parse(r.out);
    CHECK(summary["stopped"] == "caught_up");
    CHECK(summary["skipped_deleted"] == 50);
    CHECK(summary["read"]["orders"] == 40);
    CHECK(r.err.find("[0]: records " + std::to_string(high0 - 30) + ".." + std::to_string(high0 - 1) + " were deleted") !=
          std::string::npos);
    CHECK(r.err.find("[1]: records " + std::to_string(high1 - 30) + ".." + std::to_string(high1 - 11) + " were deleted") !=
          std::string::npos);
}

TEST_CASE("large batches, processed on two threads: output in offset order, exact counts, dead letters in order") {
    Fixture f(20'000);
    // Undecodable orders among the good ones, in every partition.
    kafka::Producer p(f.settings());
    for (int part = 0; part < 3; ++part)
        for (int i = 0; i < 40; ++i) p.produce(f.orders, std::nullopt, "{not json " + std::to_string(i), part);
    p.flush(10'000);
    std::string out = (f.dir.path() / "out.jsonl").string(), dead = (f.dir.path() / "dead.jsonl").string();
    std::string yaml = slurp(f.write_pipeline("two-" + f.suffix, "  - {type: file, path: " + out + "}\n"));
    auto file = f.dir.write("two.yaml", yaml + "dead_letter: {type: file, path: " + dead + "}\n").string();
    auto r = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-o", "json", "-v"}, f.env, {}, 300);
    CHECK_MESSAGE(r.exit_code == 5, r.err);  // some events were dead-lettered
    if (util::second_core_available()) CHECK(r.err.find("processed on two threads") != std::string::npos);
    auto summary = nlohmann::json::parse(r.out);
    auto expected = f.expected();
    CHECK(summary["read"]["orders"] == f.order_values.size() + 120);
    CHECK(summary["events"]["processed"] == f.order_values.size() + 120);
    CHECK(summary["events"]["emitted"] == expected.size());
    CHECK(summary["events"]["dead_lettered"] == 120);
    // Every partition's records come in offset order; returns the values.
    auto ordered = [](const std::string& path) {
        std::map<int, long long> last;
        std::vector<nlohmann::json> values;
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line);
            int part = j["partition"];
            long long off = j["offset"];
            CHECK_MESSAGE(off > (last.count(part) ? last[part] : -1), "partition " << part << " offset " << off << " after " << last[part]);
            last[part] = off;
            values.push_back(j["value"]);
        }
        return values;
    };
    auto values = ordered(out);
    CHECK(values.size() == expected.size());
    CHECK(as_rows(values) == expected);
    auto dead_values = ordered(dead);
    CHECK(dead_values.size() == 120);
    for (const auto& v : dead_values) CHECK(v.dump().find("not json") != std::string::npos);
}

TEST_CASE("the table loads while the consumer joins its group: bad table records are dead-lettered, every order finds its row") {
    // 60,000 rows before the demo customers: orders fetched while they load must wait.
    Fixture f(3000, 60'000);
    // A value that is not JSON, and a record without a key, among the customers.
    kafka::Producer p(f.settings());
    p.produce(f.customers, std::string("c-bad"), "{not json", 0);
    p.produce(f.customers, std::nullopt, "{\"id\":\"c-nokey\",\"tier\":\"PLATINUM\"}", 1);
    p.flush(10'000);
    std::string out = (f.dir.path() / "out.jsonl").string(), dead = (f.dir.path() / "dead.jsonl").string();
    std::string yaml = slurp(f.write_pipeline("load-" + f.suffix, "  - {type: file, path: " + out + "}\n"));
    auto file = f.dir.write("load.yaml", yaml + "dead_letter: {type: file, path: " + dead + "}\n").string();
    auto r = test::run_meshctl({"pipeline", "run", file, "-b", f.bootstrap, "--until", "caught-up", "-o", "json", "-v"}, f.env, {}, 300);
    CHECK_MESSAGE(r.exit_code == 5, r.err);  // two table records went to the dead letters
    CHECK(r.err.find("table customers: " + std::to_string(f.latest.size()) + " rows") != std::string::npos);
    // Loaded before any order was processed: the output is exactly the expected set.
    auto values = file_values(out);
    CHECK(values.size() == f.expected().size());
    CHECK(as_rows(values) == f.expected());
    // Unmatched are exactly the orders of customers deleted by tombstones.
    std::size_t without_row = 0;
    for (const auto& v : f.order_values) without_row += f.latest.count(nlohmann::json::parse(v)["customer_id"].get<std::string>()) == 0;
    auto summary = nlohmann::json::parse(r.out);
    CHECK(summary["events"]["unmatched"] == without_row);
    std::vector<nlohmann::json> dead_records;
    std::ifstream in(dead);
    for (std::string line; std::getline(in, line);) dead_records.push_back(nlohmann::json::parse(line));
    REQUIRE(dead_records.size() == 2);
    for (const auto& d : dead_records) {
        CHECK(d["topic"] == f.customers);
        CHECK(d["value"]["reason"].get<std::string>().find("table customers") == 0);
    }
}
