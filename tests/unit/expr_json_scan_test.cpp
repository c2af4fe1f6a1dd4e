// Unit tests for core/expr/json_scan: what the scans answer must be exactly what simdjson's
// DOM answers for the same text, and what they cannot answer must be left to the DOM.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/expr/json_bridge.hpp"
#include "core/expr/json_scan.hpp"

#include <random>
#include <string>
#include <vector>

using namespace meshctl::expr;
using namespace meshctl::expr::detail;

namespace {

// The DOM's answer for `fields` in `doc`: nullopt when the document is not JSON or the path
// does not lead to a value. The result borrows from the decoder until the next call.
std::optional<Value> dom_path(std::string_view doc, const std::vector<std::string>& fields) {
    static JsonDecoder decoder;
    simdjson::dom::element root;
    if (!decoder.decode(doc, root)) return std::nullopt;
    Value v = from_element(root);
    for (const auto& f : fields) {
        auto next = v.find(f);
        if (!next) return std::nullopt;
        v = *next;
    }
    return v;
}

std::string json_of(const Value& v) {
    std::string out;
    append_json(v, out);
    return out;
}

// Same kind, same JSON-number mark, same text: stricter than CEL equality (1 == 1.0).
void check_same(const Value& got, const Value& want, const std::string& context) {
    INFO(context);
    CHECK(kind_name(got.kind()) == kind_name(want.kind()));
    CHECK(got.from_json() == want.from_json());
    CHECK(json_of(got) == json_of(want));
    if (got.kind() == Kind::double_ && want.kind() == Kind::double_) CHECK(std::signbit(got.as_double()) == std::signbit(want.as_double()));
}

// Strings borrow from `doc` or from the slots, until the next call.
std::optional<Value> scan(std::string_view doc, const std::vector<std::string>& fields) {
    static StringSlots slots;
    slots.reset();
    return scan_path(doc, fields, slots);
}

// A random JSON document: objects with keys k0..k5 (some escaped, some repeated), strings
// with escapes and multi-byte text, numbers of every form simdjson tells apart.
struct Generator {
    std::mt19937_64 rng;
    explicit Generator(std::uint64_t seed) : rng(seed) {}
    std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
    std::string ws() {
        static const char* spaces[] = {"", "", "", " ", "  ", "\n", "\t", " \r\n "};
        return spaces[pick(8)];
    }
    std::string number() {
        static const char* forms[] = {"0", "-0", "7", "-12", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                                      "18446744073709551615", "1.5", "-0.0", "1e2", "1E+2", "2.5e-3", "1e-400", "123456789012.125",
                                      "0.1", "4.9e-324", "1.7976931348623157e308"};
        return forms[pick(sizeof forms / sizeof *forms)];
    }
    std::string string() {
        static const char* parts[] = {"a", "id", "PLATINUM", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\u20AC",
                                      "\\ud83d\\ude00", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", "x,y}z]"};
        std::string s = "\"";
        for (std::size_t n = pick(5); n > 0; --n) s += parts[pick(sizeof parts / sizeof *parts)];
        return s + "\"";
    }
    std::string key() {
        static const char* keys[] = {"k0", "k1", "k2", "k3", "k\\u0034", "k5", "tier"};
        return std::string("\"") + keys[pick(7)] + "\"";
    }
    std::string value(int depth) {
        switch (depth > 3 ? pick(5) : pick(7)) {
        case 0: return number();
        case 1: return string();
        case 2: return pick(2) ? "true" : "false";
        case 3: return "null";
        case 4: return number();
        case 5: {
            std::string s = "[" + ws();
            for (std::size_t n = pick(4), i = 0; i < n; ++i) s += (i ? "," + ws() : "") + value(depth + 1) + ws();
            return s + "]";
        }
        default: return object(depth + 1);
        }
    }
    std::string object(int depth) {
        std::string s = "{" + ws();
        for (std::size_t n = pick(6), i = 0; i < n; ++i) s += (i ? "," + ws() : "") + key() + ws() + ":" + ws() + value(depth) + ws();
        return s + "}";
    }
};

}  // namespace

TEST_CASE("plain_text accepts printable ASCII and valid UTF-8, and rejects control characters and invalid UTF-8 anywhere") {
    CHECK(plain_text(""));
    CHECK(plain_text(R"({"a":"b"})"));
    CHECK(plain_text("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}"));
    std::string long_text(100, 'x');
    CHECK(plain_text(long_text));
    for (std::size_t at : {0u, 5u, 15u, 16u, 17u, 31u, 32u, 64u, 99u}) {
        INFO("at " << at);
        std::string t = long_text;
        t[at] = '\t';
        CHECK_FALSE(plain_text(t));
        t[at] = '\n';
        CHECK_FALSE(plain_text(t));
        t[at] = '\0';
        CHECK_FALSE(plain_text(t));
        t[at] = '\xff';
        CHECK_FALSE(plain_text(t));
        t[at] = '\xc3';  // a lead byte without its continuation
        CHECK_FALSE(plain_text(t));
    }
    // Every length (the 64- and 16-byte steps, the overlapping last 16 bytes, short texts)
    // and every position.
    for (std::size_t n = 1; n <= 150; ++n) {
        std::string t(n, 'a');
        CHECK(plain_text(t));
        for (std::size_t at = 0; at < n; ++at) {
            t[at] = '\x1f';
            bool control = plain_text(t);
            t[at] = '\x80';
            bool stray = plain_text(t);
            t[at] = 'a';
            if (control || stray) FAIL_CHECK("length " << n << ", at " << at << " accepted");
        }
    }
    CHECK_FALSE(plain_text("\xed\xa0\x80"));  // an encoded surrogate
    CHECK_FALSE(plain_text("\xc0\xaf"));      // overlong
}

TEST_CASE("may_be_json rejects only text that simdjson rejects") {
    JsonDecoder decoder;
    simdjson::dom::element root;
    for (std::string_view text : {"c-000042", "", "  ", "x", "{}", " [1]", "\"s\"", "-1", "7", "true", "false", "null", "tru", "nul", "{",
                                  "\n{\"a\":1}", "+1", ".5", "'a'", "\xc3\xa9"}) {
        INFO(text);
        if (!may_be_json(text)) CHECK_FALSE(decoder.decode(text, root));
    }
    CHECK_FALSE(may_be_json("c-000042"));
    CHECK_FALSE(may_be_json(""));
    CHECK(may_be_json(" {\"a\":1}"));
    CHECK(may_be_json("42"));
}

TEST_CASE("scan_path reads scalars exactly as the DOM decodes them") {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {R"({"order_id":"o-1","customer_id":"c-000042","amount":967.65})", {"customer_id"}},
        {R"({"order_id":"o-1","customer_id":"c-000042","amount":967.65})", {"amount"}},
        {R"({"a":-0})", {"a"}},
        {R"({"a":-0.0})", {"a"}},
        {R"({"a":9223372036854775807})", {"a"}},
        {R"({"a":9223372036854775808})", {"a"}},
        {R"({"a":-9223372036854775808})", {"a"}},
        {R"({"a":18446744073709551615})", {"a"}},
        {R"({"a":1e-400})", {"a"}},
        {R"({"a":4.9e-324})", {"a"}},
        {R"({"a":1E+2})", {"a"}},
        {R"({"a":true, "b":false, "c":null})", {"b"}},
        {R"({"a":true, "b":false, "c":null})", {"c"}},
        {R"({"s":"tab\there \"quoted\" \\ \/ \u00e9\u20ac\ud83d\ude00"})", {"s"}},
        {R"({"skip":{"x":[1,{"y":"}"}],"z":"]"},"want":"yes"})", {"want"}},
        {R"({"outer":{"inner":{"leaf":12}}})", {"outer", "inner", "leaf"}},
        {R"({"dup":1,"dup":2})", {"dup"}},
        {"{ \"a\" : \"spaced\" , \"b\" : 3 }", {"b"}},
    };
    for (const auto& [doc, fields] : cases) {
        auto want = dom_path(doc, fields);
        REQUIRE_MESSAGE(want, doc);
        auto got = scan(doc, fields);
        REQUIRE_MESSAGE(got, doc);
        check_same(*got, *want, doc);
    }
}

TEST_CASE("scan_path leaves to the DOM what it cannot answer exactly") {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {R"({"a":{"b":1}})", {"a"}},               // a container
        {R"({"a":[1]})", {"a"}},
        {R"({"a":1})", {"missing"}},               // the DOM reports the missing field
        {R"({})", {"a"}},
        {R"([{"a":1}])", {"a"}},                   // not an object
        {R"({"a":1})", {"a", "b"}},                // not an object on the way
        {R"({"a":01})", {"a"}},                    // numbers simdjson rejects
        {R"({"a":1.})", {"a"}},
        {R"({"a":-})", {"a"}},
        {R"({"a":1e400})", {"a"}},
        {R"({"a":18446744073709551616})", {"a"}},
        {R"({"a":-9223372036854775809})", {"a"}},
        {R"({"a":tru})", {"a"}},                   // a bad literal
        {R"({"a":"x\q"})", {"a"}},                 // a bad escape
        {R"({"a":"\ud800"})", {"a"}},              // a lone surrogate
        {R"({"a":"\udc00"})", {"a"}},
        {R"({"a":1 2})", {"a"}},                   // garbage after the value
        {R"({"a":"open})", {"a"}},                 // an unclosed string
        {R"({"k\u0061":1})", {"ka"}},              // an escaped key
        {R"({"x":1 "a":2})", {"a"}},               // a missing comma before the field
        {R"({"a")", {"a"}},
    };
    for (const auto& [doc, fields] : cases) {
        INFO(doc);
        CHECK_FALSE(scan(doc, fields).has_value());
    }
}

TEST_CASE("text_value reads parsed documents exactly as the DOM does, containers included") {
    Generator gen(20261126);
    for (int i = 0; i < 3000; ++i) {
        std::string doc = gen.ws() + (i % 7 == 0 ? gen.value(0) : gen.object(0)) + gen.ws();
        INFO(doc);
        auto want = dom_path(doc, {});
        REQUIRE(want);
        Value got = text_value(doc);
        check_same(got, *want, doc);
        CHECK(equals(got, *want) == equals(*want, *want));  // duplicate keys make maps unequal to themselves
        CHECK(got.size() == want->size());
        if (got.kind() == Kind::list) {
            for (std::size_t k = 0; k <= got.size(); ++k) check_same(got.at(k), want->at(k), doc);
        }
        if (got.kind() == Kind::map) {
            for (const char* key : {"k0", "k1", "k2", "k3", "k4", "k5", "tier", "absent"}) {
                auto a = got.find(std::string_view(key));
                auto b = want->find(std::string_view(key));
                REQUIRE(a.has_value() == b.has_value());
                if (a) check_same(*a, *b, doc + " ." + key);
            }
            auto entries = got.entries();
            auto expected = want->entries();
            REQUIRE(entries.size() == expected.size());
            for (std::size_t k = 0; k < entries.size(); ++k) {
                check_same(entries[k].first, expected[k].first, doc);
                check_same(entries[k].second, expected[k].second, doc);
            }
        }
        CHECK(json_of(got.detach()) == json_of(*want));
    }
}

TEST_CASE("scan_path agrees with the DOM on every scalar it answers in random documents") {
    Generator gen(7);
    int answered = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string doc = gen.object(0);
        for (const char* key : {"k0", "k1", "k2", "k3", "k5", "tier"}) {
            for (const char* inner : {"", "k0", "k1"}) {
                std::vector<std::string> fields{key};
                if (*inner) fields.emplace_back(inner);
                auto got = scan(doc, fields);
                if (!got) continue;
                ++answered;
                auto want = dom_path(doc, fields);
                INFO(doc << " " << key << "." << inner);
                REQUIRE(want);
                check_same(*got, *want, doc);
            }
        }
    }
    CHECK(answered > 3000);  // the scan answers most lookups; the DOM is the exception
}
