#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/sample/format.hpp"
#include "core/sample/sample.hpp"

#include <nlohmann/json.hpp>

#include <numeric>

using namespace meshctl;

TEST_CASE("samples are allocated in proportion to partition sizes and never exceed them") {
    auto a = sample::allocate_samples({100, 300, 0, 600}, 10);
    CHECK(a == std::vector<std::int64_t>{1, 3, 0, 6});
    CHECK(std::accumulate(a.begin(), a.end(), std::int64_t{0}) == 10);
    auto b = sample::allocate_samples({2, 1000}, 100);
    CHECK(b[0] <= 2);
    CHECK(b[0] + b[1] == 100);
    CHECK(sample::allocate_samples({3, 4}, 100) == std::vector<std::int64_t>{3, 4});
    CHECK(sample::allocate_samples({0, 0}, 5) == std::vector<std::int64_t>{0, 0});
}

TEST_CASE("sample offsets are spread evenly and distinct") {
    CHECK(sample::spread_offsets(0, 100, 4) == std::vector<std::int64_t>{12, 37, 62, 87});
    CHECK(sample::spread_offsets(10, 13, 5) == std::vector<std::int64_t>{10, 11, 12});
    CHECK(sample::spread_offsets(5, 5, 3).empty());
    auto big = sample::spread_offsets(1'000'000, 2'000'000, 1000);
    CHECK(big.size() == 1000);
    CHECK(std::adjacent_find(big.begin(), big.end()) == big.end());
    CHECK(big.front() >= 1'000'000);
    CHECK(big.back() < 2'000'000);
}

TEST_CASE("format specs: names and kcat-style templates") {
    CHECK(sample::parse_format_spec("jsonl").format == sample::RecordFormat::jsonl);
    auto t = sample::parse_format_spec("%t %p\\t%o");
    CHECK(t.format == sample::RecordFormat::tmpl);
    CHECK(t.tmpl == "%t %p\t%o\n");
    CHECK_THROWS_AS(sample::parse_format_spec("xml"), Error);
    CHECK_THROWS_AS(sample::parse_strategy("random"), Error);
}

TEST_CASE("JSON strings are escaped and stay valid for any bytes") {
    std::string out;
    sample::append_json_string(std::string("a\"b\\c\nd\x01\xff\xc3\xa9", 11), out);
    CHECK(out == "\"a\\\"b\\\\c\\nd\\u0001\\u00ff\xc3\xa9\"");
    CHECK(nlohmann::json::accept(out));
    CHECK(sample::is_json("{\"a\":1}"));
    CHECK(sample::is_json(" [1, 2] "));
    CHECK_FALSE(sample::is_json("{\"a\":"));
    CHECK_FALSE(sample::is_json("hello"));
    CHECK_FALSE(sample::is_json(""));
}
