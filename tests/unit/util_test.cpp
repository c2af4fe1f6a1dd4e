#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/kafka/position.hpp"
#include "core/util/redact.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

using namespace meshctl;

TEST_CASE("durations parse in the forms users type") {
    CHECK(util::parse_duration("500ms", "t").count() == 500);
    CHECK(util::parse_duration("30s", "t").count() == 30'000);
    CHECK(util::parse_duration("2m", "t").count() == 120'000);
    CHECK(util::parse_duration("36h", "t").count() == 36LL * 3'600'000);
    CHECK(util::parse_duration("1h30m", "t").count() == 5'400'000);
    CHECK(util::parse_duration("1.5h", "t").count() == 5'400'000);
    CHECK(util::parse_duration("7d", "t").count() == 7LL * 86'400'000);
    CHECK_FALSE(util::try_parse_duration("").has_value());
    CHECK_FALSE(util::try_parse_duration("10").has_value());
    CHECK_FALSE(util::try_parse_duration("10x").has_value());
    CHECK_FALSE(util::try_parse_duration("h").has_value());
    try {
        util::parse_duration("2x", "--timeout");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("--timeout") != std::string::npos);
    }
}

TEST_CASE("ISO-8601 times parse with and without zones") {
    CHECK(util::parse_iso8601_ms("1970-01-01").value() == 0);
    CHECK(util::parse_iso8601_ms("1970-01-01T00:00:01Z").value() == 1000);
    CHECK(util::parse_iso8601_ms("2024-05-01T10:00:00Z").value() == 1714557600000);
    CHECK(util::parse_iso8601_ms("2024-05-01T12:00:00+02:00").value() == 1714557600000);
    CHECK(util::parse_iso8601_ms("2024-05-01 10:00").value() == 1714557600000);
    CHECK(util::parse_iso8601_ms("2024-05-01T10:00:00.250Z").value() == 1714557600250);
    CHECK_FALSE(util::parse_iso8601_ms("2024-13-01").has_value());
    CHECK_FALSE(util::parse_iso8601_ms("yesterday").has_value());
    CHECK_FALSE(util::parse_iso8601_ms("2024-05-01T10:00:00Q").has_value());
    CHECK(util::format_iso8601_ms(1714557600250) == "2024-05-01T10:00:00.250Z");
}

TEST_CASE("positions parse to their kinds") {
    const std::int64_t now = 1'000'000'000;
    using K = kafka::Position::Kind;
    CHECK(kafka::parse_position("beginning", "--from", now).kind == K::beginning);
    CHECK(kafka::parse_position("end", "--from", now).kind == K::end);
    auto o = kafka::parse_position("offset:42", "--from", now);
    CHECK(o.kind == K::offset);
    CHECK(o.value == 42);
    auto fe = kafka::parse_position("-100", "--from", now);
    CHECK(fe.kind == K::from_end);
    CHECK(fe.value == 100);
    auto rel = kafka::parse_position("-1h", "--from", now);
    CHECK(rel.kind == K::time);
    CHECK(rel.value == now - 3'600'000);
    auto at = kafka::parse_position("@1714557600000", "--from", now);
    CHECK(at.kind == K::time);
    CHECK(at.value == 1714557600000);
    auto iso = kafka::parse_position("2024-05-01T10:00:00Z", "--from", now);
    CHECK(iso.kind == K::time);
    CHECK(iso.value == 1714557600000);
    CHECK_THROWS_AS(kafka::parse_position("offset:-1", "--from", now), Error);
    CHECK_THROWS_AS(kafka::parse_position("sometime", "--from", now), Error);
    CHECK_THROWS_AS(kafka::parse_position("@abc", "--from", now), Error);
}

TEST_CASE("suggestions find near names and ignore far ones") {
    std::vector<std::string> names = {"orders", "customers", "payments"};
    CHECK(util::did_you_mean("ordrs", names) == " (did you mean \"orders\"?)");
    CHECK(util::did_you_mean("custmers", names) == " (did you mean \"customers\"?)");
    CHECK(util::did_you_mean("zzzzzz", names).empty());
    CHECK(util::edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("redaction masks every registered secret, longest first") {
    util::register_secret("abc-secret-xyz");
    util::register_secret("secret");
    CHECK(util::redact("pw=abc-secret-xyz;other=secret") == "pw=***;other=***");
    util::register_secret("ab");  // too short to mask safely
    CHECK(util::redact("about") == "about");
    CHECK(util::is_secret_name("sasl.password"));
    CHECK(util::is_secret_name("ssl.key.pem"));
    CHECK(util::is_secret_name("api_key"));
    CHECK_FALSE(util::is_secret_name("bootstrap.servers"));
}
