#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/kafka/fetch_waker.hpp"

using meshctl::kafka::drain_threshold;
using meshctl::kafka::DrainDetector;

TEST_CASE("the detector fires once when a filled queue falls below the mark") {
    DrainDetector d(100);
    CHECK_FALSE(d.observe(0));    // never filled: the fetcher cannot have stopped
    CHECK_FALSE(d.observe(50));
    CHECK_FALSE(d.observe(150));  // filled: armed
    CHECK_FALSE(d.observe(120));
    CHECK(d.observe(99));         // drained below the mark: wake
    CHECK_FALSE(d.observe(10));   // once per fill
    CHECK_FALSE(d.observe(0));
    CHECK_FALSE(d.observe(100));  // filled again
    CHECK(d.observe(0));
}

TEST_CASE("the detector fires after a fill and drain quicker than its samples, by the records received") {
    DrainDetector d(100);
    CHECK_FALSE(d.observe(0, 0));
    CHECK_FALSE(d.observe(30, 60));   // 60 received: the queue cannot have been full and drained yet
    CHECK(d.observe(20, 130));        // 130 received since the start, never seen full: wake
    CHECK_FALSE(d.observe(0, 180));   // 50 since that wake-up
    CHECK_FALSE(d.observe(40, 200));
    CHECK(d.observe(10, 230));        // 100 since: wake again
    CHECK_FALSE(d.observe(10, 230));  // once
    CHECK_FALSE(d.observe(150, 240)); // seen full: armed
    CHECK(d.observe(90, 250));        // and drained below the mark, whatever was received
}

TEST_CASE("the detector follows a changed mark") {
    DrainDetector d(1000);
    CHECK_FALSE(d.observe(600));
    d.set_high(500);
    CHECK(d.high() == 500);
    CHECK_FALSE(d.observe(600));
    CHECK(d.observe(400));
}

TEST_CASE("the mark is half of the smaller threshold, bytes turned into records") {
    CHECK(drain_threshold(100000, 65536, 0) == 50000);          // no size known yet: the count
    CHECK(drain_threshold(100000, 65536, 400.0) == 50000);       // 64 MiB / 400 B = 167772 records > 100000
    CHECK(drain_threshold(100000, 65536, 1000.0) == 33554);      // 64 MiB / 1000 B = 67108 records
    CHECK(drain_threshold(100000, 65536, 4096.0) == 8192);       // 64 MiB / 4 KiB = 16384 records
    CHECK(drain_threshold(1, 1, 1e9) == 1);                      // never zero
}
