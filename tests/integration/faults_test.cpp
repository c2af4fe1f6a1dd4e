// Real-server faults: a Kafka broker stopped and started again (same ports, same data) in
// the middle of a pipeline run, a backfill replay and a backfill reset, and a file sink on a
// full disk (a 64 KiB tmpfs). Each run completes or fails with a clear error, and the exact
// counts prove that nothing was lost and nothing was committed past what was written.
//
// The restarts use a broker instance of their own (tests/fixtures/kafka --name faults), so the
// shared broker of the other integration tests is never disturbed.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace meshctl;
using namespace std::chrono_literals;

namespace {

const std::string fixture = std::string(MESHCTL_FIXTURES_DIR) + "/kafka";

/// The restartable broker: started here unless it runs already, removed at exit if started here.
struct OwnKafka {
    bool started_here = false;
    std::string address;
    OwnKafka() {
        if (test::run_program({fixture, "--name", "faults", "status"}).exit_code != 0) {
            auto r = test::run_program({fixture, "--name", "faults", "up"}, {}, {}, 600);
            REQUIRE_MESSAGE(r.exit_code == 0, r.err);
            started_here = true;
        }
        address = test::fixture_address("kafka", "faults");
    }
    ~OwnKafka() {
        if (started_here) test::run_program({fixture, "--name", "faults", "down"});
    }
    void stop() const {
        auto r = test::run_program({fixture, "--name", "faults", "stop"}, {}, {}, 120);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    void start() const {
        auto r = test::run_program({fixture, "--name", "faults", "start"}, {}, {}, 300);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
};

OwnKafka& own_kafka() {
    static OwnKafka k;
    return k;
}

kafka::ClientSettings settings_for(const std::string& bootstrap) {
    kafka::ClientSettings s;
    s.bootstrap = bootstrap;
    s.timeout = 60s;
    return s;
}

/// A topic of `count` JSON orders {"order_id":"o-N","n":N,...} over 3 partitions.
std::set<std::string> make_orders(const std::string& bootstrap, const std::string& topic, int count) {
    auto s = settings_for(bootstrap);
    kafka::Admin(s).create_topic(topic, 3, 1, {});
    kafka::Producer p(s);
    std::set<std::string> ids;
    for (int i = 0; i < count; ++i) {
        std::string id = "o-" + std::to_string(i);
        p.produce(topic, id, "{\"order_id\":\"" + id + "\",\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(120, 'p') + "\"}");
        ids.insert(id);
    }
    p.flush(60'000);
    return ids;
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::set<std::string> sqlite_ids(const std::string& path, const std::string& table, std::size_t* rows = nullptr) {
    std::set<std::string> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, ("SELECT id FROM " + table).c_str(), -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW) {
                out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
                if (rows) ++*rows;
            }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

/// order_id values of a JSON-lines sink file (file sinks write {"value": ...} envelopes).
std::multiset<std::string> file_ids(const std::filesystem::path& path) {
    std::multiset<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.insert(nlohmann::json::parse(line)["value"]["order_id"].get<std::string>());
    return out;
}

/// Per partition, how many whole lines the file holds and the highest offset + 1.
std::map<int, std::pair<std::int64_t, std::int64_t>> file_extent(const std::filesystem::path& path, bool* torn = nullptr) {
    std::map<int, std::pair<std::int64_t, std::int64_t>> out;
    std::string text = slurp(path);
    if (torn) *torn = !text.empty() && text.back() != '\n';
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) {
            if (torn) *torn = true;
            continue;
        }
        auto& e = out[j["partition"].get<int>()];
        ++e.first;
        e.second = std::max(e.second, j["offset"].get<std::int64_t>() + 1);
    }
    return out;
}

std::map<std::string, std::string> base_env(const test::TempDir& dir) {
    return {{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}, {"MESHCTL_STATE_DIR", dir.path().string()}};
}

/// A tmpfs of `size` mounted on a fresh folder, unmounted on every path out.
struct SmallDisk {
    test::TempDir dir;
    std::filesystem::path mount = dir.path() / "disk";
    explicit SmallDisk(const std::string& size) {
        std::filesystem::create_directories(mount);
        auto r = test::run_program({"mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.string()});
        REQUIRE_MESSAGE(r.exit_code == 0, "mount needs root: " << r.err);
    }
    ~SmallDisk() { test::run_program({"umount", mount.string()}); }
};

}  // namespace

TEST_CASE("the broker restarts in the middle of a pipeline run: the run completes and the view holds every record once") {
    auto& k = own_kafka();
    test::TempDir dir;
    std::string topic = "faults-orders-" + test::random_suffix();
    auto ids = make_orders(k.address, topic, 60'000);
    std::string db = (dir.path() / "view.db").string();
    auto yaml = "name: restart\nsources:\n  orders: {topic: " + topic + ", as: stream, from: beginning}\n"
                "steps:\n  - map: {order_id: value.order_id, n: value.n}\n"
                "sinks:\n  - {type: sqlite, path: " + db + ", table: v, key: value.order_id}\n";
    auto file = dir.write("restart.yaml", yaml);
    auto log = dir.path() / "run.log";
    std::string group = "faults-pipeline-" + test::random_suffix();
    pid_t pid = test::spawn_meshctl({"pipeline", "run", file.string(), "-b", k.address, "--group", group, "--until", "caught-up",
                       "--flush-every", "500", "--timeout", "90s"},
                      log.string(), base_env(dir));
    for (int i = 0; i < 1200 && sqlite_ids(db, "v").empty(); ++i) std::this_thread::sleep_for(50ms);
    auto before = sqlite_ids(db, "v").size();
    k.stop();
    std::this_thread::sleep_for(3s);
    k.start();
    int rc = test::wait_exit(pid);
    MESSAGE("pipeline across the restart: exit " << rc << ", " << before << " of " << ids.size() << " rows written before it");
    INFO("rows before the restart: " << before << "; log: " << slurp(log));
    CHECK(before > 0);
    CHECK(before < ids.size());  // the restart did land mid-run
    if (rc != 0) {
        // Failing is allowed only clearly, and a rerun must then finish the job.
        CHECK(rc == 1);
        CHECK(slurp(log).find("meshctl: error:") != std::string::npos);
        auto again = test::run_meshctl({"pipeline", "run", file.string(), "-b", k.address, "--group", group, "--until",
                                        "caught-up", "--timeout", "60s"},
                                       base_env(dir), {}, 600);
        REQUIRE_MESSAGE(again.exit_code == 0, again.err);
    }
    std::size_t rows = 0;
    auto got = sqlite_ids(db, "v", &rows);
    CHECK(rows == ids.size());
    CHECK(got == ids);
    // Every offset is committed: nothing is left to read.
    auto committed = kafka::Admin(settings_for(k.address)).committed_offsets(group);
    std::int64_t total = 0;
    for (const auto& [tp, off] : committed) total += off;
    CHECK(total == static_cast<std::int64_t>(ids.size()));
}

TEST_CASE("the broker restarts in the middle of a backfill replay: the replay completes or fails clearly, and nothing is lost") {
    auto& k = own_kafka();
    test::TempDir dir;
    std::string topic = "faults-replay-" + test::random_suffix();
    auto ids = make_orders(k.address, topic, 200'000);
    auto out = dir.path() / "out.jsonl";
    auto log = dir.path() / "replay.log";
    std::string group = "faults-replay-" + test::random_suffix();
    // A small prefetch queue, so that the consumer still needs the broker after the restart
    // (by default it may have fetched the whole topic before the broker goes away).
    std::vector<std::string> args = {"backfill", "replay", topic, "--into", "file:" + out.string(), "--group", group,
                                     "-b", k.address, "--timeout", "90s", "-X", "queued.max.messages.kbytes=1024"};
    pid_t pid = test::spawn_meshctl(args, log.string(), base_env(dir));
    for (int i = 0; i < 1200 && (!std::filesystem::exists(out) || std::filesystem::file_size(out) == 0); ++i)
        std::this_thread::sleep_for(20ms);
    k.stop();
    // Counted once the broker is gone (parsing the lines takes a while in a Debug build).
    auto text = slurp(out);
    auto before = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    std::this_thread::sleep_for(3s);
    k.start();
    int rc = test::wait_exit(pid);
    MESSAGE("replay across the restart: exit " << rc << ", " << before << " of " << ids.size() << " lines written before it");
    INFO("lines before the restart: " << before << "; log: " << slurp(log));
    CHECK(before > 0);
    CHECK(before < ids.size());  // the restart did land mid-run
    if (rc != 0) {
        CHECK(rc == 1);
        CHECK(slurp(log).find("meshctl: error:") != std::string::npos);
        auto again = test::run_meshctl(args, base_env(dir), {}, 600);
        REQUIRE_MESSAGE(again.exit_code == 0, again.err);
    }
    auto lines = file_ids(out);
    CHECK(std::set<std::string>(lines.begin(), lines.end()) == ids);  // nothing lost
    CHECK(lines.size() >= ids.size());                               // at least once
    auto committed = kafka::Admin(settings_for(k.address)).committed_offsets(group);
    std::int64_t total = 0;
    for (const auto& [tp, off] : committed) total += off;
    CHECK(total == static_cast<std::int64_t>(ids.size()));
}

TEST_CASE("backfill reset --execute while the broker is away: it completes once the broker is back, exact offsets") {
    auto& k = own_kafka();
    test::TempDir dir;
    std::string topic = "faults-reset-" + test::random_suffix();
    make_orders(k.address, topic, 3000);
    std::string group = "faults-reset-" + test::random_suffix();
    auto log = dir.path() / "reset.log";
    k.stop();
    pid_t pid = test::spawn_meshctl({"backfill", "reset", group, "--topic", topic, "--to", "offset:100", "--execute", "--allow-new-group",
                       "-b", k.address, "--timeout", "120s", "-o", "json"},
                      log.string(), base_env(dir));
    std::this_thread::sleep_for(3s);
    k.start();
    int rc = test::wait_exit(pid);
    INFO(slurp(log));
    CHECK(rc == 0);
    auto committed = kafka::Admin(settings_for(k.address)).committed_offsets(group);
    CHECK(committed.size() == 3);
    for (const auto& [tp, off] : committed) CHECK(off == 100);

    // And a broker that stays away: a clear error naming it within the timeout, exit 1.
    k.stop();
    auto r = test::run_meshctl({"backfill", "reset", group, "--topic", topic, "--to", "earliest", "--execute", "-b", k.address,
                                "--timeout", "3s"},
                               base_env(dir));
    k.start();
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(k.address) != std::string::npos);
    CHECK(r.err.find("did not answer within 3.0s") != std::string::npos);
    for (const auto& [tp, off] : kafka::Admin(settings_for(k.address)).committed_offsets(group)) CHECK(off == 100);
}

TEST_CASE("a file sink on a full disk: \"No space left on device\" naming the file, exit 1, no offset committed past the file") {
    auto& k = own_kafka();
    SmallDisk disk("64k");
    test::TempDir dir;
    std::string topic = "faults-disk-" + test::random_suffix();
    auto ids = make_orders(k.address, topic, 3000);  // ~200 bytes a line: about 600 KB of output
    auto out = disk.mount / "out.jsonl";
    std::string group = "faults-disk-" + test::random_suffix();

    // A first, small window fits and is committed.
    auto first = test::run_meshctl({"backfill", "replay", topic, "--into", "file:" + out.string(), "--group", group, "--until",
                                    "offset:40", "-b", k.address},
                                   base_env(dir));
    REQUIRE_MESSAGE(first.exit_code == 0, first.err);
    // The rest does not fit.
    auto full = test::run_meshctl({"backfill", "replay", topic, "--into", "file:" + out.string(), "--group", group, "-b", k.address},
                                  base_env(dir));
    CHECK(full.exit_code == 1);
    CHECK(full.err.find("No space left on device") != std::string::npos);
    CHECK(full.err.find(out.string()) != std::string::npos);

    bool torn = false;
    auto extent = file_extent(out, &torn);
    CHECK_FALSE(torn);  // no half-written line for the next run to append to
    auto committed = kafka::Admin(settings_for(k.address)).committed_offsets(group);
    REQUIRE(committed.size() == 3);
    for (const auto& [tp, off] : committed) {
        INFO("partition " << tp.partition);
        CHECK(off >= 40);  // the first window stays committed
        CHECK(off <= extent[tp.partition].second);
        CHECK(extent[tp.partition].first == extent[tp.partition].second);  // offsets 0..n-1, each once
    }

    // A pipeline into the same full disk fails the same way and commits nothing past the file.
    auto pout = disk.mount / "pipeline.jsonl";
    std::string pgroup = "faults-disk-pipeline-" + test::random_suffix();
    auto yaml = "name: disk\nsources:\n  orders: {topic: " + topic + ", as: stream, from: beginning}\n"
                "steps:\n  - map: {order_id: value.order_id}\nsinks:\n  - {type: file, path: " + pout.string() + "}\n";
    auto pfile = dir.write("disk.yaml", yaml);
    // The pipeline retries a failing sink (the disk may be freed meanwhile), then gives up.
    auto p = test::run_meshctl({"pipeline", "run", pfile.string(), "-b", k.address, "--group", pgroup, "--until", "caught-up",
                                "--sink-deadline", "5s"},
                               base_env(dir), {}, 300);
    INFO(p.err);
    CHECK(p.exit_code == 1);
    CHECK(p.err.find("a sink kept failing") != std::string::npos);
    CHECK(p.err.find("No space left on device") != std::string::npos);
    CHECK(p.err.find(pout.string()) != std::string::npos);
    std::size_t written = 0;
    if (std::filesystem::exists(pout)) written = file_ids(pout).size();
    std::int64_t total = 0;
    for (const auto& [tp, off] : kafka::Admin(settings_for(k.address)).committed_offsets(pgroup)) total += std::max<std::int64_t>(off, 0);
    CHECK(total <= static_cast<std::int64_t>(written));
}
