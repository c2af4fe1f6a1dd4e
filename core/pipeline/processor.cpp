// Why the steps look the way they do (the hot path of every pipeline):
// - The event is never copied into a DOM of ours: `value` stays the record's bytes; the
//   Evaluator scans them for constant paths and parses them with simdjson only when an
//   expression needs more (json_scan.hpp).
// - A map step's fields are programs of their own, written straight to JSON text (no map
//   Value in between); they share one decoding of `value` (Evaluator::eval_more).
// - Table rows are raw JSON bytes, parsed once when stored; a matched row is bound as a
//   Value backed by its text (json_scan.hpp): `customer.tier` scans the row up to that
//   field, with no parse and no copy. That uses the expression library's internal
//   json_scan on purpose: the public Evaluator::parse_json would allocate an owned copy of
//   every row on every lookup.
// - A filter right after a join that reads nothing but the joined row (`customer.tier ==
//   "PLATINUM"`) is evaluated once per row when the row is stored, not once per event: a
//   stored row starts with one byte that holds the filter's verdict (row_verdict).
#include "core/pipeline/processor.hpp"

#include "core/error.hpp"
#include "core/expr/json_bridge.hpp"
#include "core/expr/json_scan.hpp"
#include "core/pipeline/loader.hpp"
#include "core/pipeline/row_map.hpp"
#include "core/pipeline/window.hpp"
#include "core/util/json_text.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace meshctl::pipeline {

void append_key(const expr::Value& v, std::string& out) {
    if (v.kind() == expr::Kind::string || v.kind() == expr::Kind::bytes) out += v.as_string();
    else expr::append_json(v, out);
}

namespace {

struct Field {
    std::string name;
    std::string quoted;  // name as a JSON string
    expr::Program program;
    bool spread = false;
};

struct Step {
    StepKind kind = StepKind::filter;
    std::string label;  // steps[i].filter, for reasons
    std::optional<expr::Program> program;  // filter condition or join key
    std::size_t table = 0;
    bool window = false;  // join: the windowed stream-stream join
    std::string as;
    JoinType join_type = JoinType::inner;
    std::vector<Field> fields;  // map: evaluated one by one, in order
    std::set<std::string, std::less<>> skip;  // map: names spreads must not copy (dropped or set explicitly)
    std::unique_ptr<expr::detail::JsonDecoder> decoder;  // windowed join: parses the partner
    bool stored_filter = false;  // join: the next step is the table's row filter (Impl::row_filter)
};

// The first byte of a stored row: the verdict of its table's row filter, when it has one.
namespace row_verdict {
constexpr char pass = 'T', fail = 'F', unknown = '?';  // unknown: no row filter, or not a bool (evaluated per event)
}

struct SinkOut {
    std::optional<expr::Program> id, key;
};

std::string json_quoted(std::string_view s) {
    std::string out;
    expr::append_json(expr::Value::string_view(s), out);
    return out;
}

}  // namespace

struct Processor::Impl {
    std::vector<Step> steps;
    std::vector<SinkOut> sinks;
    std::vector<std::string> table_names;
    std::vector<expr::Program> table_keys;
    std::vector<Decoding> table_decoding;
    std::vector<std::optional<std::set<std::string, std::less<>>>> table_fields;  // nullopt: keep rows whole
    std::vector<std::vector<std::string>> table_keep;  // table_fields as a list: few names, compared inline
    // Per table: the step index of the filter evaluated when a row is stored (npos: none),
    // and what it evaluates with.
    std::vector<std::size_t> row_filter;
    std::unique_ptr<expr::Evaluator> row_eval;
    expr::Bindings row_bindings;
    Decoding stream_decoding = Decoding::json;
    std::size_t window_step = 0;  // index of the windowed join in steps (when windowed)
    bool windowed = false;
    std::optional<expr::Program> right_key;  // the second stream's `key`
    Decoding right_decoding = Decoding::json;
    std::optional<std::string> window_key;
    std::string right_json;
    std::vector<expr::Header> held_headers;
    bool steps_read_value = false;  // some expression reads the stream's value before any map replaces it

    expr::Evaluator eval;
    expr::Bindings bindings;
    // Join keys evaluated ahead by look_ahead(), by (offset, partition) in a small ring.
    struct Ahead {
        std::int32_t partition = -1;
        std::int64_t offset = -1;
        bool null_key = false;
        std::string key;
        std::uint64_t hash = 0;
    };
    std::array<Ahead, 16> ahead;
    expr::Evaluator ahead_eval;
    expr::detail::StringSlots ahead_strings;
    bool look_ahead = false;
    Ahead& ahead_slot(const expr::Event& e) { return ahead[(static_cast<std::uint64_t>(e.offset) * 31 + static_cast<std::uint64_t>(e.partition)) & 15]; }
    const Ahead* ahead_of(const expr::Event& e) {
        const Ahead& a = ahead_slot(e);
        return a.partition == e.partition && a.offset == e.offset ? &a : nullptr;
    }
    expr::detail::JsonDecoder check_decoder;
    std::string buffers[2];
    int next_buffer = 0;
    std::string raw_json, key_buf, default_id;
    std::vector<sinks::Record> outputs;
    std::string reason;
    ProcessCounts counts;

    Verdict dead(const std::string& label, const expr::Value& v) {
        reason = label + ": " + (v.is_error() ? std::string(v.as_string()) : "expected a bool, got " + std::string(expr::kind_name(v.kind())));
        ++counts.dead_lettered;
        return Verdict::dead_letter;
    }
};

namespace {
// A table joined only for some fields of its rows (`customer.tier`, `customer.name`) keeps
// only those: smaller rows take less memory and fewer cache misses per lookup. Every
// expression of the pipeline counts, whatever step it is in; a row used whole anywhere
// (`customer`, `...customer`, `customer[k]`, a function of it) is kept whole.
void project_tables(Processor::Impl& I) {
    I.table_fields.assign(I.table_names.size(), std::nullopt);
    std::vector<bool> whole(I.table_names.size(), false), joined(I.table_names.size(), false);
    std::vector<const expr::Program*> programs;
    for (const auto& st : I.steps) {
        if (st.program) programs.push_back(&*st.program);
        for (const auto& f : st.fields) programs.push_back(&f.program);
    }
    for (const auto& o : I.sinks) {
        if (o.id) programs.push_back(&*o.id);
        if (o.key) programs.push_back(&*o.key);
    }
    std::vector<std::set<std::string, std::less<>>> fields(I.table_names.size());
    for (const auto& st : I.steps) {
        if (st.kind != StepKind::join || st.window || st.table >= I.table_names.size()) continue;
        joined[st.table] = true;
        if (I.table_decoding[st.table] == Decoding::raw) whole[st.table] = true;  // rows are strings
        for (const auto* p : programs) {
            expr::BindingUse use = p->binding_use(st.as);
            if (use.whole) whole[st.table] = true;
            fields[st.table].insert(use.fields.begin(), use.fields.end());
        }
    }
    I.table_keep.assign(I.table_names.size(), {});
    for (std::size_t t = 0; t < I.table_names.size(); ++t) {
        if (!joined[t] || whole[t]) continue;
        I.table_keep[t].assign(fields[t].begin(), fields[t].end());
        I.table_fields[t] = std::move(fields[t]);
    }
}

// A table joined once, whose join step is followed by a filter that depends on nothing but
// the joined row, has that filter evaluated once per stored row (the verdict byte) instead of
// once per event. Its functions are pure, so the verdict is the one each event would get.
void plan_row_filters(Processor::Impl& I) {
    I.row_filter.assign(I.table_names.size(), std::string::npos);
    std::vector<int> joins(I.table_names.size(), 0);
    for (const auto& st : I.steps)
        if (st.kind == StepKind::join && !st.window && st.table < joins.size()) ++joins[st.table];
    for (std::size_t i = 0; i + 1 < I.steps.size(); ++i) {
        Step& st = I.steps[i];
        const Step& next = I.steps[i + 1];
        if (st.kind != StepKind::join || st.window || st.table >= joins.size() || joins[st.table] != 1) continue;
        if (next.kind != StepKind::filter || !next.program->depends_only_on(st.as)) continue;
        I.row_filter[st.table] = i + 1;
        st.stored_filter = true;
        if (!I.row_eval) I.row_eval = std::make_unique<expr::Evaluator>();
    }
}
}  // namespace

Processor::Processor(const PipelineSpec& spec) : impl_(std::make_unique<Impl>()) {
    auto& I = *impl_;
    I.stream_decoding = spec.stream().decoding;
    for (const auto& s : spec.sources) {
        if (s.kind != SourceKind::table) continue;
        I.table_names.push_back(s.name);
        I.table_keys.push_back(expr::Program::compile(s.key));
        I.table_decoding.push_back(s.decoding);
    }
    bool mapped = false;
    for (std::size_t i = 0; i < spec.steps.size(); ++i) {
        const auto& s = spec.steps[i];
        expr::CompileOptions opts;
        opts.variables = bound_names(spec, i);
        Step st;
        st.kind = s.kind;
        switch (s.kind) {
        case StepKind::filter:
            st.label = "steps[" + std::to_string(i) + "].filter";
            st.program = expr::Program::compile(s.expr, opts);
            break;
        case StepKind::join:
            st.label = "steps[" + std::to_string(i) + "].join";
            st.program = expr::Program::compile(s.on, opts);
            st.as = s.as;
            st.join_type = s.join_type;
            st.window = s.windowed();
            if (st.window) {
                const SourceSpec& right = *spec.source(s.stream);
                I.windowed = true;
                I.window_step = i;
                I.right_key = expr::Program::compile(right.key);
                I.right_decoding = right.decoding;
            }
            st.table = static_cast<std::size_t>(
                std::find(I.table_names.begin(), I.table_names.end(), s.table) - I.table_names.begin());
            st.decoder = std::make_unique<expr::detail::JsonDecoder>();
            break;
        case StepKind::map: {
            st.label = "steps[" + std::to_string(i) + "]." + (s.drop.empty() ? "map" : "drop");
            for (const auto& f : s.fields) {
                st.fields.push_back({f.name, json_quoted(f.name), expr::Program::compile(f.expr, opts), f.spread});
                if (!mapped) I.steps_read_value |= st.fields.back().program.uses_value();
                if (!f.spread) st.skip.insert(f.name);
            }
            for (const auto& d : s.drop) st.skip.insert(d);
            mapped = true;
            break;
        }
        }
        if (st.program && !mapped) I.steps_read_value |= st.program->uses_value();
        I.steps.push_back(std::move(st));
    }
    expr::CompileOptions opts;
    opts.variables = bound_names(spec, spec.steps.size());
    for (const auto& s : spec.sinks) {
        SinkOut o;
        if (s.id) o.id = expr::Program::compile(*s.id, opts);
        if (s.key) o.key = expr::Program::compile(*s.key, opts);
        if (!mapped) I.steps_read_value |= (o.id && o.id->uses_value()) || (o.key && o.key->uses_value());
        I.sinks.push_back(std::move(o));
    }
    I.outputs.resize(I.sinks.size());
    project_tables(I);
    plan_row_filters(I);
    I.look_ahead = !I.steps.empty() && I.steps[0].kind == StepKind::join && !I.steps[0].window &&
                   I.stream_decoding == Decoding::json;
}

Processor::~Processor() = default;

const std::vector<std::string>& Processor::tables() const { return impl_->table_names; }

bool Processor::uses_headers() const {
    const Impl& I = *impl_;
    auto reads = [](const std::optional<expr::Program>& p) { return p && p->uses_headers(); };
    if (reads(I.right_key)) return true;
    for (const auto& st : I.steps) {
        if (reads(st.program)) return true;
        for (const auto& f : st.fields)
            if (f.program.uses_headers()) return true;
    }
    for (const auto& o : I.sinks)
        if (reads(o.id) || reads(o.key)) return true;
    return false;
}
const std::vector<sinks::Record>& Processor::outputs() const { return impl_->outputs; }
const std::string& Processor::reason() const { return impl_->reason; }
const ProcessCounts& Processor::counts() const { return impl_->counts; }

namespace {

// The steps from `start` on, then one record per sink. `event` is the origin (a left event
// for windowed results), `cur` what the steps see as the event, `right` the windowed join's
// partner (its origin takes part in the default id and the timestamp).
Verdict run_steps(Processor::Impl& I, std::size_t start, const expr::Event& event, expr::Event cur, const HeldEvent* right,
                  const TableView& tables) {
    bool mapped = false;
    for (std::size_t si = start; si < I.steps.size(); ++si) {
        Step& st = I.steps[si];
        switch (st.kind) {
        case StepKind::filter: {
            expr::Value r = I.eval.eval(*st.program, cur, &I.bindings);
            if (r.kind() != expr::Kind::boolean) return I.dead(st.label, r);
            if (!r.as_bool()) {
                ++I.counts.filtered;
                return Verdict::filtered;
            }
            break;
        }
        case StepKind::join: {
            std::optional<std::string_view> row;
            // The first step's key may have been evaluated ahead (the same program on the same event).
            if (const auto* pre = si == 0 && I.look_ahead && !right ? I.ahead_of(event) : nullptr) {
                if (!pre->null_key) row = tables.find(st.table, event.partition, pre->key);
            } else {
                expr::Value k = I.eval.eval(*st.program, cur, &I.bindings);
                if (k.is_error()) return I.dead(st.label + ".on", k);
                if (st.window) {
                    I.window_key.reset();
                    if (!k.is_null()) {
                        I.window_key.emplace();
                        append_key(k, *I.window_key);
                    }
                    return Verdict::windowed;
                }
                if (!k.is_null()) {
                    I.key_buf.clear();
                    append_key(k, I.key_buf);
                    row = tables.find(st.table, event.partition, I.key_buf);
                }
            }
            if (row) {  // checked when it was stored (table_value): read on demand from its text
                ++I.counts.joined;
                char verdict = row->front();
                row->remove_prefix(1);
                if (st.stored_filter && verdict != row_verdict::unknown) {  // the next step, evaluated on the stored row
                    if (verdict == row_verdict::fail) {
                        ++I.counts.filtered;
                        return Verdict::filtered;
                    }
                    ++si;
                }
                I.bindings.set(st.as, expr::detail::text_value(*row));
            } else if (st.join_type == JoinType::inner) {
                ++I.counts.unmatched;
                return Verdict::unmatched;
            } else {
                ++I.counts.left_unmatched;
                I.bindings.set(st.as, expr::Value());
            }
            break;
        }
        case StepKind::map: {
            // Each field is its own program, written straight to JSON; the fields after the
            // first keep what the first decoded of the event (eval_more).
            std::string& out = I.buffers[I.next_buffer];
            out.clear();
            out += '{';
            bool first = true;
            for (std::size_t fi = 0; fi < st.fields.size(); ++fi) {
                const Field& f = st.fields[fi];
                expr::Value v = fi == 0 ? I.eval.eval(f.program, cur, &I.bindings) : I.eval.eval_more(f.program, &I.bindings);
                if (v.is_error()) return I.dead(st.label + "." + f.name, v);
                if (!f.spread) {
                    if (!first) out += ',';
                    first = false;
                    out += f.quoted;
                    out += ':';
                    expr::append_json(v, out);
                    continue;
                }
                if (v.is_null()) continue;  // spreading a missing left-join row adds nothing
                if (v.kind() != expr::Kind::map)
                    return I.dead(st.label + ".\"...\"", expr::Value::error("only a map can be spread, not " +
                                                                             std::string(expr::kind_name(v.kind()))));
                for (const auto& [k, item] : v.entries()) {
                    if (k.kind() != expr::Kind::string || st.skip.count(k.as_string())) continue;
                    if (!first) out += ',';
                    first = false;
                    expr::append_json(k, out);
                    out += ':';
                    expr::append_json(item, out);
                }
            }
            out += '}';
            cur.value = out;
            I.next_buffer ^= 1;
            mapped = true;
            break;
        }
        }
    }
    I.default_id.clear();
    for (std::size_t i = 0; i < I.sinks.size(); ++i) {
        auto& o = I.sinks[i];
        auto& r = I.outputs[i];
        r.topic.assign(event.topic);
        r.partition = event.partition;
        r.offset = event.offset;
        r.timestamp_ms = right ? std::max(event.timestamp_ms, right->timestamp_ms) : event.timestamp_ms;
        std::optional<expr::Value> key;
        if (o.key) {
            key = I.eval.eval(*o.key, cur, &I.bindings);
            if (key->is_error()) return I.dead("sinks[" + std::to_string(i) + "].key", *key);
            r.key.emplace();
            append_key(*key, *r.key);
        } else if (event.key) {
            r.key.emplace(*event.key);
        } else {
            r.key.reset();
        }
        r.id.clear();
        if (o.id) {
            expr::Value v = I.eval.eval(*o.id, cur, &I.bindings);
            if (v.is_error()) return I.dead("sinks[" + std::to_string(i) + "].id", v);
            append_key(v, r.id);
        } else if (o.key) {
            r.id = *r.key;  // a record keyed for a view is idempotent by that key
        } else {
            if (I.default_id.empty()) {
                sinks::append_default_record_id(event.topic, event.partition, event.offset, I.default_id);
                // A left record may join several partners: each pair gets its own id.
                if (right) {
                    I.default_id += '+';
                    sinks::append_default_record_id(right->topic, right->partition, right->offset, I.default_id);
                }
            }
            r.id = I.default_id;
        }
        std::string_view value = mapped ? *cur.value : *event.value;
        if (r.value) r.value->assign(value);  // reuses the record's buffer
        else r.value.emplace(value);
        r.value_is_json = mapped;  // map output is written by append_json
    }
    ++I.counts.written;
    return Verdict::written;
}


}  // namespace

Verdict Processor::process(const expr::Event& event, const TableView& tables) {
    auto& I = *impl_;
    ++I.counts.processed;
    if (!event.value) {
        ++I.counts.tombstones;
        return Verdict::tombstone;
    }
    expr::Event cur = event;
    if (I.stream_decoding == Decoding::raw) {
        I.raw_json.clear();
        expr::append_json(expr::Value::string_view(*event.value), I.raw_json);
        cur.value = I.raw_json;
    } else if (!I.steps_read_value) {
        // Nothing parses the value on its way, yet undecodable events must not reach sinks.
        simdjson::dom::element root;
        if (!I.check_decoder.decode(*event.value, root)) {
            I.reason = "the event value is not JSON";
            ++I.counts.dead_lettered;
            return Verdict::dead_letter;
        }
    }
    return run_steps(I, 0, event, cur, nullptr, tables);
}

bool Processor::can_look_ahead() const { return impl_->look_ahead; }

void Processor::look_ahead(const expr::Event& event, const TableView& tables, bool row) {
    auto& I = *impl_;
    if (!I.look_ahead || !event.value) return;
    Impl::Ahead& a = I.ahead_slot(event);
    const Step& st = I.steps[0];
    if (row) {
        if (a.partition == event.partition && a.offset == event.offset && !a.null_key)
            tables.prefetch(st.table, event.partition, a.hash, true);
        return;
    }
    // The first step sees no bindings: no join came before it. A key that is a constant path
    // into the value (`value.customer_id`) is scanned directly, as the evaluator would;
    // whatever the scan cannot answer goes through the evaluator.
    std::optional<expr::Value> scanned;
    if (const auto* path = st.program->value_path(); path && expr::detail::scannable_object(*event.value)) {
        I.ahead_strings.reset();
        scanned = expr::detail::scan_path(*event.value, *path, I.ahead_strings);
    }
    expr::Value k = scanned ? std::move(*scanned) : I.ahead_eval.eval(*st.program, event);
    if (k.is_error()) {
        a.partition = -1;  // process() evaluates it again and dead-letters the event
        return;
    }
    a.partition = event.partition;
    a.offset = event.offset;
    a.null_key = k.is_null();
    a.key.clear();
    if (a.null_key) return;
    append_key(k, a.key);
    a.hash = RowMap::hash(a.key);
    tables.prefetch(st.table, event.partition, a.hash, false);
}

Verdict Processor::process_joined(const HeldEvent& left, const HeldEvent* right, const TableView& tables) {
    auto& I = *impl_;
    expr::Event event = left.view(I.held_headers);
    expr::Event cur = event;
    if (I.stream_decoding == Decoding::raw) {
        I.raw_json.clear();
        expr::append_json(expr::Value::string_view(*event.value), I.raw_json);
        cur.value = I.raw_json;
    }
    Step& st = I.steps[I.window_step];
    if (right && right->value) {
        std::string_view v = *right->value;
        if (I.right_decoding == Decoding::raw) {
            I.right_json.clear();
            expr::append_json(expr::Value::string_view(v), I.right_json);
            v = I.right_json;
        }
        simdjson::dom::element root;
        if (!st.decoder->decode(v, root)) {  // checked by window_right_key; only a bug lands here
            I.reason = st.label + ": the " + std::string(right->topic) + " record is not JSON";
            ++I.counts.dead_lettered;
            return Verdict::dead_letter;
        }
        I.bindings.set(st.as, expr::detail::from_element(root));
    } else {
        I.bindings.set(st.as, expr::Value());
    }
    return run_steps(I, I.window_step + 1, event, cur, right, tables);
}

bool Processor::windowed() const { return impl_->windowed; }
const std::optional<std::string>& Processor::window_key() const { return impl_->window_key; }

bool Processor::window_right_key(const expr::Event& record, std::optional<std::string>& key) {
    auto& I = *impl_;
    key.reset();
    if (!record.value) {
        I.reason = "a null value (tombstone) has nothing to join";
        return false;
    }
    expr::Event ev = record;
    simdjson::dom::element root;
    if (I.right_decoding == Decoding::raw) {
        I.right_json.clear();
        expr::append_json(expr::Value::string_view(*record.value), I.right_json);
        ev.value = I.right_json;
    } else if (!I.check_decoder.decode(*record.value, root)) {
        I.reason = "the event value is not JSON";
        return false;
    }
    expr::Value v = I.eval.eval(*I.right_key, ev);
    if (v.is_error()) {
        I.reason = I.steps[I.window_step].label + ": the key of " + std::string(record.topic) + ": " + std::string(v.as_string());
        return false;
    }
    if (v.is_null()) return true;
    key.emplace();
    append_key(v, *key);
    return true;
}

bool Processor::table_key(std::size_t table, const expr::Event& record, std::string& key) {
    auto& I = *impl_;
    expr::Event ev = record;
    if (I.table_decoding[table] == Decoding::raw && record.value) {
        I.raw_json.clear();
        expr::append_json(expr::Value::string_view(*record.value), I.raw_json);
        ev.value = I.raw_json;
    }
    expr::Value v = I.eval.eval(I.table_keys[table], ev);
    if (v.is_error() || v.is_null()) {
        I.reason = "table " + I.table_names[table] + " key: " + (v.is_null() ? "the key is null" : std::string(v.as_string()));
        return false;
    }
    key.clear();
    append_key(v, key);
    return true;
}

bool Processor::table_value(std::size_t table, std::string_view value, std::string& stored) {
    auto& I = *impl_;
    stored.assign(1, row_verdict::unknown);
    if (I.table_decoding[table] == Decoding::raw) {
        expr::append_json(expr::Value::string_view(value), stored);
    } else {
        simdjson::dom::element root;
        if (!I.check_decoder.decode(value, root)) {
            I.reason = "table " + I.table_names[table] + ": the value is not JSON";
            return false;
        }
        const auto& keep = I.table_fields[table];
        simdjson::dom::object object;
        if (!keep || root.get_object().get(object) != simdjson::SUCCESS) {
            stored.append(value);
        } else {
            // The kept fields in their order (duplicates too: a lookup finds the same one first).
            stored += '{';
            bool first = true;
            const auto& names = I.table_keep[table];
            for (auto field : object) {
                std::string_view name = field.key;
                if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return expr::detail::same_text(n, name); }))
                    continue;
                if (!first) stored += ',';
                first = false;
                util::append_json_string(field.key, stored);
                stored += ':';
                expr::append_json(expr::detail::from_element(field.value), stored);  // minified, without allocating
            }
            stored += '}';
        }
    }
    if (std::size_t f = I.row_filter[table]; f != std::string::npos) {
        const Step& join = I.steps[f - 1];
        I.row_bindings.set(join.as, expr::detail::text_value(std::string_view(stored).substr(1)));
        expr::Value r = I.row_eval->eval(*I.steps[f].program, I.row_bindings);
        if (r.kind() == expr::Kind::boolean) stored[0] = r.as_bool() ? row_verdict::pass : row_verdict::fail;
    }
    return true;
}

bool Processor::filter_on_stored_rows(std::size_t step) const {
    const auto& I = *impl_;
    return step > 0 && step < I.steps.size() && I.steps[step - 1].stored_filter;
}

const std::optional<std::set<std::string, std::less<>>>& Processor::table_fields(std::size_t table) const {
    return impl_->table_fields[table];
}

sinks::Record dead_letter_record(const expr::Event& e, std::string_view reason) {
    sinks::Record origin;
    origin.topic.assign(e.topic);
    origin.partition = e.partition;
    origin.offset = e.offset;
    origin.timestamp_ms = e.timestamp_ms;
    if (e.key) origin.key.emplace(*e.key);
    if (e.value) origin.value.emplace(*e.value);
    return sinks::dead_letter_record(origin, reason);
}

}  // namespace meshctl::pipeline
