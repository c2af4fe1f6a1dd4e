#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

using namespace meshctl;
using test::run_meshctl;

namespace {

struct Fixture {
    std::string bootstrap = test::fixture_address("kafka");
    std::string topic = "it-sample-" + test::random_suffix();
    test::TempDir dir;
    std::map<std::string, std::string> env{{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}};
    static constexpr std::int64_t base_ts = 1'700'000'000'000;

    Fixture() {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        kafka::Admin admin(s);
        admin.create_topic(topic, 3, 1, {});
        kafka::Producer p(s);
        // 300 orders, 100 per partition, in time order; every 10th is not JSON.
        for (int i = 0; i < 300; ++i) {
            std::string v = i % 10 == 9 ? "not json " + std::to_string(i)
                                        : "{\"n\":" + std::to_string(i) + ",\"amount\":" + std::to_string(i * 2) +
                                              ".5,\"currency\":\"" + (i % 3 == 0 ? "EUR" : "USD") + "\"}";
            p.produce(topic, "k" + std::to_string(i), v, i % 3, {{"src", std::string("test")}}, base_ts + i * 1000);
        }
        p.flush(20'000);
    }
    ~Fixture() {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        kafka::Admin(s).delete_topics({topic});
    }
    test::RunResult sample(std::vector<std::string> args) const {
        std::vector<std::string> full = {"sample", topic, "-b", bootstrap};
        full.insert(full.end(), args.begin(), args.end());
        return run_meshctl(full, env);
    }
};

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

TEST_CASE("head reads the first N in partition order and stops at the end") {
    Fixture f;
    auto r = f.sample({"-n", "0", "-f", "%p %o"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(lines(r.out).size() == 300);
    auto five = f.sample({"-n", "5", "--partition", "1", "-f", "%p %o %k"});
    CHECK(lines(five.out) == std::vector<std::string>{"1 0 k1", "1 1 k4", "1 2 k7", "1 3 k10", "1 4 k13"});
}

TEST_CASE("--where filters, and non-JSON events are counted once, never a crash") {
    Fixture f;
    auto r = f.sample({"-n", "0", "--where", "value.amount > 250.0 && value.currency == \"EUR\"", "-f", "%k"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    // EUR: i % 3 == 0; amount = 2i + 0.5 > 250 -> i >= 125; JSON: i % 10 != 9.
    int expected = 0;
    for (int i = 125; i < 300; ++i) expected += i % 3 == 0 && i % 10 != 9;
    CHECK(lines(r.out).size() == static_cast<std::size_t>(expected));
    CHECK(r.err.find("were not JSON") != std::string::npos);
    CHECK(r.err.find("30 events") != std::string::npos);
}

TEST_CASE("--where over large batches keeps the order, the matches and the first not-JSON offset exact") {
    // Large batches are filtered on two threads; the output and the counts must not show it.
    std::string bootstrap = test::fixture_address("kafka");
    std::string topic = "it-sample-big-" + test::random_suffix();
    kafka::ClientSettings s;
    s.bootstrap = bootstrap;
    kafka::Admin admin(s);
    admin.create_topic(topic, 1, 1, {});
    const int total = 20000;
    {
        kafka::Producer p(s);
        for (int i = 0; i < total; ++i) {
            std::string v = i % 97 == 40 ? "<not json " + std::to_string(i) + ">"
                                         : "{\"n\":" + std::to_string(i) + ",\"tier\":\"" + (i % 7 == 0 ? "GOLD" : "BASIC") + "\"}";
            p.produce(topic, "k" + std::to_string(i), v, 0, {}, 0);
        }
        p.flush(20'000);
    }
    test::TempDir dir;
    std::map<std::string, std::string> env{{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}};
    auto r = run_meshctl({"sample", topic, "-b", bootstrap, "-n", "0", "--where", "value.tier == \"GOLD\" && value.n % 2 == 0",
                          "-f", "%o"}, env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::vector<std::string> expected;
    int not_json = 0;
    for (int i = 0; i < total; ++i) {
        if (i % 97 == 40) ++not_json;
        else if (i % 7 == 0 && i % 2 == 0) expected.push_back(std::to_string(i));
    }
    CHECK(lines(r.out) == expected);
    CHECK(r.err.find(std::to_string(not_json) + " events were not JSON") != std::string::npos);
    CHECK(r.err.find("first at " + topic + "[0]@40)") != std::string::npos);
    admin.delete_topics({topic});
}

TEST_CASE("positions: offset, from-end, time, and until") {
    Fixture f;
    auto off = f.sample({"--partition", "0", "--from", "offset:98", "-n", "0", "-f", "%o"});
    CHECK(lines(off.out) == std::vector<std::string>{"98", "99"});
    auto from_end = f.sample({"--partition", "2", "--from", "-2", "-n", "0", "-f", "%o"});
    CHECK(lines(from_end.out) == std::vector<std::string>{"98", "99"});
    // Record i has timestamp base + i s; i = 297 is partition 0 offset 99.
    auto at = f.sample({"--partition", "0", "--from", "@" + std::to_string(Fixture::base_ts + 296'500), "-n", "0", "-f", "%o"});
    CHECK(lines(at.out) == std::vector<std::string>{"99"});
    auto until = f.sample({"--partition", "0", "--until", "offset:3", "-n", "0", "-f", "%o"});
    CHECK(lines(until.out) == std::vector<std::string>{"0", "1", "2"});
    auto beyond = f.sample({"--from", "offset:100000"});
    CHECK(beyond.exit_code == 0);
    CHECK(beyond.out.empty());
    CHECK(beyond.err.find("beyond the end") != std::string::npos);
}

TEST_CASE("tail gives the newest N and uniform spreads over partitions") {
    Fixture f;
    auto tail = f.sample({"--strategy", "tail", "-n", "3", "-f", "%k"});
    CHECK(lines(tail.out) == std::vector<std::string>{"k297", "k298", "k299"});
    auto uni = f.sample({"--strategy", "uniform", "-n", "6", "-f", "%p %o"});
    auto l = lines(uni.out);
    REQUIRE(l.size() == 6);
    std::map<std::string, int> per_partition;
    for (const auto& x : l) per_partition[x.substr(0, 1)]++;
    CHECK(per_partition == std::map<std::string, int>{{"0", 2}, {"1", 2}, {"2", 2}});
    CHECK(std::find(l.begin(), l.end(), "0 25") != l.end());
    CHECK(std::find(l.begin(), l.end(), "0 75") != l.end());
}

TEST_CASE("json and jsonl envelopes carry kcat's field names and the decoded value") {
    Fixture f;
    auto r = f.sample({"--partition", "0", "-n", "2", "-o", "jsonl"});
    auto l = lines(r.out);
    REQUIRE(l.size() == 2);
    auto j = nlohmann::json::parse(l[0]);
    CHECK(j["topic"] == f.topic);
    CHECK(j["partition"] == 0);
    CHECK(j["offset"] == 0);
    CHECK(j["tstype"] == "create");
    CHECK(j["ts"] == Fixture::base_ts);
    CHECK(j["key"] == "k0");
    CHECK(j["headers"] == nlohmann::json::array({"src", "test"}));
    CHECK(j["value"]["n"] == 0);
    auto arr = nlohmann::json::parse(f.sample({"--partition", "0", "-n", "10", "-o", "json"}).out);
    REQUIRE(arr.is_array());
    CHECK(arr.size() == 10);
    CHECK(arr[3]["value"] == "not json 9");  // not JSON: kept as a string
}

TEST_CASE("bad input: missing topic or partition exits 3, bad expression exits 2 with a caret") {
    Fixture f;
    auto missing = run_meshctl({"sample", f.topic + "-nope", "-b", f.bootstrap}, f.env);
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find("did you mean") != std::string::npos);
    CHECK(f.sample({"--partition", "9"}).exit_code == 3);
    auto bad = f.sample({"--where", "value.amount >> 2"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("^") != std::string::npos);
    CHECK(f.sample({"--from", "yesterday"}).exit_code == 2);
}

TEST_CASE("--follow stops cleanly on SIGINT with exit 130") {
    Fixture f;
    std::string out_path = (f.dir.path() / "out").string();
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::setenv("MESHCTL_CONFIG", f.env.at("MESHCTL_CONFIG").c_str(), 1);
        ::execl(MESHCTL_BIN, MESHCTL_BIN, "sample", f.topic.c_str(), "-b", f.bootstrap.c_str(), "--follow", "--from",
                "-5", "-n", "0", "-f", "%o", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Interrupt once the 15 events (the last 5 of each partition) are out, however slow the
    // machine, and at least 2 s in, so that the run is following by then. --follow shows
    // records as they come: they must be in the file before the interrupt.
    auto printed = [&] {
        std::ifstream in(out_path);
        std::size_t n = 0;
        for (std::string l; std::getline(in, l);) n += !l.empty() && std::isdigit(static_cast<unsigned char>(l[0]));
        return n;
    };
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(60) &&
           (printed() < 15 || std::chrono::steady_clock::now() - start < std::chrono::seconds(2)))
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(printed() == 15);
    ::kill(pid, SIGINT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    auto out = test::run_program({"cat", out_path}).out;
    CHECK(out.find("interrupted after 15 events") != std::string::npos);
}
