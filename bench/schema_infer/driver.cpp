// Measures `schema infer` and `schema diff` work on events already in memory: decoding,
// parsing with simdjson On-Demand and updating the statistics (or checking the declared
// schema). Fetching from Kafka is excluded on purpose: it is measured by bench/sample.
//
// Usage: driver EVENTS.jsonl [PASSES] [SCHEMA.json]
//   Reads one event per line, feeds all of them PASSES times (default 5) to an Inferrer,
//   then (with SCHEMA.json) to a Differ, and prints events/s by wall clock and by CPU time.
#include "core/schema/diff.hpp"
#include "core/schema/infer.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace meshctl;

namespace {

struct Timing {
    double wall = 0;  // seconds
    double cpu = 0;   // seconds of this process's CPU: the figure that holds on a busy machine
};

double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class Sink>
Timing run(const std::vector<std::string>& events, int passes, Sink& sink) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_now();
    std::int64_t offset = 0;
    for (int p = 0; p < passes; ++p)
        for (const auto& e : events) sink.add(schema::RecordView{{0, offset++}, std::string_view(e)});
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), cpu_now() - c0};
}

void report(const char* what, std::size_t n, Timing t) {
    double count = static_cast<double>(n);
    std::printf("%-6s %zu events: wall %.3f s = %.0f events/s; cpu %.3f s = %.0f events/s (%.0f ns/event)\n", what, n,
                t.wall, count / t.wall, t.cpu, count / t.cpu, t.cpu * 1e9 / count);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: driver EVENTS.jsonl [PASSES] [SCHEMA.json]\n";
        return 2;
    }
    int passes = argc > 2 ? std::stoi(argv[2]) : 5;
    std::vector<std::string> events;
    std::size_t bytes = 0;
    {
        std::ifstream in(argv[1]);
        for (std::string line; std::getline(in, line);) {
            bytes += line.size();
            events.push_back(std::move(line));
        }
    }
    if (events.empty()) {
        std::cerr << "no events in " << argv[1] << "\n";
        return 2;
    }
    std::printf("%zu events, %zu bytes on average, %d passes\n", events.size(), bytes / events.size(), passes);
    const std::size_t n = events.size() * static_cast<std::size_t>(passes);

    schema::Inferrer inferrer;
    Timing t = run(events, passes, inferrer);
    auto inferred = inferrer.result();
    report("infer", n, t);
    if (inferred.decoded != static_cast<std::int64_t>(n) || inferred.fields.empty()) {
        std::cerr << "infer: only " << inferred.decoded << " of " << n << " events decoded\n";
        return 1;
    }

    if (argc > 3) {
        std::ifstream in(argv[3]);
        auto declared = nlohmann::json::parse(in);
        schema::Differ differ(declared);
        Timing d = run(events, passes, differ);
        auto drift = differ.result();
        report("diff", n, d);
        std::printf("diff   %zu findings\n", drift.findings.size());
    }
    return 0;
}
