// backfill reset/undo/status against the real Kafka fixture, cross-checked with Apache
// Kafka's own kafka-consumer-groups --reset-offsets --dry-run.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"
#include "tests/support/run.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <sstream>
#include <thread>

using namespace meshctl;
using meshctl::test::run_meshctl;
using meshctl::test::run_program;
using Offsets = std::map<std::pair<std::string, int>, std::int64_t>;

extern char** environ;

namespace {

const std::int64_t hour = 3'600'000;

struct Fixture {
    std::string bootstrap = test::fixture_address("kafka");
    std::string topic = "bf-reset-" + test::random_suffix();
    std::string group = "bf-group-" + test::random_suffix();
    std::int64_t start_ms = util::now_ms();
    kafka::ClientSettings settings;

    Fixture() {
        settings.bootstrap = bootstrap;
        settings.timeout = std::chrono::milliseconds(30'000);
        kafka::Admin admin(settings);
        admin.create_topic(topic, 3, 1, {});
        // Partition p holds 10 records 48h old, then 10 records 12h old, then 5 fresh ones;
        // partition 2 also lost its first 4 records (log start above 0).
        kafka::Producer producer(settings);
        for (int p = 0; p < 3; ++p)
            for (int i = 0; i < 25; ++i) {
                std::int64_t ts = i < 10 ? start_ms - 48 * hour + i : i < 20 ? start_ms - 12 * hour + i : 0;
                std::string v = "{\"p\":" + std::to_string(p) + ",\"i\":" + std::to_string(i) + "}";
                producer.produce(topic, "k" + std::to_string(i), v, p, {}, ts);
            }
        producer.flush(30'000);
        admin.delete_records({{{topic, 2}, 4}});
        auto failed = admin.alter_offsets(group, {{{topic, 0}, 15}, {{topic, 1}, 22}, {{topic, 2}, 6}});
        REQUIRE(failed.empty());
    }
    ~Fixture() {
        try {
            kafka::Admin(settings).delete_topics({topic});
        } catch (...) {
        }
    }
    std::vector<std::string> args(std::vector<std::string> a) const {
        a.insert(a.begin(), {"-b", bootstrap});
        return a;
    }
    Offsets committed() {
        Offsets out;
        for (const auto& [tp, off] : kafka::Admin(settings).committed_offsets(group))
            if (tp.topic == topic) out[{tp.topic, tp.partition}] = off;
        return out;
    }
};

// The NEW-OFFSET column of kafka-consumer-groups --dry-run output.
Offsets kafka_tool_plan(const Fixture& f, const std::vector<std::string>& spec, const std::string& topic_arg) {
    std::vector<std::string> argv = {std::string(MESHCTL_FIXTURES_DIR) + "/kafka", "tool", "kafka-consumer-groups",
                                     "--bootstrap-server", f.bootstrap, "--group", f.group, "--reset-offsets"};
    argv.insert(argv.end(), spec.begin(), spec.end());
    if (!topic_arg.empty()) argv.insert(argv.end(), {"--topic", topic_arg});
    argv.push_back("--dry-run");
    auto r = run_program(argv, {{"TZ", "UTC"}}, {}, 180);
    INFO("kafka-consumer-groups stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    std::istringstream in(r.out);
    std::vector<std::string> tokens;
    for (std::string t; in >> t;) tokens.push_back(t);
    // Notes such as "Warn: Partition 0 from topic T is empty..." may precede the table.
    auto head = std::find(tokens.begin(), tokens.end(), "NEW-OFFSET");
    REQUIRE(head != tokens.end());
    Offsets out;
    for (auto it = head + 1; tokens.end() - it >= 4; it += 4) out[{it[1], std::stoi(it[2])}] = std::stoll(it[3]);
    return out;
}

Offsets meshctl_plan(const Fixture& f, const std::string& to, const std::string& topic_arg) {
    auto r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", topic_arg, "--to", to, "-o", "json"}));
    INFO("meshctl stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["executed"] == false);
    Offsets out;
    for (const auto& p : j["partitions"]) out[{p["topic"], p["partition"]}] = p["target_offset"].get<std::int64_t>();
    return out;
}

// A kcat balanced consumer in the background: makes the group active.
struct Kcat {
    pid_t pid = 0;
    Kcat(const std::string& bootstrap, const std::string& group, const std::string& topic) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        std::vector<std::string> a = {"kcat", "-b", bootstrap, "-G", group, "-X", "client.id=bf-active-worker", topic};
        std::vector<char*> argv;
        for (auto& s : a) argv.push_back(s.data());
        argv.push_back(nullptr);
        REQUIRE(posix_spawnp(&pid, "kcat", &fa, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Kcat() {
        ::kill(pid, SIGTERM);
        int st = 0;
        ::waitpid(pid, &st, 0);
    }
};

}  // namespace

TEST_CASE("the plan equals kafka-consumer-groups --reset-offsets --dry-run for every kind of target") {
    Fixture f;
    std::string iso_36h_ago = util::format_iso8601_ms(f.start_ms - 36 * hour);
    iso_36h_ago.pop_back();  // kafka-consumer-groups reads YYYY-MM-DDTHH:mm:SS.sss (TZ=UTC)
    std::string future = util::format_iso8601_ms(f.start_ms + 10 * hour);
    future.pop_back();
    struct Case {
        std::string to;
        std::vector<std::string> kafka;
        std::string topic_suffix;
    };
    std::vector<Case> cases = {
        {"earliest", {"--to-earliest"}, ""},
        {"latest", {"--to-latest"}, ""},
        {"offset:3", {"--to-offset", "3"}, ""},          // below the log start of partition 2: clamped
        {"offset:1000", {"--to-offset", "1000"}, ""},    // above the end: clamped
        {"shift:-8", {"--shift-by", "-8"}, ""},
        {"shift:+5", {"--shift-by", "5"}, ""},
        {iso_36h_ago, {"--to-datetime", iso_36h_ago}, ""},
        {future, {"--to-datetime", future}, ""},        // no record after: the end
        {"36h", {"--by-duration", "PT36H"}, ""},
        {"PT13H", {"--by-duration", "PT13H"}, ":0,2"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.to);
        auto ours = meshctl_plan(f, c.to, f.topic + c.topic_suffix);
        auto theirs = kafka_tool_plan(f, c.kafka, f.topic + c.topic_suffix);
        CHECK(ours.size() == (c.topic_suffix.empty() ? 3u : 2u));
        CHECK(ours == theirs);
    }
    // Nothing was committed by any dry run.
    CHECK(f.committed() == Offsets{{{f.topic, 0}, 15}, {{f.topic, 1}, 22}, {{f.topic, 2}, 6}});
}

TEST_CASE("execute writes a rollback that kafka-consumer-groups --from-file accepts, and undo restores it") {
    Fixture f;
    test::TempDir dir;
    auto rb = dir.path() / "rollback.csv";
    auto r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", f.topic, "--to", "earliest", "--execute",
                                 "--rollback-file", rb.string()}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find(rb.string()) != std::string::npos);
    CHECK(r.out.find("rollback file: " + rb.string()) != std::string::npos);
    CHECK(r.err.find("log starts above offset 0") != std::string::npos);
    CHECK(f.committed() == Offsets{{{f.topic, 0}, 0}, {{f.topic, 1}, 0}, {{f.topic, 2}, 4}});

    // Apache Kafka's tool reads our CSV and plans exactly the old offsets.
    auto theirs = kafka_tool_plan(f, {"--from-file", rb.string()}, "");
    CHECK(theirs == Offsets{{{f.topic, 0}, 15}, {{f.topic, 1}, 22}, {{f.topic, 2}, 6}});

    // undo is a dry run by default
    auto json = dir.path() / "rollback.json";
    auto dry = run_meshctl(f.args({"backfill", "undo", json.string()}));
    CHECK(dry.exit_code == 0);
    CHECK(f.committed() == Offsets{{{f.topic, 0}, 0}, {{f.topic, 1}, 0}, {{f.topic, 2}, 4}});
    auto undo = run_meshctl(f.args({"backfill", "undo", json.string(), "--execute", "--rollback-file",
                                    (dir.path() / "undo.csv").string()}));
    INFO(undo.err);
    CHECK(undo.exit_code == 0);
    CHECK(f.committed() == Offsets{{{f.topic, 0}, 15}, {{f.topic, 1}, 22}, {{f.topic, 2}, 6}});

    // The CSV form needs the group named.
    auto csv_undo = run_meshctl(f.args({"backfill", "undo", (dir.path() / "undo.csv").string()}));
    CHECK(csv_undo.exit_code == 2);
    CHECK(csv_undo.err.find("--group") != std::string::npos);
    auto csv_ok = run_meshctl(f.args({"backfill", "undo", (dir.path() / "undo.csv").string(), "--group", f.group, "-o", "json"}));
    CHECK(csv_ok.exit_code == 0);
}

TEST_CASE("--export writes the plan in the --from-file format") {
    Fixture f;
    test::TempDir dir;
    auto plan = dir.path() / "plan.csv";
    auto r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", f.topic, "--to", "shift:-2", "--export", plan.string()}));
    REQUIRE(r.exit_code == 0);
    auto theirs = kafka_tool_plan(f, {"--from-file", plan.string()}, "");
    CHECK(theirs == Offsets{{{f.topic, 0}, 13}, {{f.topic, 1}, 20}, {{f.topic, 2}, 4}});
}

TEST_CASE("execute refuses an active group (exit 4, naming the member) and an unknown group (exit 3)") {
    Fixture f;
    {
        Kcat kcat(f.bootstrap, f.group, f.topic);
        kafka::Admin admin(f.settings);
        std::string member;
        for (int i = 0; i < 120 && member.empty(); ++i) {
            auto d = admin.describe_groups({f.group});
            if (!d.empty() && !d.front().members.empty()) member = d.front().members.front().member_id;
            else std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        REQUIRE_FALSE(member.empty());
        auto r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", f.topic, "--to", "earliest", "--execute"}));
        CHECK(r.exit_code == 4);
        CHECK(r.err.find(member) != std::string::npos);
        CHECK(r.err.find("bf-active-worker") != std::string::npos);
    }
    auto unknown = run_meshctl(f.args({"backfill", "reset", f.group + "x", "--topic", f.topic, "--to", "earliest", "--execute"}));
    CHECK(unknown.exit_code == 3);
    CHECK(unknown.err.find("--allow-new-group") != std::string::npos);
    CHECK(unknown.err.find("did you mean \"" + f.group + "\"") != std::string::npos);
}

TEST_CASE("a new group is created only with --allow-new-group") {
    Fixture f;
    test::TempDir dir;
    std::string fresh = f.group + "-new";
    auto r = run_meshctl(f.args({"backfill", "reset", fresh, "--topic", f.topic + ":1", "--to", "offset:7", "--execute",
                                 "--allow-new-group", "--rollback-file", (dir.path() / "rb.csv").string(), "-o", "json"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["group_exists"] == false);
    CHECK(j["committed_partitions"] == 1);
    auto c = kafka::Admin(f.settings).committed_offsets(fresh);
    CHECK(c[{f.topic, 1}] == 7);
}

TEST_CASE("bad input: unknown topic, partition out of range, malformed time") {
    Fixture f;
    auto r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", f.topic + "x", "--to", "earliest"}));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("did you mean \"" + f.topic + "\"") != std::string::npos);
    r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", f.topic + ":9", "--to", "earliest"}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("partitions 0 to 2") != std::string::npos);
    r = run_meshctl(f.args({"backfill", "reset", f.group, "--topic", f.topic, "--to", "2024-02-30T25:00"}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("ISO-8601") != std::string::npos);
}

TEST_CASE("status shows lag per partition and in total, as JSON for monitoring") {
    Fixture f;
    auto r = run_meshctl(f.args({"backfill", "status", f.group, "--interval", "1s", "-o", "json"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["total_lag"] == 10 + 3 + 19);
    CHECK(j["partitions"].size() == 3);
    CHECK(j["partitions"][2]["log_start_offset"] == 4);
    CHECK(j["progress"] == "idle");
    CHECK(j["consume_rate"] == 0.0);
    auto missing = run_meshctl(f.args({"backfill", "status", f.group + "-nope", "--interval", "0"}));
    CHECK(missing.exit_code == 3);
}
