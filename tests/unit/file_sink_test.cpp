#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/sinks/sink.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace meshctl;

namespace {

sinks::Record record(std::int64_t offset, const std::string& value) {
    sinks::Record r;
    r.topic = "orders";
    r.partition = 1;
    r.offset = offset;
    r.timestamp_ms = 1000 + offset;
    r.id = sinks::default_record_id("orders", 1, offset);
    r.value = value;
    r.value_is_json = true;
    return r;
}

}  // namespace

TEST_CASE("a file sink appends every record as one JSON line, across many buffer drains and flushes") {
    test::TempDir dir;
    auto path = dir.path() / "out.jsonl";
    std::ostringstream unused;
    sinks::SinkContext context;
    const std::string padding(300, 'x');
    std::int64_t next = 0;
    {
        auto sink = sinks::open_sink_spec("file", nlohmann::json{{"path", path.string()}}, context, unused);
        // About 3.5 MB between two flushes: the sink writes its buffer out every megabyte
        // (and starts the disk writes then), and the flush syncs what is left.
        for (int round = 0; round < 2; ++round) {
            for (int i = 0; i < 10000; ++i, ++next) sink->write(record(next, R"({"n":)" + std::to_string(next) + R"(,"pad":")" + padding + "\"}"));
            CHECK(sink->flush(std::chrono::milliseconds(1000)).written == 10000);
        }
    }
    {
        // A second sink on the same file appends after what is there.
        auto sink = sinks::open_sink_spec("file", nlohmann::json{{"path", path.string()}}, context, unused);
        sink->write(record(next, R"({"n":)" + std::to_string(next) + "}"));
        CHECK(sink->flush(std::chrono::milliseconds(1000)).written == 1);
        ++next;
    }
    auto lines = test::read_lines(path);
    REQUIRE(lines.size() == static_cast<std::size_t>(next));
    for (std::int64_t i = 0; i < next; ++i) {
        auto j = nlohmann::json::parse(lines[static_cast<std::size_t>(i)]);
        CHECK(j["id"] == "orders-1-" + std::to_string(i));
        CHECK(j["offset"] == i);
        CHECK(j["value"]["n"] == i);
    }
}
