// Unit tests for core/expr: the meshctl-specific parts (events, JSON payloads, filters,
// diagnostics, schema checks). CEL semantics at large are covered by the conformance run.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/expr/expr.hpp"

#include <string>
#include <vector>

using namespace meshctl::expr;

namespace {

Event json_event(std::string_view payload) {
    Event e;
    e.value = payload;
    e.topic = "orders";
    return e;
}

std::string compile_error(std::string_view source, const CompileOptions& opts = {}) {
    try {
        Program::compile(source, opts);
    } catch (const meshctl::Error& e) {
        CHECK(e.kind() == meshctl::ErrorKind::usage);
        return e.what();
    }
    return "(compiled)";
}

CompileOptions order_schema() {
    CompileOptions opts;
    opts.value_fields = FieldTree::from_json_schema(R"({
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "currency": {"type": "string"},
            "customer": {"type": "object", "properties": {"id": {"type": "string"}}},
            "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}}
        }
    })");
    return opts;
}

}  // namespace

TEST_CASE("a filter over raw JSON payload bytes matches on amount and currency") {
    auto p = Program::compile(R"(value.amount > 250.0 && value.currency == "EUR")");
    Evaluator ev;
    CHECK(ev.test(p, json_event(R"({"id":1,"amount":300.5,"currency":"EUR"})")) == Outcome::match);
    CHECK(ev.test(p, json_event(R"({"id":2,"amount":300,"currency":"USD"})")) == Outcome::no_match);
    CHECK(ev.test(p, json_event(R"({"id":3,"amount":100,"currency":"EUR"})")) == Outcome::no_match);
    // An integral JSON number still compares with a double literal.
    CHECK(ev.test(p, json_event(R"({"amount":251,"currency":"EUR"})")) == Outcome::match);
}

TEST_CASE("a payload that is not JSON yields not_json, not a match") {
    auto p = Program::compile("value.amount > 1");
    Evaluator ev;
    CHECK(ev.test(p, json_event("not json {")) == Outcome::not_json);
    CHECK(ev.test(p, json_event(R"({"amount": 2})")) == Outcome::match);  // the evaluator recovers
    // Absorbing the error does not hide that the payload was unreadable.
    auto q = Program::compile("value.amount > 1 || true");
    CHECK(ev.test(q, json_event("\x01\x02")) == Outcome::not_json);
}

TEST_CASE("an expression that never reads value does not parse the payload") {
    auto p = Program::compile(R"(topic == "orders")");
    CHECK_FALSE(p.uses_value());
    Evaluator ev;
    CHECK(ev.test(p, json_event("not json")) == Outcome::match);
    CHECK(Program::compile("value.x == 1").uses_value());
}

TEST_CASE("a null payload is the null value") {
    Evaluator ev;
    Event e;
    CHECK(ev.test(Program::compile("value == null"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.amount > 1"), e) == Outcome::error);
}

TEST_CASE("key is decoded as JSON when it parses and is a string otherwise") {
    Evaluator ev;
    Event e = json_event("{}");
    e.key = R"({"id": 7})";
    CHECK(ev.test(Program::compile("key.id == 7"), e) == Outcome::match);
    e.key = "order-17";
    CHECK(ev.test(Program::compile(R"(key == "order-17" && key.startsWith("order-"))"), e) == Outcome::match);
    e.key = std::nullopt;
    CHECK(ev.test(Program::compile("key == null"), e) == Outcome::match);
}

TEST_CASE("headers are a map from name to string value") {
    std::vector<Header> headers = {{"trace", "abc"}, {"empty", std::nullopt}, {"trace", "def"}};
    Event e = json_event("{}");
    e.headers = headers;
    Evaluator ev;
    CHECK(ev.test(Program::compile(R"(headers["trace"] == "def")"), e) == Outcome::match);  // last one wins
    CHECK(ev.test(Program::compile(R"(has(headers.trace) && "empty" in headers)"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("headers.empty == null"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("size(headers) == 2"), e) == Outcome::match);
    CHECK(ev.test(Program::compile(R"(headers["missing"] == "x")"), e) == Outcome::error);
}

TEST_CASE("topic, partition, offset and timestamp describe the record") {
    Event e = json_event("{}");
    e.partition = 3;
    e.offset = 1234;
    e.timestamp_ms = 1700000000123;  // 2023-11-14T22:13:20.123Z
    Evaluator ev;
    auto p = Program::compile(R"(topic == "orders" && partition == 3 && offset >= 1000 &&
        timestamp > timestamp("2023-11-14T00:00:00Z") && timestamp.getMilliseconds() == 123 &&
        timestamp - timestamp("2023-11-14T22:13:20Z") == duration("123ms"))");
    CHECK(ev.test(p, e) == Outcome::match);
    CHECK(ev.eval(Program::compile("string(timestamp)"), e).as_string() == "2023-11-14T22:13:20.123Z");
}

TEST_CASE("a syntax error is a usage error with the column and a caret") {
    CHECK(compile_error("value.amount > (250") ==
          "invalid expression at column 20: expected ')'\n"
          "  value.amount > (250\n"
          "                     ^");
    CHECK(compile_error("value.amount = 3") ==
          "invalid expression at column 14: unexpected '=' (use '==' to compare)\n"
          "  value.amount = 3\n"
          "               ^");
    CHECK(compile_error("value.a &&\n  value.b ==") ==
          "invalid expression at line 2, column 13: unexpected end of expression\n"
          "    value.b ==\n"
          "              ^");
    CHECK(compile_error("'unterminated").find("unterminated string literal") != std::string::npos);
}

TEST_CASE("unknown fields of a known schema are rejected at compile time with a suggestion") {
    auto opts = order_schema();
    CHECK(compile_error("value.amuont > 250.0", opts) ==
          "invalid expression at column 7: unknown field 'amuont' (did you mean 'amount'?)\n"
          "  value.amuont > 250.0\n"
          "        ^");
    CHECK(compile_error("value.customer.idd == 'x'", opts).find("unknown field 'idd' (did you mean 'id'?)") !=
          std::string::npos);
    CHECK(compile_error("value.items[0].skew == 'x'", opts).find("did you mean 'sku'?") != std::string::npos);
    CHECK(compile_error("has(value.curency)", opts).find("did you mean 'currency'?") != std::string::npos);
    CHECK_NOTHROW(Program::compile("value.customer.id == 'c1' && value.items[0].sku == 'A'", opts));
}

TEST_CASE("unknown variables and functions are compile errors in filters") {
    auto opts = order_schema();
    CHECK(compile_error("amount > 1", opts).find("unknown variable 'amount' (did you mean 'value.amount'?)") !=
          std::string::npos);
    CHECK(compile_error("vaule.amount > 1").find("did you mean 'value'?") != std::string::npos);
    CHECK(compile_error("value.name.trim() == 'x'").find("unknown function 'trim'") != std::string::npos);
    CHECK(compile_error("value.name.matches('(')").find("invalid regular expression") != std::string::npos);
}

TEST_CASE("&& and || absorb errors from either side") {
    Evaluator ev;
    Event e = json_event(R"({"amount": 5})");
    CHECK(ev.test(Program::compile("value.missing > 1 || value.amount > 1"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.amount > 1 || value.missing > 1"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.missing > 1 && value.amount > 10"), e) == Outcome::no_match);
    CHECK(ev.test(Program::compile("value.missing > 1 && value.amount > 1"), e) == Outcome::error);
    CHECK(ev.test(Program::compile("value.amount"), e) == Outcome::error);  // not a bool
    Value err = ev.eval(Program::compile("value.missing > 1"), e);
    REQUIRE(err.is_error());
    CHECK(err.as_string() == "no such key: 'missing'");
}

TEST_CASE("JSON numbers compare and mix with any numeric type") {
    Evaluator ev;
    Event e = json_event(R"({"qty": 2, "price": 1.5, "big": 18446744073709551615})");
    CHECK(ev.test(Program::compile("value.qty == 2 && value.qty == 2.0 && value.qty == 2u"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.qty * value.price == 3.0"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.big == 18446744073709551615u"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("2 * 1.5 == 3.0"), e) == Outcome::error);  // CEL literals do not mix
}

TEST_CASE("macros, in and size work over JSON arrays and objects") {
    Evaluator ev;
    Event e = json_event(R"({"items":[{"sku":"A","n":1},{"sku":"B","n":3}],"tags":["x","y"],"m":{"k":1}})");
    CHECK(ev.test(Program::compile(R"(value.items.exists(i, i.sku == "B" && i.n > 2))"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.items.all(i, i.n >= 1) && size(value.items) == 2"), e) == Outcome::match);
    CHECK(ev.test(Program::compile(R"("y" in value.tags && "k" in value.m && !("z" in value.m))"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.items.map(i, i.n).filter(n, n > 1) == [3]"), e) == Outcome::match);
    CHECK(ev.test(Program::compile("value.items[1].sku == 'B' && value.tags.exists_one(t, t == 'x')"), e) ==
          Outcome::match);
}

TEST_CASE("values render as JSON for pipeline map outputs") {
    Evaluator ev;
    Event e = json_event(R"({"id":"o-1","amount":2.5,"lines":[1,2],"note":"a\"b"})");
    Value v = ev.eval(Program::compile(R"({"id": value.id, "double": value.amount * 2.0, "lines": value.lines,
        "note": value.note, "at": timestamp("2024-01-02T03:04:05Z"), "took": duration("1.5s"), "raw": b"hi"})"), e);
    std::string out;
    append_json(v, out);
    CHECK(out == R"({"id":"o-1","double":5,"lines":[1,2],"note":"a\"b","at":"2024-01-02T03:04:05Z",)"
                 R"("took":"1.500s","raw":"aGk="})");
}

TEST_CASE("a detached value survives the next evaluation") {
    Evaluator ev;
    auto p = Program::compile("value.name");
    Value kept = ev.eval(p, json_event(R"({"name":"first"})")).detach();
    std::string bigger(5000, 'x');
    ev.eval(p, json_event(R"({"name":")" + bigger + R"("})"));
    CHECK(kept.as_string() == "first");
}

TEST_CASE("bindings supply variables besides the event") {
    CompileOptions opts;
    opts.variables = {"left", "right"};
    auto p = Program::compile("left.id == right.customer_id && right.total > 10.0", opts);
    Evaluator ev;
    Bindings b;
    b.set("left", *ev.parse_json(R"({"id": "c1"})"));
    b.set("right", *ev.parse_json(R"({"customer_id": "c1", "total": 12.5})"));
    CHECK(ev.eval(p, b).as_bool());
    CHECK(compile_error("middle.id == 1", opts).find("unknown variable 'middle'") != std::string::npos);
}

TEST_CASE("a program says which fields of a binding it selects, and when it uses the binding whole") {
    CompileOptions opts;
    opts.variables = {"c", "o"};
    auto use = [&](const std::string& src, const std::string& name) { return Program::compile(src, opts).binding_use(name); };
    auto fields = [](const BindingUse& u) { return std::vector<std::string>(u.fields.begin(), u.fields.end()); };
    BindingUse u = use(R"(c.tier == "PLATINUM" && c.name.startsWith("A") && has(c.since))", "c");
    CHECK_FALSE(u.whole);
    CHECK(fields(u) == std::vector<std::string>{"name", "since", "tier"});
    CHECK(fields(use("c.address.city", "c")) == std::vector<std::string>{"address"});
    CHECK(use("o.id == 1", "c").fields.empty());  // not read at all
    CHECK_FALSE(use("o.id == 1", "c").whole);
    // Any other use reads the row whole.
    for (const char* whole : {"c", "c == null", "c[\"tier\"]", "size(c)", "c.exists(k, k == \"tier\")", "\"tier\" in c",
                              "c.tier + string(c)"})
        CHECK_MESSAGE(use(whole, "c").whole, whole);
    // A comprehension variable of the same name is not the binding.
    auto shadow = use("[1, 2].map(c, c + 1) == [2, 3] && c.tier == \"X\"", "c");
    CHECK_FALSE(shadow.whole);
    CHECK(fields(shadow) == std::vector<std::string>{"tier"});
    CHECK(fields(use("value.c.x == 1 && c.y == 2", "c")) == std::vector<std::string>{"y"});
}

TEST_CASE("a program says when it is one constant path into the value") {
    auto path = [](const char* src) {
        Program program = Program::compile(src);
        const auto* p = program.value_path();
        return p ? *p : std::vector<std::string>{};
    };
    CHECK(path("value.customer_id") == std::vector<std::string>{"customer_id"});
    CHECK(path("value.a.b") == std::vector<std::string>{"a", "b"});
    for (const char* no : {"value", "value.a + 1", "value[\"a\"]", "key", "has(value.a)", "[1].map(value, value.a)", "size(value.a)"})
        CHECK_MESSAGE(path(no).empty(), no);
}

TEST_CASE("a program says when its result depends on one binding alone") {
    CompileOptions opts;
    opts.variables = {"c", "o"};
    auto only_c = [&](const std::string& src) { return Program::compile(src, opts).depends_only_on("c"); };
    for (const char* yes : {R"(c.tier == "PLATINUM")", "size(c) > 2 && c.name.startsWith(\"A\")", "c == null", "1 == 1",
                            "[1, 2].exists(value, value == size(c))"})  // a comprehension variable named value
        CHECK_MESSAGE(only_c(yes), yes);
    for (const char* no : {"c.tier == o.tier", "c.n > value.n", "key == c.id", "offset > 0 && c.x", "timestamp > c.t",
                           "topic == c.topic", "partition == 0", "has(headers.x) || c.x", "o.x"})
        CHECK_MESSAGE(!only_c(no), no);
}

TEST_CASE("CEL details: overflow, division by zero, unicode size, bytes and time ranges") {
    Evaluator ev;
    Bindings none;
    auto eval = [&](std::string_view src) { return ev.eval(Program::compile(src), none); };
    CHECK(eval("9223372036854775807 + 1").is_error());
    CHECK(eval("1 / 0").is_error());
    CHECK(eval("0u - 1u").is_error());
    CHECK(eval("size('héllo') == 5 && size(b'h\\xc3\\xa9llo') == 6").as_bool());
    CHECK(eval("'\\u00e9' == 'é' && r'\\n' == '\\\\n' && '''a\nb''' == 'a\\nb'").as_bool());
    CHECK(eval("timestamp('9999-12-31T23:59:59Z') + duration('1s')").is_error());
    CHECK(eval("duration('1h30m') == duration('5400s') && 1 == 1.0 && 1u == 1.0").as_bool());
    CHECK(eval("[1, 2] + [3] == [1, 2, 3] && 'a' + 'b' == 'ab'").as_bool());
    CHECK(eval("'abc'.matches('^a.c$') && 'ABC'.lowerAscii() == 'abc'").as_bool());
}

// The path reader (On-Demand, for expressions that read `value` only through constant paths)
// must agree with the DOM on every result, error and verdict. Each expression is run twice:
// as written, and with a whole-document use of `value` added, which forces the DOM.
TEST_CASE("constant paths read through On-Demand agree with the DOM on values, errors and verdicts") {
    const std::vector<std::string> docs = {
        R"({"amount": 300.5, "currency": "EUR", "n": 5, "big": 18446744073709551615, "neg": -3,
            "s": "a\"b\\n\u00e9", "t": true, "z": null, "o": {"x": {"y": "deep"}, "k": 1}, "arr": [1, 2]})",
        R"({"currency": "USD", "amount": 12, "o": {"k": "v"}})",
        R"({"amount": 1, "amount": 2, "currency": "EUR"})",
        R"({"a\u006dount": 7, "currency": "E\u0055R"})",
        R"({"o": 5, "amount": "300"})",
        R"([1, 2, 3])",
        R"("just a string")",
        R"(42)",
        R"(null)",
        R"({})",
        R"(hello world)",
        R"({"amount": 3)",
        R"({"amount": 1e999})",
        R"({"amount": 123456789012345678901234567890})",
        "",
    };
    const std::vector<std::string> exprs = {
        "value.amount",
        "value.currency",
        "value.amount > 250.0 && value.currency == \"EUR\"",
        "value.n + 1",
        "value.big",
        "value.neg * 2",
        "value.s",
        "size(value.s)",
        "value.t ? value.n : value.neg",
        "value.z == null",
        "value.o.x.y",
        "value.o.x",
        "value.o.k",
        "value.arr",
        "value.arr[1]",
        "value.missing",
        "value.o.missing.y",
        "value.n.x",
        "value.currency + \"/\" + value.s",
        "has(value.o.x)",
        "value.amount == 300.5 || value.missing",
        "[value.amount, value.currency]",
    };
    Evaluator ev;
    for (const auto& doc : docs) {
        Event e = json_event(doc);
        for (const auto& x : exprs) {
            CAPTURE(doc);
            CAPTURE(x);
            Program paths = Program::compile(x);
            Program dom = Program::compile("value == value ? (" + x + ") : (" + x + ")");
            std::string a = ev.eval(paths, e).debug_string();
            std::string b = ev.eval(dom, e).debug_string();
            CHECK(a == b);
            Outcome oa = ev.test(paths, e), ob = ev.test(dom, e);
            CHECK(static_cast<int>(oa) == static_cast<int>(ob));
        }
    }
}

TEST_CASE("strings read by the path reader stay valid while the evaluation's value is used") {
    Evaluator ev;
    Event e = json_event(R"({"a": "first", "b": {"c": "second"}, "d": "third"})");
    Program p = Program::compile(R"([value.a, value.b.c, value.d, value.a])");
    Value v = ev.eval(p, e).detach();
    Value expected = ev.eval(Program::compile(R"(["first", "second", "third", "first"])"), Bindings{});
    CHECK(equals(v, expected));
}
