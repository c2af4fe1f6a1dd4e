#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// discover and describe on real brokers: ranking, history verdicts from live configs and
// offsets, consumer group lag, and one search over two clusters (--all-contexts).
#include <doctest/doctest.h>

#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "core/util/time.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

using namespace meshctl;
using test::run_meshctl;

namespace {

const std::int64_t t0 = *util::parse_iso8601_ms("2024-05-01T10:00:00Z");

kafka::ClientSettings settings_for(const std::string& bootstrap) {
    kafka::ClientSettings s;
    s.bootstrap = bootstrap;
    s.timeout = std::chrono::seconds(20);
    return s;
}

void fill(const kafka::ClientSettings& s, const std::string& topic, int n) {
    kafka::Producer p(s);
    for (int i = 0; i < n; ++i) {
        std::string key = "k" + std::to_string(i), value = R"({"i":)" + std::to_string(i) + "}";
        p.produce(topic, key, value, 0, {}, t0 + i * 1000LL);
    }
    p.flush(20000);
}

// Topics named after a random prefix, deleted at the end.
struct Mesh {
    std::string prefix = "itd" + test::random_suffix();
    std::string catalog = "_meshctl.catalog." + prefix;
    kafka::ClientSettings settings = settings_for(test::fixture_address("kafka"));
    test::TempDir dir;
    std::map<std::string, std::string> env;
    std::vector<std::string> topics;
    Mesh() { write_config({{"it", settings.bootstrap}}); }
    ~Mesh() {
        try {
            topics.push_back(catalog);
            kafka::Admin(settings).delete_topics(topics);
        } catch (...) {
        }
    }
    void write_config(const std::vector<std::pair<std::string, std::string>>& contexts) {
        std::string yaml = "current-context: it\ncontexts:\n";
        for (const auto& [name, bootstrap] : contexts)
            yaml += "  " + name + ":\n    bootstrap: " + bootstrap + "\n    catalog-topic: " + catalog + "\n";
        auto cfg = dir.write("config.yaml", yaml);
        env = {{"MESHCTL_CONFIG", cfg.string()}, {"NO_COLOR", "1"}, {"COLUMNS", "200"}};
    }
    std::string create(const std::string& suffix, const std::vector<std::pair<std::string, std::string>>& configs) {
        std::string name = prefix + "-" + suffix;
        kafka::Admin(settings).create_topic(name, 1, 1, configs);
        topics.push_back(name);
        return name;
    }
    void publish(const std::string& yaml) {
        auto f = dir.write("p" + test::random_suffix() + ".yaml", yaml);
        auto r = run_meshctl({"product", "publish", f.string()}, env);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    nlohmann::json discover(std::vector<std::string> args) {
        args.insert(args.begin(), "discover");
        args.push_back("-o");
        args.push_back("json");
        auto r = run_meshctl(args, env);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        return nlohmann::json::parse(r.out);
    }
};

const nlohmann::json* hit(const nlohmann::json& hits, const std::string& name) {
    for (const auto& h : hits)
        if (h["name"] == name) return &h;
    return nullptr;
}

}  // namespace

TEST_CASE("history verdicts: retention -1, compaction, advanced log start, empty") {
    Mesh m;
    auto full = m.create("full", {{"retention.ms", "-1"}});
    auto compact = m.create("compact", {{"cleanup.policy", "compact"}});
    auto window = m.create("window", {{"retention.ms", "604800000"}});
    auto empty = m.create("empty", {{"retention.ms", "3600000"}});
    auto cut = m.create("cut", {{"retention.ms", "-1"}});
    fill(m.settings, full, 5);
    fill(m.settings, compact, 5);
    fill(m.settings, window, 10);
    fill(m.settings, cut, 10);
    kafka::Admin(m.settings).delete_records({{{window, 0}, 4}, {{cut, 0}, 6}});

    auto hits = m.discover({m.prefix});
    REQUIRE(hits.size() == 5);
    CHECK((*hit(hits, full))["history"]["mode"] == "full");
    CHECK((*hit(hits, compact))["history"]["mode"] == "compacted");
    CHECK((*hit(hits, compact))["kind"] == "table");  // inferred for an unmanaged compacted topic
    CHECK((*hit(hits, compact))["kind_inferred"] == true);
    const auto& w = *hit(hits, window);
    CHECK(w["history"]["mode"] == "partial");
    CHECK(w["history"]["since"] == util::format_iso8601_ms(t0 + 4000));  // the first record after the cut
    CHECK(w["records"] == 6);
    CHECK(w["rate_per_second"].get<double>() == doctest::Approx(6.0 / 5.0));
    CHECK(w["last_event"] == util::format_iso8601_ms(t0 + 9000));
    CHECK((*hit(hits, empty))["history"]["mode"] == "real_time_only");
    const auto& c = *hit(hits, cut);
    CHECK(c["history"]["mode"] == "partial");
    CHECK(c["history"]["reason"].get<std::string>().find("retention.ms=-1") != std::string::npos);
    CHECK(c["managed"] == false);

    auto text = run_meshctl({"discover", m.prefix}, m.env);
    CHECK(text.out.find("partial since 2024-05-01T10:00Z") != std::string::npos);
    CHECK(text.out.find("(unmanaged)") != std::string::npos);
}

TEST_CASE("ranking: exact name, name prefix, tag/owner/field, description") {
    Mesh m;
    std::string p = m.prefix;
    m.create("orders", {});
    m.publish("name: " + p + "\ndomain: sales\nowner: {team: t}\ndescription: The exact one.\nkind: events\n");
    m.publish("name: " + p + "-orders\ndomain: sales\nowner: {team: t}\ndescription: Prefix.\nkind: events\ntopic: " + p + "-orders\n");
    m.publish("name: tagged\ndomain: sales\nowner: {team: t}\ndescription: Tag.\nkind: events\ntags: [" + p + "]\n");
    m.publish("name: described\ndomain: sales\nowner: {team: t}\ndescription: About " + p + " things.\nkind: events\n");
    m.publish("name: fielded\ndomain: sales\nowner: {team: " + p + "-team}\ndescription: Fields.\nkind: table\n"
              "schema: {inline: {type: object, properties: {" + p + ": {type: string}}}}\n");

    auto hits = m.discover({p});
    std::vector<std::string> names;
    std::vector<int> scores;
    for (const auto& h : hits) {
        names.push_back(h["name"]);
        scores.push_back(h["score"]);
    }
    CHECK(names == std::vector<std::string>{p, p + "-orders", "fielded", "tagged", "described"});
    CHECK(scores == std::vector<int>{100, 80, 40, 40, 20});
    REQUIRE(hits.size() == 5);
    CHECK(hits[0]["history"]["mode"] == "missing");  // a product whose topic does not exist
    CHECK(hits[1]["topic_exists"] == true);

    auto by_field = m.discover({"--field", p});
    REQUIRE(by_field.size() == 1);
    CHECK(by_field[0]["name"] == "fielded");
    auto by_owner = m.discover({"--owner", p + "-team"});
    REQUIRE(by_owner.size() == 1);
    CHECK(by_owner[0]["name"] == "fielded");
    auto by_tag = m.discover({"--tag", p});
    REQUIRE(by_tag.size() == 1);
    CHECK(by_tag[0]["name"] == "tagged");

    auto none = run_meshctl({"discover", p + "x-nothing"}, m.env);
    CHECK(none.exit_code == 3);
}

TEST_CASE("describe: partitions, offsets, configs, verdict and consumer group lag") {
    Mesh m;
    auto topic = m.create("described", {{"retention.ms", "86400000"}});
    fill(m.settings, topic, 10);
    kafka::Admin admin(m.settings);
    admin.delete_records({{{topic, 0}, 2}});
    std::string group = m.prefix + "-readers";
    REQUIRE(admin.alter_offsets(group, {{{topic, 0}, 7}}).empty());

    auto r = run_meshctl({"describe", topic, "-o", "json"}, m.env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto d = nlohmann::json::parse(r.out);
    CHECK(d["managed"] == false);
    CHECK(d["partitions"][0]["low"] == 2);
    CHECK(d["partitions"][0]["high"] == 10);
    CHECK(d["partitions"][0]["leader"].get<int>() >= 0);
    CHECK(d["partitions"][0]["first_timestamp"] == util::format_iso8601_ms(t0 + 2000));
    CHECK(d["last_event"] == util::format_iso8601_ms(t0 + 9000));
    CHECK(d["records"] == 8);
    CHECK(d["configs"]["retention.ms"] == "86400000");
    CHECK(d["configs"]["cleanup.policy"] == "delete");
    CHECK(d["history"]["mode"] == "partial");
    bool found = false;
    for (const auto& g : d["consumer_groups"])
        if (g["group"] == group) {
            found = true;
            CHECK(g["lag"] == 3);
            CHECK(g["partitions"] == 1);
        }
    CHECK(found);

    auto text = run_meshctl({"describe", topic}, m.env);
    CHECK(text.out.find(group) != std::string::npos);
    CHECK(text.out.find("retention.ms=86400000") != std::string::npos);
    auto missing = run_meshctl({"describe", topic + "x"}, m.env);
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find("did you mean \"" + topic + "\"") != std::string::npos);
}

TEST_CASE("--all-contexts searches two clusters at once and labels hits") {
    Mesh m;
    auto up = test::run_program({std::string(MESHCTL_FIXTURES_DIR) + "/kafka", "up", "--name", "second"}, {}, {}, 300);
    REQUIRE_MESSAGE(up.exit_code == 0, up.err);
    struct Down {
        ~Down() { test::run_program({std::string(MESHCTL_FIXTURES_DIR) + "/kafka", "down", "--name", "second"}, {}, {}, 120); }
    } down;
    std::string second = test::fixture_address("kafka", "second");
    m.write_config({{"it", m.settings.bootstrap}, {"second", second}});

    m.create("here", {});
    kafka::Admin(settings_for(second)).create_topic(m.prefix + "-there", 2, 1, {});
    m.publish("name: " + m.prefix + "-product\ndomain: d\nowner: {team: t}\ndescription: x\nkind: events\ntopic: " + m.prefix + "-here\n");

    auto hits = m.discover({m.prefix, "--all-contexts"});
    REQUIRE(hits.size() == 2);
    std::map<std::string, std::string> context_of;
    for (const auto& h : hits) context_of[h["name"]] = h["context"];
    CHECK(context_of[m.prefix + "-product"] == "it");
    CHECK(context_of[m.prefix + "-there"] == "second");

    auto text = run_meshctl({"discover", m.prefix, "--all-contexts"}, m.env);
    CHECK(text.out.find("CONTEXT") == 0);
    auto clash = run_meshctl({"discover", "--all-contexts", "--context", "it"}, m.env);
    CHECK(clash.exit_code == 2);
}
