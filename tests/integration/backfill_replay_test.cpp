// backfill replay against the real Kafka fixture: bounded, filtered, resumable, and the
// cron example script that drives it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "core/backfill/replay.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "core/util/signals.hpp"
#include "core/util/time.hpp"
#include "tests/support/run.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <thread>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <fstream>
#include <set>
#include <sstream>

using namespace meshctl;
using meshctl::test::run_meshctl;

namespace {

struct Fixture {
    std::string bootstrap = test::fixture_address("kafka");
    std::string topic = "bf-replay-" + test::random_suffix();
    kafka::ClientSettings settings;
    std::vector<std::string> extra_topics;

    // 3 partitions x 30 records; value {"i": n, "amount": n}; timestamps `day_ms` + n minutes.
    explicit Fixture(std::int64_t day_ms = 0) {
        settings.bootstrap = bootstrap;
        kafka::Admin(settings).create_topic(topic, 3, 1, {});
        kafka::Producer producer(settings);
        for (int p = 0; p < 3; ++p)
            for (int i = 0; i < 30; ++i)
                producer.produce(topic, "k" + std::to_string(i), "{\"i\":" + std::to_string(i) + ",\"amount\":" + std::to_string(i) + "}",
                                 p, {}, day_ms ? day_ms + i * 60'000 : 0);
        producer.flush(30'000);
    }
    ~Fixture() {
        try {
            extra_topics.push_back(topic);
            kafka::Admin(settings).delete_topics(extra_topics);
        } catch (...) {
        }
    }
    std::vector<std::string> args(std::vector<std::string> a) const {
        a.insert(a.begin(), {"-b", bootstrap});
        return a;
    }
};

}  // namespace

TEST_CASE("a replay into a file writes the window once and resumes from its checkpoint") {
    Fixture f;
    test::TempDir dir;
    auto out = dir.path() / "out.jsonl";
    auto ckpt = dir.path() / "ckpt.json";
    std::vector<std::string> cmd = {"backfill", "replay", f.topic, "--into", "file:" + out.string(), "--checkpoint", ckpt.string(), "-o", "json"};
    auto r = run_meshctl(f.args(cmd));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["status"] == "completed");
    CHECK(j["records_written"] == 90);
    CHECK(j["records_planned"] == 90);
    CHECK(test::read_lines(out).size() == 90);
    auto first = nlohmann::json::parse(test::read_lines(out).front());
    CHECK(first["topic"] == f.topic);

    auto again = run_meshctl(f.args(cmd));
    REQUIRE(again.exit_code == 0);
    auto j2 = nlohmann::json::parse(again.out);
    CHECK(j2["resumed"] == true);
    CHECK(j2["records_read"] == 0);
    CHECK(test::read_lines(out).size() == 90);
}

TEST_CASE("--where filters, --until bounds, and a group checkpoint is committed after the flush") {
    Fixture f;
    test::TempDir dir;
    std::string group = "bf-replay-group-" + test::random_suffix();
    auto out = dir.path() / "out.jsonl";
    auto r = run_meshctl(f.args({"backfill", "replay", f.topic, "--into", "file:" + out.string(), "--until", "offset:20",
                                 "--where", "value.amount >= 15", "--group", group, "-o", "json"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["records_read"] == 60);
    CHECK(j["records_written"] == 15);
    CHECK(j["records_filtered"] == 45);
    CHECK(test::read_lines(out).size() == 15);
    auto committed = kafka::Admin(f.settings).committed_offsets(group);
    for (int p = 0; p < 3; ++p) CHECK(committed[{f.topic, p}] == 20);
}

TEST_CASE("records --where cannot evaluate are dead-lettered with their origin, and the run exits 5") {
    Fixture f;
    test::TempDir dir;
    auto out = dir.path() / "out.jsonl";
    auto dead = dir.path() / "dead.jsonl";
    // Integer division by zero is an evaluation error for i == 5: one record per partition.
    std::string where = "value.amount / (value.i - 5) >= 1";

    auto without = run_meshctl(f.args({"backfill", "replay", f.topic, "--into", "file:" + out.string(), "--where", where}));
    CHECK(without.exit_code == 5);
    CHECK(without.err.find("3 records were not written") != std::string::npos);
    CHECK(without.err.find("--dead-letter") != std::string::npos);

    std::filesystem::remove(out);
    std::string group = "bf-replay-dead-" + test::random_suffix();
    auto r = run_meshctl(f.args({"backfill", "replay", f.topic, "--into", "file:" + out.string(), "--where", where,
                                 "--dead-letter", "file:" + dead.string(), "--group", group, "-o", "json"}));
    INFO(r.err);
    CHECK(r.exit_code == 5);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["status"] == "completed_with_dead_letters");
    CHECK(j["records_unreadable"] == 3);
    CHECK(j["records_dead_lettered"] == 3);
    CHECK(j["records_written"] == 72);  // i in 6..29 on each of 3 partitions
    auto dl = test::read_lines(dead);
    REQUIRE(dl.size() == 3);
    std::set<int> partitions;
    for (const auto& line : dl) {
        auto d = nlohmann::json::parse(line);
        const auto& v = d["value"];  // the file sink inlines JSON values
        CHECK(v["offset"] == 5);
        CHECK(v["reason"].get<std::string>().find("--where") != std::string::npos);
        CHECK(nlohmann::json::parse(v["value"].get<std::string>())["i"] == 5);
        partitions.insert(v["partition"].get<int>());
    }
    CHECK(partitions.size() == 3);
    // The dead letters are kept, so the checkpoint moves past them.
    auto committed = kafka::Admin(f.settings).committed_offsets(group);
    for (int p = 0; p < 3; ++p) CHECK(committed[{f.topic, p}] == 30);
}

TEST_CASE("a replay to stdout keeps stdout for records and puts the summary on stderr") {
    Fixture f;
    auto r = run_meshctl(f.args({"backfill", "replay", f.topic, "--into", "-", "--partition", "1", "--from", "offset:25"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::istringstream in(r.out);
    int n = 0;
    for (std::string l; std::getline(in, l); ++n) CHECK(nlohmann::json::parse(l)["partition"] == 1);
    CHECK(n == 5);
    CHECK(r.err.find("replay completed:") != std::string::npos);
    CHECK(r.err.find("records_written=5") != std::string::npos);
}

TEST_CASE("a replay into a Kafka topic copies the window") {
    Fixture f;
    std::string target = f.topic + "-copy";
    f.extra_topics.push_back(target);
    kafka::Admin(f.settings).create_topic(target, 1, 1, {});
    auto r = run_meshctl(f.args({"backfill", "replay", f.topic, "--into", "kafka:" + target, "--from", "-10"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto marks = kafka::Admin(f.settings).watermarks({{target, 0}});
    CHECK(marks[{target, 0}].high == 30);
}

TEST_CASE("an interrupted replay checkpoints what it flushed and reports the signal") {
    Fixture f;
    test::TempDir dir;
    backfill::ReplayOptions o;
    o.stream = f.topic;
    o.sink = "file:" + (dir.path() / "out.jsonl").string();
    o.checkpoint_file = dir.path() / "ckpt.json";
    util::request_interrupt(SIGTERM);
    std::ostringstream sink_out;
    auto s = backfill::replay(f.settings, o, sink_out, util::now_ms());
    util::reset_interrupt();
    CHECK(s.interrupted_by == SIGTERM);
    CHECK(s.status == "interrupted");
    CHECK(s.to_json()["interrupted_by"] == "SIGTERM");
    // The checkpoint holds exactly what was written (nothing yet): a rerun replays everything.
    auto ckpt = backfill::read_checkpoint(dir.path() / "ckpt.json", f.topic);
    CHECK(ckpt == std::map<int, std::int64_t>{{0, 0}, {1, 0}, {2, 0}});
    auto rerun = backfill::replay(f.settings, o, sink_out, util::now_ms());
    CHECK(rerun.status == "completed");
    CHECK(rerun.records_written == 90);
}

TEST_CASE("an unknown stream is not found and is not created") {
    Fixture f;
    auto r = run_meshctl(f.args({"backfill", "replay", f.topic + "x", "--into", "-"}));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("did you mean \"" + f.topic + "\"") != std::string::npos);
    CHECK(kafka::Admin(f.settings).metadata().find(f.topic + "x") == nullptr);
}

TEST_CASE("the cron example replays one day and is safe to run twice") {
    // Yesterday, at noon UTC: the records sit inside the day the script picks by default.
    std::int64_t now = util::now_ms();
    std::int64_t day_start = now - now % 86'400'000 - 86'400'000;
    Fixture f(day_start + 12 * 3'600'000);
    test::TempDir dir;
    std::map<std::string, std::string> env = {{"MESHCTL", MESHCTL_BIN}, {"MESHCTL_BOOTSTRAP", f.bootstrap}};
    std::string script = std::string(MESHCTL_SOURCE_DIR) + "/examples/cron-backfill.sh";
    auto r = test::run_program({script, f.topic, dir.path().string()}, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string day = util::format_iso8601_ms(day_start).substr(0, 10);
    auto out = dir.path() / (f.topic + "-" + day + ".jsonl");
    CHECK(test::read_lines(out).size() == 90);
    auto summary = nlohmann::json::parse(std::ifstream(dir.path() / (f.topic + "-" + day + ".summary.json")));
    CHECK(summary["records_written"] == 90);
    CHECK(r.out.find("done") != std::string::npos);
    auto again = test::run_program({script, f.topic, dir.path().string()}, env);
    CHECK(again.exit_code == 0);
    CHECK(test::read_lines(out).size() == 90);
    auto bad = test::run_program({script, f.topic + "-missing", dir.path().string()}, env);
    CHECK(bad.exit_code == 3);
}

TEST_CASE("SIGINT to a running replay: exit 130, the checkpoint covers only written records, a rerun completes the rest") {
    Fixture f;
    std::string big = f.topic + "-big";
    f.extra_topics.push_back(big);
    constexpr int total = 300'000;
    {
        kafka::Admin(f.settings).create_topic(big, 1, 1, {});
        kafka::Producer producer(f.settings, {{"linger.ms", "20"}});
        for (int i = 0; i < total; ++i) producer.produce(big, std::nullopt, "{\"i\":" + std::to_string(i) + "}", 0);
        producer.flush(60'000);
    }
    test::TempDir dir;
    auto out = dir.path() / "out.jsonl";
    auto ckpt = dir.path() / "ckpt.json";
    auto log = (dir.path() / "log").string();
    std::vector<std::string> args = {"-b", f.bootstrap, "backfill", "replay", big, "--into", "file:" + out.string(),
                                     "--checkpoint", ckpt.string()};
    pid_t pid = test::spawn_meshctl(args, log);
    for (int i = 0; i < 600 && (!std::filesystem::exists(out) || std::filesystem::file_size(out) == 0); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid, SIGINT);
    int rc = test::wait_exit(pid);
    INFO(test::run_program({"cat", log}).out);
    auto written = test::read_lines(out).size();
    if (written == static_cast<std::size_t>(total)) {
        MESSAGE("the replay finished before the signal landed; nothing to check");
        return;
    }
    CHECK(rc == 130);
    auto checkpointed = backfill::read_checkpoint(ckpt, big);
    CHECK(checkpointed[0] <= static_cast<std::int64_t>(written));  // never past what the file holds
    auto again = run_meshctl(args);
    REQUIRE(again.exit_code == 0);
    std::set<int> seen;
    for (const auto& l : test::read_lines(out)) seen.insert(nlohmann::json::parse(l)["offset"].get<int>());
    CHECK(seen.size() == static_cast<std::size_t>(total));  // at least once: every record, maybe some twice
}
