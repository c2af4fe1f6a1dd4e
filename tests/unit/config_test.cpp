#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "cmd/app.hpp"
#include "core/config/context_ops.hpp"
#include "core/config/settings.hpp"
#include "core/error.hpp"
#include "core/util/redact.hpp"
#include "tests/support/run.hpp"

#include <csignal>
#include <map>

using namespace meshctl;

namespace {

config::Getenv fake_env(std::map<std::string, std::string> vars) {
    return [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

const char* two_contexts = R"(current-context: prod
contexts:
  prod:
    bootstrap: prod-kafka:9092
    registry: http://registry:8081
    kafka:
      security.protocol: SASL_SSL
      sasl.password: ${env:PROD_KAFKA_PASSWORD}
  staging:
    bootstrap: staging-kafka:9092
    catalog-topic: _staging.catalog
)";

}  // namespace

TEST_CASE("the bootstrap comes from flag, then env, then context, then the default") {
    test::TempDir dir;
    auto path = dir.write("config.yaml", two_contexts);
    auto env = fake_env({{"MESHCTL_CONFIG", path.string()}, {"PROD_KAFKA_PASSWORD", "hunter2-secret"}});

    config::GlobalOptions o;
    auto s = config::resolve_settings(o, env);
    CHECK(s.context_name == "prod");
    CHECK(s.bootstrap.value == "prod-kafka:9092");
    CHECK(s.bootstrap.source == "context \"prod\"");
    CHECK(s.registry->value == "http://registry:8081");

    auto env2 = fake_env({{"MESHCTL_CONFIG", path.string()}, {"PROD_KAFKA_PASSWORD", "x-secret"}, {"MESHCTL_BOOTSTRAP", "env-host:1"}});
    CHECK(config::resolve_settings(o, env2).bootstrap.value == "env-host:1");

    o.bootstrap = "flag-host:2";
    CHECK(config::resolve_settings(o, env2).bootstrap.value == "flag-host:2");
    CHECK(config::resolve_settings(o, env2).bootstrap.source == "flag");
}

TEST_CASE("with no config file the default bootstrap applies") {
    test::TempDir dir;
    auto env = fake_env({{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}});
    auto s = config::resolve_settings({}, env);
    CHECK(s.bootstrap.value == "localhost:9092");
    CHECK(s.bootstrap.source == "default");
    CHECK(s.context_name.empty());
    CHECK(s.catalog_topic == "_meshctl.catalog");
}

TEST_CASE("the context comes from --context, then MESHCTL_CONTEXT, then current-context") {
    test::TempDir dir;
    auto path = dir.write("config.yaml", two_contexts);
    config::GlobalOptions o;
    auto env = fake_env({{"MESHCTL_CONFIG", path.string()}, {"MESHCTL_CONTEXT", "staging"}});
    auto s = config::resolve_settings(o, env);
    CHECK(s.context_name == "staging");
    CHECK(s.catalog_topic == "_staging.catalog");
    o.context = "prod";
    CHECK_THROWS_AS(config::resolve_settings(o, env), Error);  // PROD_KAFKA_PASSWORD is not set
    o.context = "prdo";
    try {
        config::resolve_settings(o, env);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::not_found);
        CHECK(std::string(e.what()).find("did you mean \"prod\"") != std::string::npos);
    }
}

TEST_CASE("secret references are resolved only when used and are redacted") {
    test::TempDir dir;
    auto secret_file = dir.write("pw", "file-secret-value\n");
    auto env = fake_env({{"PW", "env-secret-value"}});
    CHECK(config::resolve_references("${env:PW}", "x", true, env) == "env-secret-value");
    CHECK(config::resolve_references("${file:" + secret_file.string() + "}", "x", true, env) == "file-secret-value");
    CHECK(util::redact("login with env-secret-value and file-secret-value") == "login with *** and ***");
    CHECK_THROWS_AS(config::resolve_references("${env:MISSING_VAR}", "x", true, env), Error);
    CHECK_THROWS_AS(config::resolve_references("${vault:x}", "x", true, env), Error);
    // An unused context with an unset reference does not stop another context from working.
    auto path = dir.write("config.yaml", two_contexts);
    config::GlobalOptions o;
    o.context = "staging";
    CHECK_NOTHROW(config::resolve_settings(o, fake_env({{"MESHCTL_CONFIG", path.string()}})));
}

TEST_CASE("malformed YAML is reported with file:line:column") {
    test::TempDir dir;
    auto path = dir.write("config.yaml", "contexts:\n  dev:\n    bootstrap: [unclosed\n");
    try {
        config::load_config(path);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::config);
        CHECK(std::string(e.what()).find(path.string() + ":") == 0);
        CHECK(std::string(e.what()).find("malformed YAML") != std::string::npos);
    }
}

TEST_CASE("unknown keys are errors with line and column and a suggestion") {
    test::TempDir dir;
    auto path = dir.write("config.yaml", "contexts:\n  dev:\n    bootstrp: x:1\n");
    try {
        config::load_config(path);
        FAIL("expected an error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(m.find(path.string() + ":3:5") == 0);
        CHECK(m.find("did you mean \"bootstrap\"") != std::string::npos);
    }
}

TEST_CASE("a config file with literal secrets readable by others is refused") {
    test::TempDir dir;
    auto path = dir.write("config.yaml", "contexts:\n  p:\n    kafka:\n      sasl.password: literal-secret\n", 0644);
    try {
        config::load_config(path);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("readable by group or others") != std::string::npos);
        CHECK(e.hint().find("chmod 600") != std::string::npos);
        CHECK(std::string(e.what()).find("literal-secret") == std::string::npos);
    }
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    CHECK_NOTHROW(config::load_config(path));
    // References are not secrets themselves: such a file may be world-readable.
    auto refs = dir.write("refs.yaml", "contexts:\n  p:\n    kafka:\n      sasl.password: ${env:X}\n", 0644);
    CHECK_NOTHROW(config::load_config(refs));
}

TEST_CASE("config view and get-contexts never show secrets") {
    test::TempDir dir;
    auto path = dir.write("config.yaml", "contexts:\n  p:\n    kafka:\n      sasl.password: literal-secret\n"
                                         "    registry-auth:\n      username: bob\n      password: reg-secret\n");
    auto view = config::view_config(path).to_json().dump();
    CHECK(view.find("literal-secret") == std::string::npos);
    CHECK(view.find("reg-secret") == std::string::npos);
    CHECK(view.find("***") != std::string::npos);
    CHECK(view.find("bob") != std::string::npos);
}

TEST_CASE("-X refuses secrets and malformed pairs") {
    test::TempDir dir;
    auto env = fake_env({{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}});
    config::GlobalOptions o;
    o.properties = {"sasl.password=oops"};
    CHECK_THROWS_AS(config::resolve_settings(o, env), Error);
    o.properties = {"novalue"};
    CHECK_THROWS_AS(config::resolve_settings(o, env), Error);
    o.properties = {"fetch.max.bytes=1024"};
    auto s = config::resolve_settings(o, env);
    REQUIRE(s.kafka_properties.size() == 1);
    CHECK(s.kafka_properties[0].second == "1024");
}

TEST_CASE("set-context writes a 0600 file and refuses literal secrets") {
    test::TempDir dir;
    auto path = dir.path() / "sub" / "config.yaml";
    config::ContextChange c;
    c.bootstrap = "h:1";
    config::set_context(path, "a", c);
    auto perms = std::filesystem::status(path).permissions();
    CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) == std::filesystem::perms::none);
    CHECK(config::load_config(path).current_context == "a");
    c.properties = {"sasl.password=plain"};
    CHECK_THROWS_AS(config::set_context(path, "a", c), Error);
    c.properties = {"sasl.password=${env:PW}"};
    CHECK_NOTHROW(config::set_context(path, "a", c));
    CHECK_THROWS_AS(config::use_context(path, "b"), Error);
}

TEST_CASE("errors map to the exit codes of CLI.md") {
    CHECK(cmd::exit_code_for(usage_error("x")) == 2);
    CHECK(cmd::exit_code_for(config_error("x")) == 2);
    CHECK(cmd::exit_code_for(not_found_error("x")) == 3);
    CHECK(cmd::exit_code_for(remote_error("x")) == 1);
    CHECK(cmd::exit_code_for(io_error("x")) == 1);
    CHECK(cmd::exit_code_for(check_failed("x")) == 4);
    CHECK(cmd::exit_code_for(Error(ErrorKind::dead_letter, "x")) == 5);
    Error i(ErrorKind::interrupted, "x");
    i.signal = SIGINT;
    CHECK(cmd::exit_code_for(i) == 130);
    i.signal = SIGTERM;
    CHECK(cmd::exit_code_for(i) == 143);
}
