// Elasticsearch sink authentication: basic auth and API keys over HTTPS. The OpenSearch fixture
// runs without its security plugin, so tests/fixtures/es-auth-proxy stands in front of it: TLS
// with a certificate from a fresh test CA, the Authorization header checked, then forwarded.
// Right credentials index every record; wrong ones exit 1 saying the credentials were
// rejected, and no secret ever shows.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/http/client.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

using namespace meshctl;
using namespace std::chrono_literals;

namespace {

// Test-only credentials the proxy accepts.
const std::string user = "writer", password = "writer-Pass-81x", api_key = "key-7Qe:key-Secret-55z";
const std::string wrong_password = "not-the-Pass-3m", wrong_api_key = "key-7Qe:wrong-Secret-0p";

std::int64_t count(const std::string& es, const std::string& index) {
    http::Client c(http::ClientOptions{});
    http::Request refresh;
    refresh.method = "POST";
    refresh.url = es + "/" + index + "/_refresh";
    c.perform(refresh);
    http::Request get;
    get.url = es + "/" + index + "/_count";
    auto r = c.perform(get);
    if (!r.ok()) return -1;
    return nlohmann::json::parse(r.body)["count"].get<std::int64_t>();
}

/// The proxy, running for the test's lifetime.
struct AuthProxy {
    test::TempDir dir;
    pid_t pid = -1;
    std::string url;
    std::filesystem::path ca = dir.path() / "ca.pem";
    explicit AuthProxy(const std::string& upstream) {
        pid = ::fork();
        if (pid == 0) {
            int fd = ::open((dir.path() / "proxy.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::setenv("ES_PROXY_USER", user.c_str(), 1);
            ::setenv("ES_PROXY_PASSWORD", password.c_str(), 1);
            ::setenv("ES_PROXY_API_KEY", api_key.c_str(), 1);
            std::string script = std::string(MESHCTL_FIXTURES_DIR) + "/es-auth-proxy";
            std::string d = dir.path().string();
            ::execl(script.c_str(), script.c_str(), "--upstream", upstream.c_str(), "--dir", d.c_str(), nullptr);
            ::_exit(127);
        }
        auto port_file = dir.path() / "port";
        for (int i = 0; i < 300 && !std::filesystem::exists(port_file); ++i) std::this_thread::sleep_for(100ms);
        REQUIRE_MESSAGE(std::filesystem::exists(port_file), "the proxy did not start");
        std::ifstream in(port_file);
        std::string port;
        in >> port;
        url = "127.0.0.1:" + port;
    }
    ~AuthProxy() {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
    }
};

struct Setup {
    std::string es = test::fixture_address("opensearch");
    std::string bootstrap = test::fixture_address("kafka");
    std::string suffix = test::random_suffix();
    std::string topic = "os-auth-" + suffix;
    AuthProxy proxy{es};
    test::TempDir dir;
    static constexpr int records = 300;
    Setup() {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        kafka::Admin(s).create_topic(topic, 2, 1, {});
        kafka::Producer p(s);
        for (int i = 0; i < records; ++i) p.produce(topic, "k" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}");
        p.flush(30'000);
    }
    ~Setup() {
        kafka::ClientSettings s;
        s.bootstrap = bootstrap;
        kafka::Admin(s).delete_topics({topic});
    }
    /// Replays the topic into `index` behind the proxy with the given URL options and secrets.
    test::RunResult replay(const std::string& index, const std::string& options, const std::string& pw, const std::string& key) const {
        std::string into = "elasticsearch+https://" + proxy.url + "/" + index + "?" + options;
        auto r = test::run_meshctl({"backfill", "replay", topic, "--into", into, "-b", bootstrap, "--timeout", "30s"},
                                   {{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"},
                                    {"ES_PASSWORD", pw}, {"ES_API_KEY", key}},
                                   {}, 180);
        for (const auto& secret : {password, wrong_password, api_key, wrong_api_key, std::string("key-Secret-55z"),
                                   std::string("wrong-Secret-0p")}) {
            CHECK_MESSAGE(r.out.find(secret) == std::string::npos, "stdout shows a secret");
            CHECK_MESSAGE(r.err.find(secret) == std::string::npos, "stderr shows a secret");
        }
        return r;
    }
};

}  // namespace

TEST_CASE("basic auth and an API key over HTTPS with the test CA: every record is indexed") {
    Setup s;
    std::string ca = "&ca_file=" + s.proxy.ca.string();
    std::string basic_index = "os-auth-basic-" + s.suffix, key_index = "os-auth-key-" + s.suffix;
    auto basic = s.replay(basic_index, "username=" + user + "&password=${env:ES_PASSWORD}" + ca, password, "");
    CHECK_MESSAGE(basic.exit_code == 0, basic.err);
    CHECK(count(s.es, basic_index) == Setup::records);
    auto key = s.replay(key_index, "api_key=${env:ES_API_KEY}" + ca, "", api_key);
    CHECK_MESSAGE(key.exit_code == 0, key.err);
    CHECK(count(s.es, key_index) == Setup::records);
}

TEST_CASE("wrong credentials: exit 1, \"credentials were rejected\", no secret in the output, nothing indexed") {
    Setup s;
    std::string ca = "&ca_file=" + s.proxy.ca.string();
    std::string index = "os-auth-wrong-" + s.suffix;
    auto basic = s.replay(index, "username=" + user + "&password=${env:ES_PASSWORD}" + ca, wrong_password, "");
    CHECK(basic.exit_code == 1);
    CHECK_MESSAGE(basic.err.find("credentials were rejected") != std::string::npos, basic.err);
    auto key = s.replay(index, "api_key=${env:ES_API_KEY}" + ca, "", wrong_api_key);
    CHECK(key.exit_code == 1);
    CHECK_MESSAGE(key.err.find("credentials were rejected") != std::string::npos, key.err);
    CHECK(count(s.es, index) <= 0);  // missing index (-1) or empty
}

TEST_CASE("the proxy's certificate is verified: without its CA the sink refuses to send credentials") {
    Setup s;
    std::string index = "os-auth-noca-" + s.suffix;
    auto r = s.replay(index, "username=" + user + "&password=${env:ES_PASSWORD}&retry_timeout=10s", password, "");
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find("certificate") != std::string::npos, r.err);
    CHECK(count(s.es, index) <= 0);
}
