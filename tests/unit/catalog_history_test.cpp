#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// History verdicts and rate estimates from observed configs and offsets.
#include "core/catalog/history.hpp"
#include "core/util/time.hpp"

#include <doctest/doctest.h>

using namespace meshctl;
using namespace meshctl::catalog;

namespace {

TopicStats topic(std::vector<PartitionStats> parts, std::map<std::string, std::string> configs) {
    TopicStats s{.name = "t", .partitions = std::move(parts)};
    s.offsets_known = true;
    std::map<std::string, kafka::ConfigEntry> c;
    for (const auto& [k, v] : configs) c[k] = kafka::ConfigEntry{.value = v};
    s.configs = c;
    return s;
}

PartitionStats part(std::int64_t low, std::int64_t high, std::optional<std::int64_t> first = {}, std::optional<std::int64_t> last = {}) {
    return {.low = low, .high = high, .first_ts = first, .last_ts = last};
}

const std::int64_t t0 = *util::parse_iso8601_ms("2024-05-01T10:00:00Z");

}  // namespace

TEST_CASE("compaction means compacted, whatever the retention") {
    auto v = history_verdict(topic({part(0, 10)}, {{"cleanup.policy", "compact"}, {"retention.ms", "604800000"}}), HistoryMode::unspecified);
    CHECK(v.mode == HistoryVerdict::Mode::compacted);
    CHECK(v.label() == "compacted");
    CHECK(v.reason.find("cleanup.policy=compact") != std::string::npos);
    auto both = history_verdict(topic({part(0, 10)}, {{"cleanup.policy", "compact,delete"}, {"retention.ms", "86400000"}}), HistoryMode::full);
    CHECK(both.mode == HistoryVerdict::Mode::compacted);
    CHECK(both.reason.find("1d") != std::string::npos);
}

TEST_CASE("retention.ms=-1 is full while the log still starts at 0") {
    auto v = history_verdict(topic({part(0, 10), part(0, 0)}, {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}), HistoryMode::unspecified);
    CHECK(v.mode == HistoryVerdict::Mode::full);
    CHECK(v.label() == "full");
    auto cut = history_verdict(topic({part(5, 10, t0), part(0, 3, t0 + 60'000)}, {{"retention.ms", "-1"}}), HistoryMode::unspecified);
    CHECK(cut.mode == HistoryVerdict::Mode::partial);
    CHECK(cut.since_ms == t0);
    CHECK(cut.reason.find("deleted") != std::string::npos);
}

TEST_CASE("finite retention is partial since the earliest record, or real-time only when empty") {
    auto v = history_verdict(topic({part(100, 200, t0 + 5000), part(40, 90, t0)}, {{"cleanup.policy", "delete"}, {"retention.ms", "604800000"}}),
                             HistoryMode::unspecified);
    CHECK(v.mode == HistoryVerdict::Mode::partial);
    CHECK(v.since_ms == t0);
    CHECK(v.label() == "partial since 2024-05-01T10:00Z");
    CHECK(v.reason.find("retention.ms=604800000 (7d") != std::string::npos);
    CHECK(v.to_json()["since"] == "2024-05-01T10:00:00.000Z");

    auto empty = history_verdict(topic({part(7, 7), part(0, 0)}, {{"retention.ms", "3600000"}}), HistoryMode::unspecified);
    CHECK(empty.mode == HistoryVerdict::Mode::real_time_only);
    CHECK(empty.label() == "real-time only");
    CHECK(empty.to_json()["mode"] == "real_time_only");
}

TEST_CASE("without configs the declaration decides, checked against offsets") {
    TopicStats s{.name = "t", .partitions = {part(0, 10, t0)}};
    s.offsets_known = true;
    s.configs_error = "the embedded dev broker cannot describe topic configs";
    CHECK(history_verdict(s, HistoryMode::compacted).mode == HistoryVerdict::Mode::compacted);
    CHECK(history_verdict(s, HistoryMode::full).mode == HistoryVerdict::Mode::full);
    auto w = history_verdict(s, HistoryMode::window);
    CHECK(w.mode == HistoryVerdict::Mode::partial);
    CHECK(w.reason.find("dev broker") != std::string::npos);
    s.partitions[0].low = 3;
    CHECK(history_verdict(s, HistoryMode::full).mode == HistoryVerdict::Mode::partial);
    CHECK(history_verdict(s, HistoryMode::unspecified).mode == HistoryVerdict::Mode::partial);
    s.offsets_known = false;
    CHECK(history_verdict(s, HistoryMode::full).mode == HistoryVerdict::Mode::unknown);
}

TEST_CASE("rate is retained records over the span between first and last record") {
    auto s = topic({part(0, 1800, t0, t0 + 3'600'000), part(0, 1800, t0 + 60'000, t0 + 1'800'000)}, {});
    auto r = estimate_rate(s);
    REQUIRE(r);
    CHECK(*r == doctest::Approx(1.0));
    CHECK(format_rate(r) == "1.0/s");
    CHECK(format_rate(0.5) == "30.0/min");
    CHECK(format_rate(1.0 / 600) == "6.0/h");
    CHECK(format_rate(1.0 / 86400) == "1.0/d");
    CHECK(format_rate(std::nullopt) == "-");
    CHECK_FALSE(estimate_rate(topic({part(0, 1, t0, t0)}, {})));
    CHECK_FALSE(estimate_rate(topic({part(0, 10)}, {})));  // timestamps unknown
}
