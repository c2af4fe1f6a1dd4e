#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// The windowed stream-stream join: the window's matching, closing and lateness rules, the
// offsets a restart must re-read, the YAML that declares it, and the processor around it.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/pipeline/loader.hpp"
#include "core/pipeline/processor.hpp"
#include "core/pipeline/table.hpp"
#include "core/pipeline/window.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace meshctl;
using namespace meshctl::pipeline;

namespace {

constexpr std::int64_t minute = 60'000;

HeldEvent rec(const std::string& topic, std::int64_t offset, std::int64_t ts, std::int32_t partition = 0) {
    HeldEvent h;
    h.topic = topic;
    h.partition = partition;
    h.offset = offset;
    h.timestamp_ms = ts;
    h.value = "{}";
    return h;
}

// Collects results as "left-offset+right-offset" or "left-offset+null".
struct Sink {
    std::vector<std::string> out;
    WindowJoin::Emit emit() {
        return [this](const HeldEvent& l, const HeldEvent* r) {
            out.push_back(std::to_string(l.offset) + "+" + (r ? std::to_string(r->offset) : "null"));
        };
    }
};

bool left(WindowJoin& w, Sink& s, std::int64_t offset, std::int64_t ts, std::optional<std::string> key) {
    return w.add(Side::left, key, rec("orders", offset, ts), s.emit());
}
bool right(WindowJoin& w, Sink& s, std::int64_t offset, std::int64_t ts, std::optional<std::string> key) {
    return w.add(Side::right, key, rec("payments", offset, ts), s.emit());
}

std::string error_of(const std::string& yaml) {
    try {
        parse_pipeline(yaml, "w.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

const std::string windowed = "name: paid\n"
                             "sources:\n"
                             "  orders: {topic: orders, as: stream}\n"
                             "  payments: {topic: payments, as: stream, key: value.order_id}\n"
                             "steps:\n"
                             "  - filter: value.amount > 0.0\n"
                             "  - join: {stream: payments, on: value.order_id, window: 10m, grace: 1m, type: left, as: payment}\n"
                             "  - map: {order_id: value.order_id, method: 'payment == null ? null : payment.method'}\n"
                             "sinks:\n"
                             "  - {type: stdout}\n";

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("records join when keys match and timestamps are within the window, in either arrival order") {
    WindowJoin w(10 * minute, minute, JoinType::inner);
    Sink s;
    CHECK(left(w, s, 1, 0, "o-1"));
    CHECK(right(w, s, 1, 5 * minute, "o-1"));   // after the left
    CHECK(right(w, s, 2, 10 * minute, "o-1"));  // exactly at the window's edge: joins
    CHECK(right(w, s, 3, 10 * minute + 1, "o-1"));  // 1ms outside: does not
    CHECK(s.out == std::vector<std::string>{"1+1", "1+2"});
    s.out.clear();
    CHECK(left(w, s, 2, 12 * minute, "o-1"));  // within 10m of all three rights
    CHECK(s.out == std::vector<std::string>{"2+1", "2+2", "2+3"});
    CHECK(w.counts().pairs == 5);
}

TEST_CASE("keys must match exactly; a null key matches nothing") {
    WindowJoin w(10 * minute, 0, JoinType::inner);
    Sink s;
    left(w, s, 1, 0, "o-1");
    left(w, s, 2, 0, "o-2");
    left(w, s, 3, 0, std::nullopt);
    right(w, s, 1, minute, "o-2");
    right(w, s, 2, minute, "O-2");
    right(w, s, 3, minute, std::nullopt);
    right(w, s, 4, minute, "o-2");
    CHECK(s.out == std::vector<std::string>{"2+1", "2+4"});
    CHECK(w.counts().unmatched == 1);  // the null-key left record, at once
}

TEST_CASE("a left join emits an unmatched record once, only after window + grace have passed") {
    WindowJoin w(10 * minute, minute, JoinType::left);
    Sink s;
    left(w, s, 1, 0, "o-1");
    left(w, s, 2, minute, "o-2");
    right(w, s, 1, 2 * minute, "o-2");
    CHECK(s.out == std::vector<std::string>{"2+1"});
    left(w, s, 3, 11 * minute, "o-3");  // stream time 11m: o-1 closes only when stream time > 0 + 10m + 1m
    CHECK(s.out.size() == 1);
    left(w, s, 4, 11 * minute + 1, "o-4");  // now it has
    CHECK(s.out == std::vector<std::string>{"2+1", "1+null"});
    left(w, s, 5, 13 * minute, "o-5");  // o-2 closes too, but it had a partner: nothing more
    CHECK(s.out.size() == 2);
    left(w, s, 6, 60 * minute, "o-6");  // o-3, o-4, o-5 close in timestamp order
    CHECK(s.out == std::vector<std::string>{"2+1", "1+null", "3+null", "4+null", "5+null"});
    CHECK(w.counts().left_unmatched == 4);
    CHECK(w.size() == 1);  // only o-6 is held: memory holds window + grace
    // A left record with a null key cannot match: a left join emits it at once.
    left(w, s, 7, 60 * minute, std::nullopt);
    CHECK(s.out.back() == "7+null");
}

TEST_CASE("an inner join counts records that closed without a partner and emits nothing for them") {
    WindowJoin w(minute, 0, JoinType::inner);
    Sink s;
    left(w, s, 1, 0, "a");
    left(w, s, 2, 10 * minute, "b");
    CHECK(s.out.empty());
    CHECK(w.counts().unmatched == 1);
}

TEST_CASE("late records (older than stream time - window - grace) are dropped and counted; matching needs both open") {
    WindowJoin w(10 * minute, minute, JoinType::left);
    Sink s;
    left(w, s, 1, 0, "o-1");
    left(w, s, 2, 30 * minute, "o-2");  // stream time 30m: o-1 closed and was emitted without a partner
    CHECK(s.out == std::vector<std::string>{"1+null"});
    CHECK_FALSE(right(w, s, 1, 5 * minute, "o-1"));  // 5m + 11m < 30m: late
    CHECK_FALSE(left(w, s, 3, 18 * minute, "o-3"));  // 18m + 11m < 30m: late, and not emitted either
    CHECK(w.counts().late == 2);
    CHECK(s.out.size() == 1);
    // 19m + 11m == 30m: still open, joins o-2 (|30m - 19m| > 10m? no: 11m apart, outside the window).
    CHECK(right(w, s, 2, 19 * minute, "o-2"));
    CHECK(s.out.size() == 1);
    CHECK(right(w, s, 3, 20 * minute, "o-2"));  // 10m apart: joins
    CHECK(s.out.back() == "2+3");
    CHECK(w.counts().late == 2);
}

TEST_CASE("out-of-order records within grace still join") {
    WindowJoin w(10 * minute, 5 * minute, JoinType::inner);
    Sink s;
    left(w, s, 1, 20 * minute, "k");
    right(w, s, 1, 30 * minute, "x");  // stream time 30m
    CHECK(left(w, s, 2, 16 * minute, "k2"));  // 16 + 15 >= 30: on time
    CHECK(right(w, s, 2, 17 * minute, "k2"));
    CHECK(right(w, s, 3, 15 * minute + 1, "k"));  // left k at 20m is open; 5m apart
    CHECK(s.out == std::vector<std::string>{"2+2", "1+3"});
}

TEST_CASE("resume offsets: the oldest held left record; on the right, what held left records may have joined") {
    WindowJoin w(10 * minute, minute, JoinType::left);
    Sink s;
    CHECK_FALSE(w.resume_offset(Side::left, 0));
    w.add(Side::left, std::string("a"), rec("orders", 100, 0), s.emit());
    w.add(Side::right, std::string("a"), rec("payments", 500, minute), s.emit());
    w.add(Side::left, std::string("b"), rec("orders", 101, 5 * minute), s.emit());
    w.add(Side::left, std::string("c"), rec("orders", 7, 0, 1), s.emit());  // another partition
    CHECK(w.resume_offset(Side::left, 0) == 100);
    CHECK(w.resume_offset(Side::left, 1) == 7);
    CHECK(w.resume_offset(Side::right, 0) == 500);
    // Stream time 12m: the left records at 0 close (a matched, c emitted without a partner).
    w.add(Side::right, std::string("z"), rec("payments", 501, 12 * minute), s.emit());
    CHECK(s.out == std::vector<std::string>{"100+500", "7+null"});
    CHECK(w.resume_offset(Side::left, 0) == 101);
    CHECK_FALSE(w.resume_offset(Side::left, 1));
    // The payment at 1m is closed and no longer matched, but b (5m, open) could have joined it
    // (it did not, other key; the window keeps no per-pair record): its offset is still needed.
    CHECK(w.resume_offset(Side::right, 0) == 500);
    w.add(Side::right, std::string("z"), rec("payments", 502, 22 * minute + 1), s.emit());  // > 1m + 2 x 10m + 1m
    CHECK(w.resume_offset(Side::right, 0) == 501);
    CHECK(w.resume_offset(Side::left, 0) == std::nullopt);  // b closed at 16m

    w.drop_partitions(Side::right, {0});
    CHECK_FALSE(w.resume_offset(Side::right, 0));
    w.clear();
    CHECK(w.size() == 0);
    CHECK(w.stream_time() == std::numeric_limits<std::int64_t>::min());
    CHECK(w.add(Side::left, std::string("a"), rec("orders", 1, 0), s.emit()));  // after clear() nothing is late
}

TEST_CASE("a windowed join parses; its window and grace are durations with line:column errors") {
    auto p = parse_pipeline(windowed, "w.yaml");
    REQUIRE(p.steps.size() == 3);
    const StepSpec* w = p.windowed_join();
    REQUIRE(w);
    CHECK(w->stream == "payments");
    CHECK(w->window_ms == 10 * minute);
    CHECK(w->grace_ms == minute);
    CHECK(w->join_type == JoinType::left);
    CHECK(w->as == "payment");
    CHECK(p.stream().name == "orders");
    REQUIRE(p.joined_stream());
    CHECK(p.joined_stream()->key == "value.order_id");
    CHECK(parse_pipeline(replace(windowed, ", grace: 1m", ""), "w.yaml").steps[1].grace_ms == 0);

    CHECK(error_of(replace(windowed, "window: 10m", "window: 10 minutes")).find("w.yaml:7:58: ") == 0);
    CHECK(error_of(replace(windowed, "window: 10m", "window: 10 minutes")).find("is not a duration") != std::string::npos);
    CHECK(error_of(replace(windowed, "grace: 1m", "grace: soon")).find("w.yaml:7:70: ") == 0);
    CHECK(error_of(replace(windowed, "window: 10m", "window: 0s")).find("must be longer than 0") != std::string::npos);
    CHECK(error_of(replace(windowed, "window: 10m, ", "")).find("needs \"window\"") != std::string::npos);
    CHECK(error_of(replace(windowed, "window: 10m", "window: 10m, copartitioned: true")).find("w.yaml:7:") == 0);
    CHECK(error_of(replace(windowed, "window: 10m", "windw: 10m")).find("did you mean \"window\"") != std::string::npos);
}

TEST_CASE("windowed joins: what is refused") {
    // Before a map: the held events would no longer be what was read.
    auto e = error_of(replace(windowed, "  - filter: value.amount > 0.0\n", "  - map: {order_id: value.order_id}\n"));
    CHECK(e.find("must come before map") != std::string::npos);
    // A second stream nobody joins, and a key on the pipeline's own stream.
    e = error_of(replace(windowed, "  - join: {stream: payments, on: value.order_id, window: 10m, grace: 1m, type: left, as: payment}\n"
                                   "  - map: {order_id: value.order_id, method: 'payment == null ? null : payment.method'}\n",
                         ""));
    CHECK(e.find("must be joined with a windowed join") != std::string::npos);
    e = error_of(replace(windowed, "orders: {topic: orders, as: stream}", "orders: {topic: orders, as: stream, key: key}"));
    CHECK(e.find("w.yaml:3:") == 0);
    CHECK(e.find("\"key\" is for tables") != std::string::npos);
    // A table cannot be joined as a stream, nor a stream as a table.
    e = error_of(replace(windowed, "payments: {topic: payments, as: stream, key: value.order_id}",
                         "payments: {topic: payments, as: table, key: value.order_id}"));
    CHECK(e.find("is a table") != std::string::npos);
    e = error_of(replace(windowed, "stream: payments, on:", "table: payments, on:"));
    CHECK(e.find("is a stream") != std::string::npos);
    e = error_of(replace(windowed, "stream: payments, on:", "stream: paymnts, on:"));
    CHECK(e.find("did you mean \"payments\"") != std::string::npos);
    // Two windowed joins, and a window on a table join.
    e = error_of(replace(windowed, "  - map:", "  - join: {stream: payments, on: value.order_id, window: 1m, as: p2}\n  - map:"));
    CHECK(e.find("at most one windowed join") != std::string::npos);
}

TEST_CASE("the windowed join example validates") {
    auto p = load_pipeline(std::string(MESHCTL_SOURCE_DIR) + "/examples/pipelines/paid-orders.yaml");
    REQUIRE(p.windowed_join());
    CHECK(p.windowed_join()->window_ms == 10 * minute);
    CHECK(p.windowed_join()->grace_ms == minute);
    CHECK(p.joined_stream()->name == "payments");
}

TEST_CASE("the processor holds events at the windowed join and runs the later steps on each pair") {
    auto spec = parse_pipeline(windowed, "w.yaml");
    Processor proc(spec);
    TableStore tables(0);
    CHECK(proc.windowed());
    std::string order = R"({"order_id":"o-1","amount":12.5})";
    expr::Event ev;
    ev.value = order;
    ev.key = "c-1";
    ev.topic = "orders";
    ev.partition = 2;
    ev.offset = 40;
    ev.timestamp_ms = 1000;
    REQUIRE(proc.process(ev, tables) == Verdict::windowed);
    REQUIRE(proc.window_key());
    CHECK(*proc.window_key() == "o-1");
    std::string free_order = R"({"order_id":"o-2","amount":0.0})";
    ev.value = free_order;
    CHECK(proc.process(ev, tables) == Verdict::filtered);  // filters before the join still apply

    std::string payment = R"({"order_id":"o-1","method":"card"})";
    expr::Event pe;
    pe.value = payment;
    pe.topic = "payments";
    pe.partition = 0;
    pe.offset = 7;
    pe.timestamp_ms = 5000;
    std::optional<std::string> key;
    REQUIRE(proc.window_right_key(pe, key));
    CHECK(key == "o-1");
    std::string bad = "not json";
    pe.value = bad;
    CHECK_FALSE(proc.window_right_key(pe, key));
    CHECK(proc.reason().find("not JSON") != std::string::npos);
    pe.value = payment;

    ev.value = order;
    HeldEvent l = HeldEvent::from(ev), r = HeldEvent::from(pe);
    REQUIRE(proc.process_joined(l, &r, tables) == Verdict::written);
    const auto& out = proc.outputs()[0];
    CHECK(nlohmann::json::parse(*out.value) == nlohmann::json{{"order_id", "o-1"}, {"method", "card"}});
    CHECK(out.id == "orders-2-40+payments-0-7");  // one id per pair
    CHECK(out.timestamp_ms == 5000);             // the later of the two
    CHECK(out.topic == "orders");
    CHECK(out.offset == 40);
    CHECK(out.key == "c-1");
    REQUIRE(proc.process_joined(l, nullptr, tables) == Verdict::written);
    CHECK(nlohmann::json::parse(*proc.outputs()[0].value) == nlohmann::json{{"order_id", "o-1"}, {"method", nullptr}});
    CHECK(proc.outputs()[0].id == "orders-2-40");
    CHECK(proc.outputs()[0].timestamp_ms == 1000);
}
