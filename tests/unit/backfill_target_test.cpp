#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "core/backfill/offsets_file.hpp"
#include "core/backfill/target.hpp"
#include "core/error.hpp"
#include "tests/support/run.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace meshctl;
using namespace meshctl::backfill;

namespace {
constexpr std::int64_t now = 1714557600000;  // 2024-05-01T10:00:00Z

ErrorKind kind_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("no error thrown");
    return ErrorKind::remote;
}
}  // namespace

TEST_CASE("targets parse into their kinds") {
    CHECK(parse_target("earliest", now).kind == Target::Kind::earliest);
    CHECK(parse_target("latest", now).kind == Target::Kind::latest);
    auto o = parse_target("offset:42", now);
    CHECK(o.kind == Target::Kind::offset);
    CHECK(o.value == 42);
    CHECK(parse_target("shift:-100", now).value == -100);
    CHECK(parse_target("shift:+7", now).value == 7);
    auto t = parse_target("2024-05-01T09:00:00Z", now);
    CHECK(t.kind == Target::Kind::time);
    CHECK(t.value == now - 3'600'000);
}

TEST_CASE("a duration means that long before now, in meshctl and ISO-8601 spelling") {
    CHECK(parse_target("36h", now).value == now - 36 * 3'600'000LL);
    CHECK(parse_target("-36h", now).value == now - 36 * 3'600'000LL);
    CHECK(parse_target("PT36H", now).value == now - 36 * 3'600'000LL);
    CHECK(parse_target("P1DT12H", now).value == now - 36 * 3'600'000LL);
    CHECK(parse_iso8601_duration_ms("PT1.5S") == 1500);
    CHECK_FALSE(parse_iso8601_duration_ms("P1H"));  // hours belong after T
    CHECK_FALSE(parse_iso8601_duration_ms("PT"));
}

TEST_CASE("malformed targets are usage errors that list the forms") {
    for (const char* bad : {"", "yesterday", "offset:", "offset:-1", "shift:5", "shift:+x", "2024-13-45T99:00Z", "42"}) {
        CAPTURE(bad);
        try {
            parse_target(bad, now);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            CHECK(e.hint().find("earliest") != std::string::npos);
        }
    }
    try {
        parse_target("42", now);
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("offset:42") != std::string::npos);
    }
}

TEST_CASE("topic specs name partitions as lists and ranges") {
    auto all = parse_topic_spec("orders");
    CHECK(all.topic == "orders");
    CHECK(all.partitions.empty());
    auto some = parse_topic_spec("orders:0,2,4-6,2");
    CHECK(some.partitions == std::vector<std::int32_t>{0, 2, 4, 5, 6});
    CHECK(kind_of([] { parse_topic_spec("orders:x"); }) == ErrorKind::usage);
    CHECK(kind_of([] { parse_topic_spec("orders:3-1"); }) == ErrorKind::usage);
    CHECK(kind_of([] { parse_topic_spec(":1"); }) == ErrorKind::usage);
}

TEST_CASE("offsets files round-trip through CSV and JSON") {
    test::TempDir dir;
    OffsetsFile f{.group = "billing", .reason = "rollback", .created_ms = now, .offsets = {}};
    f.offsets[{"orders", 0}] = 5;
    f.offsets[{"orders", 1}] = std::nullopt;
    f.offsets[{"customers", 2}] = 9;
    write_csv(f, dir.path() / "r.csv");
    write_json(f, dir.path() / "r.json");

    std::ifstream in(dir.path() / "r.csv");
    std::string csv((std::istreambuf_iterator<char>(in)), {});
    CHECK(csv == "customers,2,9\norders,0,5\n");  // kafka-consumer-groups --from-file format, no "none" rows

    auto j = read_offsets_file(dir.path() / "r.json", std::nullopt);
    CHECK(j.group == "billing");
    CHECK(j.offsets == f.offsets);
    auto c = read_offsets_file(dir.path() / "r.csv", std::string("billing"));
    CHECK(c.offsets.size() == 2);
    CHECK(c.offsets.at({"orders", 0}) == 5);
}

TEST_CASE("CSV without a group needs --group; bad lines report line numbers") {
    test::TempDir dir;
    auto three = dir.write("a.csv", "orders,0,5\n");
    CHECK(kind_of([&] { read_offsets_file(three, std::nullopt); }) == ErrorKind::usage);
    auto four = dir.write("b.csv", "g1,orders,0,5\ng2,orders,0,7\n");
    CHECK(kind_of([&] { read_offsets_file(four, std::nullopt); }) == ErrorKind::usage);
    CHECK(read_offsets_file(four, std::string("g2")).offsets.at({"orders", 0}) == 7);
    auto bad = dir.write("c.csv", "orders,0,5\norders,zero,5\n");
    try {
        read_offsets_file(bad, std::string("g"));
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("c.csv:2:") != std::string::npos);
    }
    CHECK(kind_of([&] { read_offsets_file(dir.path() / "missing.csv", std::string("g")); }) == ErrorKind::io);
    auto other = dir.write("d.json", R"({"group":"g1","offsets":[{"topic":"t","partition":0,"offset":1}]})");
    CHECK(kind_of([&] { read_offsets_file(other, std::string("g2")); }) == ErrorKind::usage);
}

TEST_CASE("rollback file names are safe and unique per instant") {
    auto p = rollback_path_for("team/billing v2", now, "/tmp/x");
    CHECK(p.filename().string() == "team_billing_v2-20240501T100000.000Z.csv");
}
