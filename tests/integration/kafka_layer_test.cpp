#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <chrono>
#include <set>
#include <thread>

using namespace meshctl;

namespace {

kafka::ClientSettings fixture_settings() {
    kafka::ClientSettings s;
    s.bootstrap = test::fixture_address("kafka");
    s.timeout = std::chrono::seconds(20);
    return s;
}

}  // namespace

TEST_CASE("metadata lists a created topic with its partitions and leaders") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-meta-" + test::random_suffix();
    admin.create_topic(topic, 4, 1, {{"retention.ms", "-1"}});
    auto t = admin.topic(topic);
    CHECK(t.name == topic);
    REQUIRE(t.partitions.size() == 4);
    for (const auto& p : t.partitions) {
        CHECK(p.leader >= 0);
        CHECK(p.replicas.size() == 1);
    }
    auto md = admin.metadata();
    CHECK(md.find(topic) != nullptr);
    CHECK_FALSE(md.brokers.empty());
    CHECK_FALSE(md.cluster_id.empty());
    admin.delete_topics({topic});
}

TEST_CASE("a missing topic is not_found with a suggestion") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-suggest-" + test::random_suffix();
    admin.create_topic(topic, 1, 1, {});
    try {
        admin.topic(topic + "x");
        FAIL("expected not found");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::not_found);
        CHECK(std::string(e.what()).find("did you mean \"" + topic + "\"") != std::string::npos);
    }
    admin.delete_topics({topic});
}

TEST_CASE("topic configs show retention and compaction as set") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-cfg-" + test::random_suffix();
    admin.create_topic(topic, 1, 1, {{"cleanup.policy", "compact"}, {"retention.ms", "-1"}});
    auto cfg = admin.topic_config(topic);
    CHECK(cfg.at("cleanup.policy").value == "compact");
    CHECK(cfg.at("retention.ms").value == "-1");
    CHECK_FALSE(cfg.at("cleanup.policy").is_default);
    CHECK(cfg.at("min.compaction.lag.ms").is_default);
    admin.delete_topics({topic});
}

TEST_CASE("produce, then consume the same records back, with watermarks and times") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-rt-" + test::random_suffix();
    admin.create_topic(topic, 2, 1, {});
    const std::int64_t base_ts = 1'700'000'000'000;
    {
        kafka::Producer p(settings);
        for (int i = 0; i < 100; ++i) {
            std::string v = "{\"n\":" + std::to_string(i) + "}";
            p.produce(topic, "k" + std::to_string(i % 7), v, i % 2, {{"h", std::string("v")}}, base_ts + i * 1000);
        }
        p.flush(20'000);
        CHECK(p.delivered() == 100);
    }
    auto marks = admin.watermarks({{topic, 0}, {topic, 1}});
    CHECK(marks[{topic, 0}].low == 0);
    CHECK(marks[{topic, 0}].high == 50);
    CHECK(marks[{topic, 1}].high == 50);
    // Record i=40 went to partition 0 as its 21st record (offset 20).
    auto at = admin.offsets_for_times({{{topic, 0}, base_ts + 40'000}});
    CHECK(at[{topic, 0}] == 20);
    auto after_end = admin.offsets_for_times({{{topic, 0}, base_ts + 1'000'000}});
    CHECK(after_end[{topic, 0}] == -1);

    // The consumer is gone before its topic is: librdkafka 2.0 may never finish destroying a
    // consumer whose assigned topic was deleted under it (rd_kafka_destroy waits forever).
    {
        kafka::Consumer c(settings, std::nullopt);
        c.assign({{{topic, 0}, 0}, {{topic, 1}, 0}});
        int got = 0;
        std::set<std::string> values;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (got < 100 && std::chrono::steady_clock::now() < deadline) {
            auto m = c.poll(500);
            if (!m || m->is_error()) continue;
            ++got;
            values.insert(std::string(*m->value()));
            CHECK(m->headers().size() == 1);
            CHECK(m->key().has_value());
        }
        CHECK(got == 100);
        CHECK(values.size() == 100);
        c.close();
    }
    admin.delete_topics({topic});
}

TEST_CASE("a reader slower than the fetcher gets every record, the fetcher woken when its queue drains") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-waker-" + test::random_suffix();
    admin.create_topic(topic, 2, 1, {});
    const int total = 30000;
    {
        kafka::Producer p(settings);
        std::string pad(80, 'x');
        for (int i = 0; i < total; ++i)
            p.produce(topic, std::nullopt, "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}", i % 2, {}, 0);
        p.flush(20'000);
        REQUIRE(p.delivered() == total);
    }
    {
        // Fetches of about 150 records per partition fill a queue of 1,000 in a few round
        // trips; librdkafka alone would then fetch about
        // once a second, the waker as soon as the reader has drained it.
        kafka::Consumer c(settings, std::nullopt, {{"queued.min.messages", "1000"}, {"max.partition.fetch.bytes", "16384"}});
        c.assign({{{topic, 0}, 0}, {{topic, 1}, 0}});
        std::vector<rd_kafka_message_t*> batch(200);
        std::int64_t next[2] = {0, 0};
        int got = 0;
        bool in_order = true;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (got < total && std::chrono::steady_clock::now() < deadline) {
            std::size_t n = c.poll_batch(500, batch.data(), batch.size());
            for (std::size_t i = 0; i < n; ++i) {
                rd_kafka_message_t* m = batch[i];
                if (!m->err) {
                    in_order = in_order && m->offset == next[m->partition];
                    next[m->partition] = m->offset + 1;
                    ++got;
                }
                rd_kafka_message_destroy(m);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the slow reader
        }
        CHECK(got == total);
        CHECK(in_order);
        CHECK(next[0] == total / 2);
        CHECK(next[1] == total / 2);
        CHECK(c.fetch_wakeups() > 0);
        MESSAGE("fetcher woken " << c.fetch_wakeups() << " times for " << got << " records");
        c.close();
    }
    admin.delete_topics({topic});
}

TEST_CASE("group offsets: commit, read back, alter, and see the group listed") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-grp-" + test::random_suffix();
    std::string group = "it-group-" + test::random_suffix();
    admin.create_topic(topic, 3, 1, {});
    {
        kafka::Producer p(settings);
        for (int i = 0; i < 30; ++i) p.produce(topic, std::nullopt, "x", i % 3);
        p.flush(20'000);
    }
    // A group that no consumer ever joined: offsets are set through the admin API (a
    // consumer that commits without joining can hang librdkafka 2.0.2's destroy).
    CHECK(admin.alter_offsets(group, {{{topic, 0}, 5}, {{topic, 1}, 7}}).empty());
    auto committed = admin.committed_offsets(group);
    CHECK(committed[{topic, 0}] == 5);
    CHECK(committed[{topic, 1}] == 7);
    auto failures = admin.alter_offsets(group, {{{topic, 0}, 1}, {{topic, 2}, 9}});
    CHECK(failures.empty());
    committed = admin.committed_offsets(group);
    CHECK(committed[{topic, 0}] == 1);
    CHECK(committed[{topic, 2}] == 9);
    auto groups = admin.list_groups();
    bool listed = false;
    for (const auto& g : groups) listed |= g.group_id == group;
    CHECK(listed);
    auto desc = admin.describe_groups({group});
    REQUIRE(desc.size() == 1);
    CHECK(desc[0].members.empty());
    admin.delete_topics({topic});
}

TEST_CASE("an unreachable bootstrap fails within the timeout, naming the address") {
    kafka::ClientSettings s;
    s.bootstrap = "127.0.0.1:1";
    s.timeout = std::chrono::seconds(2);
    kafka::Admin admin(s);
    auto start = std::chrono::steady_clock::now();
    try {
        admin.metadata();
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::remote);
        CHECK(std::string(e.what()).find("127.0.0.1:1") != std::string::npos);
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("delete_records advances the log start") {
    auto settings = fixture_settings();
    kafka::Admin admin(settings);
    std::string topic = "it-del-" + test::random_suffix();
    admin.create_topic(topic, 1, 1, {});
    {
        kafka::Producer p(settings);
        for (int i = 0; i < 10; ++i) p.produce(topic, std::nullopt, "x", 0);
        p.flush(20'000);
    }
    admin.delete_records({{{topic, 0}, 4}});
    auto marks = admin.watermarks({{topic, 0}});
    CHECK(marks[{topic, 0}].low == 4);
    CHECK(marks[{topic, 0}].high == 10);
    admin.delete_topics({topic});
}
