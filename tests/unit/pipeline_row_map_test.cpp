#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// RowMap, the compact map behind join tables: lookups, replacement in place and by
// moving, erasure with backward shifts, compaction, oversized rows and memory use.
#include <doctest/doctest.h>

#include "core/pipeline/row_map.hpp"

#include <cstdio>

#include <map>
#include <random>
#include <string>

using meshctl::pipeline::RowMap;

namespace {

// Every key of the reference is found with its value, and nothing else is.
void check_same(const RowMap& m, const std::map<std::string, std::string>& ref) {
    REQUIRE(m.size() == ref.size());
    std::size_t bytes = 0;
    for (const auto& [k, v] : ref) {
        auto got = m.find(k);
        REQUIRE(got.has_value());
        CHECK(*got == v);
        bytes += k.size() + v.size();
    }
    CHECK(m.bytes() == bytes);
    std::size_t seen = 0;
    m.for_each([&](std::string_view k, std::string_view v) {
        ++seen;
        auto it = ref.find(std::string(k));
        REQUIRE(it != ref.end());
        CHECK(it->second == v);
    });
    CHECK(seen == ref.size());
}

}  // namespace

TEST_CASE("a row map finds, replaces and erases rows") {
    RowMap m;
    CHECK_FALSE(m.find("a").has_value());
    CHECK_FALSE(m.erase("a"));
    m.upsert("a", "1");
    m.upsert("", "empty key");
    m.upsert("b", "");
    CHECK(*m.find("a") == "1");
    CHECK(*m.find("") == "empty key");
    CHECK(m.find("b").has_value());
    CHECK(m.find("b")->empty());
    m.upsert("a", "a longer value than before");
    CHECK(*m.find("a") == "a longer value than before");
    m.upsert("a", "2");  // shorter: in place
    CHECK(*m.find("a") == "2");
    CHECK(m.erase("a"));
    CHECK_FALSE(m.find("a").has_value());
    CHECK(m.size() == 2);
    CHECK(m.bytes() == std::string("empty key").size() + 1);
}

TEST_CASE("a row map agrees with std::map over random inserts, updates and erases") {
    std::mt19937_64 rng(42);
    RowMap m;
    std::map<std::string, std::string> ref;
    for (int step = 0; step < 200000; ++step) {
        std::string key = "c-" + std::to_string(rng() % 20000);
        int op = static_cast<int>(rng() % 10);
        if (op < 7) {
            std::string value(1 + rng() % 120, static_cast<char>('a' + rng() % 26));
            m.upsert(key, value);
            ref[key] = value;
        } else {
            CHECK(m.erase(key) == (ref.erase(key) == 1));
        }
        if (step % 50000 == 0) check_same(m, ref);
    }
    check_same(m, ref);
    // Replaced and erased rows are reclaimed: memory stays within a small factor of the rows.
    CHECK(m.memory() < 3 * (m.bytes() + 12 * m.size()) + (1 << 20));
    for (const auto& [k, v] : ref) CHECK(m.erase(k));
    CHECK(m.size() == 0);
    CHECK(m.bytes() == 0);
}

TEST_CASE("rows larger than an arena block are kept whole") {
    RowMap m;
    std::string big(3 << 20, 'x');
    big[12345] = 'y';
    m.upsert("small-1", "v1");
    m.upsert("big", big);
    m.upsert("small-2", "v2");
    CHECK(*m.find("big") == big);
    CHECK(*m.find("small-1") == "v1");
    CHECK(*m.find("small-2") == "v2");
    m.upsert("big", "now small");
    CHECK(*m.find("big") == "now small");
}

TEST_CASE("100k rows of 90 bytes take less than twice their bytes") {
    RowMap m;
    std::string value(90, 'v');
    for (int i = 0; i < 100000; ++i) {
        char key[16];
        std::snprintf(key, sizeof key, "c-%06d", i);
        m.upsert(key, value);
    }
    CHECK(m.size() == 100000);
    CHECK(m.memory() < 2 * 100000 * value.size());
    CHECK(*m.find("c-099999") == value);
}
