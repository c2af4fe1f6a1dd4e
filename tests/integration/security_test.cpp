// Authenticated and encrypted clusters: the Kafka fixture's secure instance (SASL_SSL with
// SCRAM-SHA-512, and SSL, certificates from a per-instance test CA), reached through config
// contexts whose secrets are ${env:} and ${file:} references. Wrong passwords, foreign CAs,
// verification turned off, debug output and config file permissions.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

using namespace meshctl;

namespace {

const std::string fixture = std::string(MESHCTL_FIXTURES_DIR) + "/kafka";
// The fixture's test-only SCRAM users (see tests/fixtures/kafka).
const std::string alice_secret = "alice-secret", bob_secret = "bob-secret";
const std::string wrong_env_secret = "wrong-Env-Secret-7f3k", wrong_file_secret = "wrong-File-Secret-x9q2";

/// The secure instance: started here unless it already runs, stopped at exit if started here.
struct SecureKafka {
    bool started_here = false;
    std::string plain, sasl_ssl, ssl, ca;
    SecureKafka() {
        if (test::run_program({fixture, "--name", "secure", "status"}).exit_code != 0) {
            auto r = test::run_program({fixture, "--name", "secure", "up", "--secure"}, {}, {}, 600);
            REQUIRE_MESSAGE(r.exit_code == 0, r.err);
            started_here = true;
        }
        plain = test::fixture_address("kafka", "secure");
        sasl_ssl = line(test::run_program({fixture, "--name", "secure", "address", "--listener", "sasl_ssl"}).out);
        ssl = line(test::run_program({fixture, "--name", "secure", "address", "--listener", "ssl"}).out);
        ca = line(test::run_program({fixture, "--name", "secure", "ca"}).out);
        REQUIRE(!sasl_ssl.empty());
        REQUIRE(!ca.empty());
    }
    ~SecureKafka() {
        if (started_here) test::run_program({fixture, "--name", "secure", "down"});
    }
    static std::string line(std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }
};

SecureKafka& secure() {
    static SecureKafka s;
    return s;
}

/// A topic with known values (written over PLAINTEXT), and a config file of contexts.
struct Setup {
    std::string suffix = test::random_suffix();
    std::string topic = "sec-" + suffix, catalog = "_meshctl.catalog.sec-" + suffix;
    std::multiset<std::string> values;
    test::TempDir dir;
    std::filesystem::path config, other_ca;
    std::map<std::string, std::string> env;

    Setup() {
        auto& k = secure();
        kafka::ClientSettings s;
        s.bootstrap = k.plain;
        kafka::Admin(s).create_topic(topic, 2, 1, {});
        kafka::Producer p(s);
        for (int i = 0; i < 40; ++i) {
            std::string v = "{\"i\":" + std::to_string(i) + "}";
            p.produce(topic, "k" + std::to_string(i), v);
            values.insert(v);
        }
        p.flush(30'000);

        auto bob_file = dir.write("bob.password", bob_secret, 0600);
        auto wrong_file = dir.write("wrong.password", wrong_file_secret, 0600);
        // A CA that did not sign the broker's certificate.
        auto gen = test::run_program({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                                      "/CN=some other CA", "-keyout", (dir.path() / "other.key").string(), "-out",
                                      (dir.path() / "other.pem").string()});
        REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
        other_ca = dir.path() / "other.pem";

        auto sasl = [&](const std::string& user, const std::string& password_ref, const std::string& ca) {
            return "    bootstrap: " + k.sasl_ssl + "\n    catalog-topic: " + catalog +
                   "\n    kafka:\n      security.protocol: SASL_SSL\n      sasl.mechanisms: SCRAM-SHA-512\n"
                   "      sasl.username: " + user + "\n      sasl.password: " + password_ref + "\n      ssl.ca.location: " + ca + "\n";
        };
        auto tls = [&](const std::string& ca, const std::string& extra) {
            return "    bootstrap: " + k.ssl + "\n    catalog-topic: " + catalog + "\n" + extra +
                   "    kafka:\n      security.protocol: SSL\n" + (ca.empty() ? "" : "      ssl.ca.location: " + ca + "\n");
        };
        std::string yaml = "current-context: sasl-env\ncontexts:\n";
        yaml += "  sasl-env:\n" + sasl("alice", "${env:KAFKA_PASSWORD}", k.ca);
        yaml += "  sasl-file:\n" + sasl("bob", "${file:" + bob_file.string() + "}", k.ca);
        yaml += "  ssl:\n" + tls(k.ca, "");
        yaml += "  wrong-env:\n" + sasl("alice", "${env:WRONG_PASSWORD}", k.ca);
        yaml += "  wrong-file:\n" + sasl("bob", "${file:" + wrong_file.string() + "}", k.ca);
        yaml += "  wrong-ca:\n" + tls(other_ca.string(), "");
        yaml += "  no-ca:\n" + tls("", "");
        yaml += "  insecure:\n" + tls(other_ca.string(), "    tls-insecure: true\n");
        yaml += "  insecure-property:\n" + tls(other_ca.string(), "") + "      enable.ssl.certificate.verification: \"false\"\n";
        config = dir.write("config.yaml", yaml, 0600);
        env = {{"MESHCTL_CONFIG", config.string()}, {"NO_COLOR", "1"}, {"KAFKA_PASSWORD", alice_secret},
               {"WRONG_PASSWORD", wrong_env_secret}, {"MESHCTL_STATE_DIR", dir.path().string()}};
    }
    ~Setup() {
        kafka::ClientSettings s;
        s.bootstrap = secure().plain;
        try {
            kafka::Admin(s).delete_topics({topic, catalog, topic + "-copy"});
        } catch (...) {
        }
    }

    test::RunResult run(const std::string& context, std::vector<std::string> args) const {
        std::vector<std::string> full = {"--context", context};
        full.insert(full.end(), args.begin(), args.end());
        auto r = test::run_meshctl(full, env, {}, 180);
        // No run may show a secret, whatever it did.
        for (const auto& secret : {alice_secret, bob_secret, wrong_env_secret, wrong_file_secret}) {
            CHECK_MESSAGE(r.out.find(secret) == std::string::npos, context << " stdout shows a secret");
            CHECK_MESSAGE(r.err.find(secret) == std::string::npos, context << " stderr shows a secret");
        }
        return r;
    }

    std::filesystem::path product_file(const std::string& name) const {
        std::ifstream in(std::filesystem::path(MESHCTL_SOURCE_DIR) / "examples/products/orders.yaml");
        std::stringstream text;
        text << in.rdbuf();
        std::string yaml = text.str();
        yaml.replace(yaml.find("name: orders"), 12, "name: " + name);
        yaml.replace(yaml.find("topic: orders"), 13, "topic: " + topic);
        return dir.write(name + ".yaml", yaml);
    }
};

std::multiset<std::string> lines(const std::string& text) {
    std::multiset<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.insert(l);
    return out;
}

}  // namespace

TEST_CASE("discover, sample, product publish and a kafka sink work over SASL_SSL (${env:} and ${file:} passwords) and SSL") {
    Setup s;
    for (const std::string ctx : {"sasl-env", "sasl-file", "ssl"}) {
        INFO("context " << ctx);
        auto d = s.run(ctx, {"discover", s.topic, "-o", "json", "--timeout", "20s"});
        REQUIRE_MESSAGE(d.exit_code == 0, d.err);
        CHECK(d.out.find(s.topic) != std::string::npos);

        auto sample = s.run(ctx, {"sample", s.topic, "-n", "0", "-f", "text", "--timeout", "20s"});
        REQUIRE_MESSAGE(sample.exit_code == 0, sample.err);
        CHECK(lines(sample.out) == s.values);

        std::string product = "sec-" + ctx + "-" + s.suffix;
        auto pub = s.run(ctx, {"product", "publish", s.product_file(product).string(), "--timeout", "20s"});
        REQUIRE_MESSAGE(pub.exit_code == 0, pub.err);
        auto list = s.run(ctx, {"product", "list", "-o", "json", "--timeout", "20s"});
        REQUIRE_MESSAGE(list.exit_code == 0, list.err);
        CHECK(list.out.find(product) != std::string::npos);

        std::string copy = s.topic + "-copy";
        auto replay = s.run(ctx, {"backfill", "replay", s.topic, "--into", "kafka:" + copy, "--timeout", "20s"});
        REQUIRE_MESSAGE(replay.exit_code == 0, replay.err);
    }
    // Three replays into the copy: every value exactly three times.
    auto copy = s.run("ssl", {"sample", s.topic + "-copy", "-n", "0", "-f", "text"});
    REQUIRE_MESSAGE(copy.exit_code == 0, copy.err);
    auto got = lines(copy.out);
    CHECK(got.size() == 3 * s.values.size());
    for (const auto& v : s.values) CHECK(got.count(v) == 3);
}

TEST_CASE("a wrong password exits 1 with \"authentication failed\" and shows the password nowhere") {
    Setup s;
    for (const std::string ctx : {"wrong-env", "wrong-file"}) {
        for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
                 {"discover", "--timeout", "10s"},
                 {"sample", s.topic, "-n", "1", "--timeout", "10s"},
                 {"-v", "-v", "-X", "debug=security,broker,conf", "describe", s.topic, "--timeout", "10s"}}) {
            INFO("context " << ctx << ": " << args[0]);
            auto r = s.run(ctx, args);
            CHECK(r.exit_code == 1);
            CHECK(r.out.empty());
            CHECK_MESSAGE(r.err.find("authentication failed") != std::string::npos, r.err);
        }
    }
}

TEST_CASE("TLS verification is on by default: a broker certificate from another CA fails clearly") {
    Setup s;
    for (const std::string ctx : {"wrong-ca", "no-ca"}) {
        INFO("context " << ctx);
        auto r = s.run(ctx, {"discover", "--timeout", "10s"});
        CHECK(r.exit_code == 1);
        CHECK_MESSAGE(r.err.find("could not be verified") != std::string::npos, r.err);
        CHECK(r.err.find("ssl.ca.location") != std::string::npos);
        CHECK(r.err.find("verification is OFF") == std::string::npos);
    }
}

TEST_CASE("turning TLS verification off is explicit (context or property) and always warned about") {
    Setup s;
    auto insecure = s.run("insecure", {"sample", s.topic, "-n", "0", "-f", "text", "--timeout", "20s"});
    REQUIRE_MESSAGE(insecure.exit_code == 0, insecure.err);
    CHECK(lines(insecure.out) == s.values);
    CHECK(insecure.err.find("TLS certificate verification is OFF for context \"insecure\"") != std::string::npos);

    auto property = s.run("insecure-property", {"discover", s.topic, "--timeout", "20s"});
    REQUIRE_MESSAGE(property.exit_code == 0, property.err);
    CHECK(property.err.find("TLS certificate verification is turned off") != std::string::npos);

    // The same opt-out on the command line is also explicit and warned about.
    auto flag = s.run("wrong-ca", {"-X", "enable.ssl.certificate.verification=false", "discover", s.topic, "--timeout", "20s"});
    CHECK(flag.exit_code == 0);
    CHECK(flag.err.find("TLS certificate verification is turned off") != std::string::npos);
}

TEST_CASE("-v and librdkafka debug output go through redaction: the password never appears") {
    Setup s;
    for (const std::string ctx : {"sasl-env", "sasl-file"}) {
        INFO("context " << ctx);
        auto r = s.run(ctx, {"-v", "-v", "-X", "debug=all", "discover", s.topic, "--timeout", "20s"});
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        // The debug output really is there (librdkafka's own lines, its configuration dump
        // included), and the secret checks in run() covered it.
        CHECK(r.err.find("librdkafka") != std::string::npos);
        CHECK(r.err.find("sasl.username") != std::string::npos);
    }
    auto view = s.run("sasl-env", {"config", "view"});
    CHECK(view.exit_code == 0);
    CHECK(view.out.find("sasl.password") != std::string::npos);  // shown, its value redacted
    // A secret given on argv is refused before anything is sent.
    auto argv_secret = s.run("sasl-env", {"-X", "sasl.password=" + alice_secret, "discover"});
    CHECK(argv_secret.exit_code == 2);
}

TEST_CASE("a config file holding a literal password is refused while group or others can read it") {
    Setup s;
    auto& k = secure();
    std::string yaml = "current-context: literal\ncontexts:\n  literal:\n    bootstrap: " + k.sasl_ssl +
                       "\n    kafka:\n      security.protocol: SASL_SSL\n      sasl.mechanisms: SCRAM-SHA-512\n"
                       "      sasl.username: alice\n      sasl.password: " + alice_secret + "\n      ssl.ca.location: " + k.ca + "\n";
    auto path = s.dir.write("literal.yaml", yaml, 0644);
    auto env = s.env;
    env["MESHCTL_CONFIG"] = path.string();
    auto refused = test::run_meshctl({"discover", s.topic, "--timeout", "20s"}, env);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("readable by group or others") != std::string::npos);
    CHECK(refused.err.find(alice_secret) == std::string::npos);
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    auto accepted = test::run_meshctl({"discover", s.topic, "--timeout", "20s"}, env);
    CHECK_MESSAGE(accepted.exit_code == 0, accepted.err);
    CHECK(accepted.err.find(alice_secret) == std::string::npos);
}
