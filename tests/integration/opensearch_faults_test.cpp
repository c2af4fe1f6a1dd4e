// OpenSearch down: replays and pipelines into the Elasticsearch sink while nothing answers at
// the sink's address. The sink retries with backoff and says so on stderr; nothing is
// committed before the server acknowledged it; with the server back in time the run
// completes with an exact document count, and without it the run fails clearly after the
// deadline with nothing committed. (A server frozen mid-run is opensearch_sink_test's case.)
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/http/client.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

using namespace meshctl;
using namespace std::chrono_literals;

namespace {

http::Response call(const std::string& method, const std::string& url) {
    http::Client c(http::ClientOptions{});
    http::Request r;
    r.method = method;
    r.url = url;
    return c.perform(r);
}

std::int64_t count(const std::string& es, const std::string& index) {
    call("POST", es + "/" + index + "/_refresh");
    auto r = call("GET", es + "/" + index + "/_count");
    if (!r.ok()) return -1;
    return nlohmann::json::parse(r.body)["count"].get<std::int64_t>();
}

/// A loopback port nothing listens on (bound and released).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

/// Starts any program in the background, stdout and stderr to `log_path`.
pid_t spawn_program(const std::vector<std::string>& argv, const std::string& log_path) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The server "coming back": a TCP forwarder from the dead port to the running node.
const char* forwarder_py = R"(
import asyncio, sys
port, host, target = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
async def pipe(r, w):
    try:
        while True:
            d = await r.read(65536)
            if not d: break
            w.write(d); await w.drain()
    finally:
        w.close()
async def handle(r, w):
    ur, uw = await asyncio.open_connection(host, target)
    await asyncio.gather(pipe(r, uw), pipe(ur, w), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', port)
    async with server:
        await server.serve_forever()
asyncio.run(main())
)";

struct Topic {
    std::string bootstrap = test::fixture_address("kafka");
    std::string name = "os-faults-" + test::random_suffix();
    int records;
    explicit Topic(int n) : records(n) {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        kafka::Admin(s).create_topic(name, 3, 1, {});
        kafka::Producer p(s);
        for (int i = 0; i < n; ++i) p.produce(name, "k" + std::to_string(i), "{\"n\":" + std::to_string(i) + ",\"region\":\"eu\"}");
        p.flush(30'000);
    }
    ~Topic() {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        kafka::Admin(s).delete_topics({name});
    }
    std::int64_t committed(const std::string& group) const {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        std::int64_t total = 0;
        for (const auto& [tp, off] : kafka::Admin(s).committed_offsets(group)) total += std::max<std::int64_t>(off, 0);
        return total;
    }
};

std::map<std::string, std::string> base_env(const test::TempDir& dir) {
    return {{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}, {"MESHCTL_STATE_DIR", dir.path().string()}};
}

}  // namespace

TEST_CASE("a replay into a server that never comes up: retries said on stderr, exit 1 after the deadline, nothing committed") {
    Topic t(500);
    test::TempDir dir;
    int port = free_port();
    std::string group = "os-down-" + test::random_suffix();
    std::string into = "elasticsearch+http://127.0.0.1:" + std::to_string(port) + "/os-down?retry_timeout=6s";
    auto r = test::run_meshctl({"backfill", "replay", t.name, "--into", into, "--group", group, "-b", t.bootstrap, "--timeout", "6s"},
                               base_env(dir), {}, 180);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("retrying") != std::string::npos);
    CHECK(r.err.find("meshctl: error:") != std::string::npos);
    CHECK(r.err.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(t.committed(group) == 0);

    // A pipeline the same way.
    std::string pgroup = "os-down-pipeline-" + test::random_suffix();
    auto yaml = "name: os-down\nsources:\n  events: {topic: " + t.name + ", as: stream, from: beginning}\nsteps:\n"
                "  - filter: value.region == \"eu\"\nsinks:\n  - {type: elasticsearch, addresses: [\"http://127.0.0.1:" +
                std::to_string(port) + "\"], index: os-down, retry_timeout: 6s}\n";
    auto file = dir.write("os-down.yaml", yaml);
    auto p = test::run_meshctl({"pipeline", "run", file.string(), "-b", t.bootstrap, "--group", pgroup, "--until", "caught-up",
                                "--timeout", "6s", "--sink-deadline", "6s"},
                               base_env(dir), {}, 180);
    INFO(p.err);
    CHECK(p.exit_code == 1);
    CHECK(p.err.find("a sink kept failing") != std::string::npos);
    CHECK(p.err.find("retrying") != std::string::npos);
    CHECK(p.err.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(t.committed(pgroup) == 0);
}

TEST_CASE("a replay started while the server is down completes when it comes back, with an exact count") {
    std::string es = test::fixture_address("opensearch");
    Topic t(3000);
    test::TempDir dir;
    int port = free_port();
    std::string index = "os-back-" + test::random_suffix();
    std::string group = "os-back-" + test::random_suffix();
    std::string into = "elasticsearch+http://127.0.0.1:" + std::to_string(port) + "/" + index + "?retry_timeout=120s";
    auto log = dir.path() / "replay.log";
    pid_t pid = test::spawn_meshctl({"backfill", "replay", t.name, "--into", into, "--group", group, "-b", t.bootstrap,
                                     "--timeout", "120s"},
                                    log.string(), base_env(dir));
    std::this_thread::sleep_for(6s);
    // While nothing answers, nothing is acknowledged, so nothing is committed.
    CHECK(t.committed(group) == 0);
    auto es_port = es.substr(es.rfind(':') + 1);
    pid_t forwarder = spawn_program({"python3", "-c", forwarder_py, std::to_string(port), "127.0.0.1", es_port},
                                    (dir.path() / "forwarder.log").string());
    int rc = test::wait_exit(pid);
    ::kill(forwarder, SIGTERM);
    test::wait_exit(forwarder);
    auto text = slurp(log);
    INFO(text);
    CHECK(rc == 0);
    CHECK(text.find("retrying") != std::string::npos);
    CHECK(count(es, index) == t.records);
    CHECK(t.committed(group) == t.records);
    call("DELETE", es + "/" + index);
}
