// Benchmark driver: feeds JSON lines to meshctl's Elasticsearch sink as records of topic
// "bench" (ids bench-0-OFFSET, the sink's default) and reports throughput and CPU time.
// Records are built in memory before the clock starts, so the figures cover the sink alone
// (NDJSON building, HTTP, response parsing), not reading the input file.
//
// Usage: driver DOCS.jsonl ES_URL INDEX BATCH_DOCS MAX_IN_FLIGHT   (prints one JSON line)
#include "core/error.hpp"
#include "core/sinks/sink.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>

static double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: driver DOCS.jsonl ES_URL INDEX BATCH_DOCS MAX_IN_FLIGHT\n";
        return 2;
    }
    try {
        std::vector<meshctl::sinks::Record> records;
        std::ifstream in(argv[1]);
        std::string line;
        for (std::int64_t off = 0; std::getline(in, line); ++off) {
            meshctl::sinks::Record r;
            r.topic = "bench";
            r.offset = off;
            r.id = meshctl::sinks::default_record_id(r.topic, 0, off);
            r.value = std::move(line);
            records.push_back(std::move(r));
        }
        nlohmann::json opts = {{"addresses", argv[2]}, {"index", argv[3]}, {"batch_docs", std::stoi(argv[4])},
                               {"max_in_flight", std::stoi(argv[5])}};
        auto sink = meshctl::sinks::open_sink_spec("elasticsearch", opts, {}, std::cout);
        double cpu0 = cpu_seconds();
        auto t0 = std::chrono::steady_clock::now();
        for (const auto& r : records) sink->write(r);
        auto res = sink->flush(std::chrono::minutes(10));
        double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double cpu = cpu_seconds() - cpu0;
        std::cout << nlohmann::json{{"docs", records.size()}, {"written", res.written}, {"rejected", res.rejected.size()},
                                    {"wall_s", wall}, {"docs_per_s", records.size() / wall}, {"cpu_s", cpu},
                                    {"cpu_us_per_doc", cpu * 1e6 / records.size()}}
                         .dump()
                  << "\n";
        return res.rejected.empty() ? 0 : 5;
    } catch (const meshctl::Error& e) {
        std::cerr << "driver: " << e.what() << "\n";
        return 1;
    }
}
