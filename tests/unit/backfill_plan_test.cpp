#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "core/backfill/offsets_file.hpp"
#include "core/backfill/plan.hpp"
#include "core/backfill/reset.hpp"
#include "core/backfill/status.hpp"
#include "core/error.hpp"
#include "tests/support/run.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <thread>

// An in-memory Cluster: the plan and safety logic without a broker.
namespace meshctl::backfill::test {

struct FakeCluster : Cluster {
    std::map<std::string, int> topics;
    std::map<std::string, TopicHistory> history;
    std::map<TopicPartition, kafka::Watermarks> marks;
    std::map<TopicPartition, std::int64_t> committed;
    std::map<TopicPartition, std::int64_t> first_at_or_after;  // answer to offsets_for_times
    kafka::GroupDescription group{.group_id = "g", .state = "Empty"};
    std::vector<std::string> groups = {"g", "billing"};
    std::map<TopicPartition, std::string> fail_commit;  // partitions alter_offsets reports as failed
    std::function<void()> before_commit;                 // runs inside alter_offsets
    int watermark_calls = 0, time_calls = 0, commit_calls = 0;
    std::map<TopicPartition, std::int64_t> altered;
    std::vector<TopicPartition> deleted;

    std::map<std::string, int> partition_counts(const std::vector<std::string>& names) override {
        std::map<std::string, int> out;
        for (const auto& n : names)
            if (topics.count(n)) out[n] = topics.at(n);
        return out;
    }
    std::vector<std::string> topic_names() override {
        std::vector<std::string> out;
        for (const auto& [n, c] : topics) out.push_back(n);
        return out;
    }
    std::map<std::string, TopicHistory> topic_history(const std::vector<std::string>& names) override {
        std::map<std::string, TopicHistory> out;
        for (const auto& n : names) out[n] = history[n];
        return out;
    }
    std::map<TopicPartition, kafka::Watermarks> watermarks(const std::vector<TopicPartition>& tps) override {
        ++watermark_calls;
        std::map<TopicPartition, kafka::Watermarks> out;
        for (const auto& tp : tps) out[tp] = marks[tp];
        return out;
    }
    std::map<TopicPartition, std::int64_t> offsets_for_times(const std::vector<TopicPartition>& tps, std::int64_t) override {
        ++time_calls;
        std::map<TopicPartition, std::int64_t> out;
        for (const auto& tp : tps) out[tp] = first_at_or_after.count(tp) ? first_at_or_after[tp] : -1;
        return out;
    }
    std::map<TopicPartition, std::int64_t> earliest_timestamps(const std::map<TopicPartition, kafka::Watermarks>& m) override {
        std::map<TopicPartition, std::int64_t> out;
        for (const auto& [tp, wm] : m)
            if (wm.high > wm.low) out[tp] = 1714557600000;
        return out;
    }
    kafka::GroupDescription describe_group(const std::string& g) override {
        if (g != group.group_id) return {.group_id = g, .state = "Dead"};
        return group;
    }
    std::vector<std::string> group_names() override { return groups; }
    std::map<TopicPartition, std::int64_t> committed_offsets(const std::string& g) override {
        return g == group.group_id ? committed : std::map<TopicPartition, std::int64_t>{};
    }
    std::map<TopicPartition, std::string> alter_offsets(const std::string&, const std::map<TopicPartition, std::int64_t>& o) override {
        ++commit_calls;
        if (before_commit) before_commit();
        std::map<TopicPartition, std::string> failures;
        for (const auto& [tp, off] : o) {
            if (fail_commit.count(tp)) failures[tp] = fail_commit[tp];
            else altered[tp] = off;
        }
        return failures;
    }
    std::map<TopicPartition, std::string> delete_offsets(const std::string&, const std::vector<TopicPartition>& tps) override {
        for (const auto& tp : tps) deleted.push_back(tp);
        return {};
    }

    /// A topic with `n` partitions, each holding offsets [low, high).
    void add_topic(const std::string& name, int n, std::int64_t low, std::int64_t high) {
        topics[name] = n;
        for (int p = 0; p < n; ++p) marks[{name, p}] = {low, high};
    }
};

}  // namespace meshctl::backfill::test


using namespace meshctl;
using namespace meshctl::backfill;
using meshctl::backfill::test::FakeCluster;

namespace {
constexpr std::int64_t now = 1714557600000;

FakeCluster cluster() {
    FakeCluster c;
    c.add_topic("orders", 3, 10, 100);
    c.committed = {{{"orders", 0}, 50}, {{"orders", 1}, 95}, {{"orders", 2}, 12}};
    return c;
}

ResetOptions opts(std::string to, std::vector<std::string> topics = {"orders"}) {
    ResetOptions o;
    o.group = "g";
    o.topics = std::move(topics);
    o.to = std::move(to);
    return o;
}

std::map<int, std::int64_t> targets(const ResetResult& r) {
    std::map<int, std::int64_t> out;
    for (const auto& row : r.plan.rows) out[row.tp.partition] = row.target;
    return out;
}

Error error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no error thrown");
    return remote_error("");
}
}  // namespace

TEST_CASE("a dry run plans without committing and batches its requests") {
    auto c = cluster();
    auto r = reset_offsets(c, opts("earliest"), now);
    CHECK_FALSE(r.executed);
    CHECK(c.commit_calls == 0);
    CHECK(c.watermark_calls == 1);
    CHECK(targets(r) == std::map<int, std::int64_t>{{0, 10}, {1, 10}, {2, 10}});
    CHECK(r.plan.total_to_replay() == 270);
    CHECK(r.plan.rows[0].current == 50);
    CHECK(r.plan.rows[0].earliest_timestamp_ms == 1714557600000);
}

TEST_CASE("targets clamp into the log as kafka-consumer-groups does") {
    auto c = cluster();
    CHECK(targets(reset_offsets(c, opts("offset:5"), now)) == std::map<int, std::int64_t>{{0, 10}, {1, 10}, {2, 10}});
    auto r = reset_offsets(c, opts("offset:500"), now);
    CHECK(targets(r) == std::map<int, std::int64_t>{{0, 100}, {1, 100}, {2, 100}});
    CHECK(r.plan.rows[0].clamped);
    CHECK(r.plan.rows[0].requested == 500);
    REQUIRE_FALSE(r.plan.warnings.empty());
    CHECK(r.plan.warnings[0].find("clamped") != std::string::npos);
    CHECK(targets(reset_offsets(c, opts("shift:+10"), now)) == std::map<int, std::int64_t>{{0, 60}, {1, 100}, {2, 22}});
    CHECK(targets(reset_offsets(c, opts("shift:-20"), now)) == std::map<int, std::int64_t>{{0, 30}, {1, 75}, {2, 10}});
}

TEST_CASE("a time target uses offsets-for-times once and falls back to the end") {
    auto c = cluster();
    c.first_at_or_after = {{{"orders", 0}, 40}, {{"orders", 1}, 99}};
    auto r = reset_offsets(c, opts("36h"), now);
    CHECK(c.time_calls == 1);
    CHECK(targets(r) == std::map<int, std::int64_t>{{0, 40}, {1, 99}, {2, 100}});
}

TEST_CASE("shifting a partition without a committed offset is refused") {
    auto c = cluster();
    c.committed.erase({"orders", 2});
    auto e = error_of([&] { reset_offsets(c, opts("shift:-1"), now); });
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("orders[2]") != std::string::npos);
}

TEST_CASE("unknown topics and partitions out of range say what was expected") {
    auto c = cluster();
    auto e = error_of([&] { reset_offsets(c, opts("earliest", {"ordrs"}), now); });
    CHECK(e.kind() == ErrorKind::not_found);
    CHECK(std::string(e.what()).find("did you mean \"orders\"") != std::string::npos);
    e = error_of([&] { reset_offsets(c, opts("earliest", {"orders:7"}), now); });
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(e.hint().find("0 to 2") != std::string::npos);
}

TEST_CASE("--all-topics takes every partition the group has offsets for") {
    auto c = cluster();
    c.add_topic("customers", 2, 0, 5);
    c.committed[{"customers", 1}] = 3;
    auto o = opts("latest", {});
    o.all_topics = true;
    auto r = reset_offsets(c, o, now);
    REQUIRE(r.plan.rows.size() == 4);
    CHECK(r.plan.rows[0].tp == TopicPartition{"customers", 1});
}

TEST_CASE("history warnings: retention, compaction, log start above zero") {
    auto c = cluster();
    c.history["orders"] = TopicHistory{.compacted = true, .retention_ms = 86'400'000, .retention_bytes = std::nullopt};
    auto r = reset_offsets(c, opts("earliest"), now);
    std::string all;
    for (const auto& w : r.plan.warnings) all += w + "\n";
    CHECK(all.find("compacted") != std::string::npos);
    CHECK(all.find("retention.ms") != std::string::npos);
    CHECK(all.find("starts above offset 0 on 3 partition") != std::string::npos);
}

TEST_CASE("execute refuses a group with active members and names them") {
    auto c = cluster();
    c.group.state = "Stable";
    c.group.members = {{"rdkafka-1234", "billing-worker", "/10.0.0.7", {}}};
    auto o = opts("earliest");
    o.execute = true;
    auto e = error_of([&] { reset_offsets(c, o, now); });
    CHECK(e.kind() == ErrorKind::check_failed);
    CHECK(std::string(e.what()).find("rdkafka-1234") != std::string::npos);
    CHECK(std::string(e.what()).find("billing-worker") != std::string::npos);
    CHECK(c.commit_calls == 0);
}

TEST_CASE("execute refuses an unknown group unless allowed") {
    auto c = cluster();
    auto o = opts("earliest");
    o.group = "biling";
    o.execute = true;
    auto e = error_of([&] { reset_offsets(c, o, now); });
    CHECK(e.kind() == ErrorKind::not_found);
    CHECK(std::string(e.what()).find("did you mean \"billing\"") != std::string::npos);
    CHECK(e.hint().find("--allow-new-group") != std::string::npos);
    CHECK(c.commit_calls == 0);
    o.allow_new_group = true;
    meshctl::test::TempDir dir;
    o.rollback_file = dir.path() / "rb.csv";
    auto r = reset_offsets(c, o, now);
    CHECK(r.executed);
    CHECK(c.commit_calls == 1);
}

TEST_CASE("execute writes the rollback before committing, then commits the plan") {
    auto c = cluster();
    meshctl::test::TempDir dir;
    auto o = opts("earliest");
    o.execute = true;
    o.rollback_file = dir.path() / "rb.csv";
    std::string told;
    o.on_rollback_written = [&](const std::string& csv, const std::string&) { told = csv; };
    bool existed_at_commit = false;
    c.before_commit = [&] { existed_at_commit = std::filesystem::exists(dir.path() / "rb.csv") && !told.empty(); };
    auto r = reset_offsets(c, o, now);
    CHECK(existed_at_commit);
    CHECK(r.rollback_json == (dir.path() / "rb.json").string());
    CHECK(c.altered == std::map<TopicPartition, std::int64_t>{{{"orders", 0}, 10}, {{"orders", 1}, 10}, {{"orders", 2}, 10}});
    auto rb = read_offsets_file(dir.path() / "rb.json", std::nullopt);
    CHECK(rb.offsets.at({"orders", 1}) == 95);
}

TEST_CASE("a partial commit names committed and failed partitions; the rollback covers all") {
    auto c = cluster();
    c.fail_commit[{"orders", 1}] = "Broker: Coordinator not available";
    c.fail_commit[{"orders", 2}] = "Broker: Coordinator not available";
    meshctl::test::TempDir dir;
    auto o = opts("earliest");
    o.execute = true;
    o.rollback_file = dir.path() / "rb.csv";
    auto r = reset_offsets(c, o, now);
    CHECK(r.committed == std::vector<TopicPartition>{{"orders", 0}});
    CHECK(r.failed.size() == 2);
    auto e = partial_commit_error(r);
    CHECK(e.kind() == ErrorKind::remote);
    std::string msg = e.what();
    CHECK(msg.find("committed: orders[0]") != std::string::npos);
    CHECK(msg.find("NOT committed: orders[1], orders[2]") != std::string::npos);
    CHECK(read_offsets_file(dir.path() / "rb.json", std::nullopt).offsets.size() == 3);
    CHECK(r.to_json()["partitions"][1]["committed"] == false);
}

TEST_CASE("undo restores a rollback, deleting offsets that did not exist before") {
    auto c = cluster();
    meshctl::test::TempDir dir;
    OffsetsFile f{.group = "g", .reason = "rollback", .created_ms = now, .offsets = {}};
    f.offsets[{"orders", 0}] = 33;
    f.offsets[{"orders", 1}] = std::nullopt;
    write_json(f, dir.path() / "u.json");
    UndoOptions u;
    u.file = dir.path() / "u.json";
    auto dry = undo_offsets(c, u, now);
    CHECK_FALSE(dry.executed);
    CHECK(c.commit_calls == 0);
    u.execute = true;
    u.rollback_file = dir.path() / "undo-rb.csv";
    auto r = undo_offsets(c, u, now);
    CHECK(c.altered == std::map<TopicPartition, std::int64_t>{{{"orders", 0}, 33}});
    CHECK(c.deleted == std::vector<TopicPartition>{{"orders", 1}});
    CHECK(r.committed.size() == 2);
}

TEST_CASE("status: lag per partition and in total, rate and ETA from two samples") {
    auto c = cluster();
    auto first = sample_status(c, "g", now);
    CHECK(first.total_lag == 50 + 5 + 88);
    c.committed[{"orders", 0}] = 80;  // 30 consumed in 3 s
    c.marks[{"orders", 0}].high = 103;  // 3 produced
    auto second = sample_status(c, "g", now + 3000);
    add_rates(second, first);
    CHECK(second.consume_rate == doctest::Approx(10.0));
    CHECK(second.produce_rate == doctest::Approx(1.0));
    CHECK(second.progress == "catching_up");
    REQUIRE(second.eta_s);
    CHECK(*second.eta_s == doctest::Approx((23.0 + 5 + 88) / 9.0));
    CHECK(second.to_json()["eta_seconds"] == 13);
}

TEST_CASE("status of an unknown group is not found, with a suggestion") {
    auto c = cluster();
    auto e = error_of([&] { sample_status(c, "biling", now); });
    CHECK(e.kind() == ErrorKind::not_found);
    CHECK(std::string(e.what()).find("billing") != std::string::npos);
}

TEST_CASE("status sampling takes two samples an interval apart") {
    auto c = cluster();
    int sleeps = 0;
    auto r = group_status(c, "g", std::chrono::milliseconds(10), {}, [&](std::chrono::milliseconds) {
        ++sleeps;
        c.committed[{"orders", 2}] = 20;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the samples' clocks must differ
    });
    CHECK(sleeps == 1);
    CHECK(r.interval_s.has_value());
}
