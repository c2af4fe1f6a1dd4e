// Evaluation entry points. Event variables are decoded lazily, at most once per event:
// a filter that never reads `value` never parses the payload.
#include "core/expr/eval.hpp"
#include "core/expr/json_bridge.hpp"
#include "core/expr/json_scan.hpp"
#include "core/expr/value_access.hpp"

namespace meshctl::expr {

// Binding names are short (`customer`), set and looked up for every event: see same_text.
void Bindings::set(std::string_view name, Value value) {
    for (auto& [n, v] : entries_) {
        if (detail::same_text(n, name)) {
            v = std::move(value);
            return;
        }
    }
    entries_.emplace_back(std::string(name), std::move(value));
}

const Value* Bindings::find(std::string_view name) const {
    for (const auto& [n, v] : entries_)
        if (detail::same_text(n, name)) return &v;
    return nullptr;
}

// Reads scalars at constant paths by scanning the event's text only as far as the path
// (json_scan.hpp), after one check of the whole text for what simdjson's stage 1 rejects
// (invalid UTF-8, control characters) and that it ends like an object. Whatever the scan
// cannot answer exactly as the DOM would, the DOM answers.
struct PathReader {
    std::string_view text;
    detail::StringSlots strings;  // unescaped strings, valid until the next evaluation
    enum class State { idle, ready, failed } state = State::idle;

    void reset() {
        state = State::idle;
        strings.reset();
    }
    void open(std::string_view t) {
        text = t;
        state = detail::scannable_object(t) ? State::ready : State::failed;
    }
    std::optional<Value> read(const std::vector<std::string>& fields) { return detail::scan_path(text, fields, strings); }
};

struct Evaluator::State final : detail::VarSource {
    detail::JsonDecoder value_decoder, key_decoder, scratch_decoder;
    PathReader paths;
    const Event* event = nullptr;
    Value value, key, headers;
    bool have_value = false, have_key = false, have_headers = false, not_json = false;
    bool paths_only = false;
    std::vector<Value> locals;

    void start(const Event* e, const detail::ProgramImpl& p) {
        event = e;
        have_value = have_key = have_headers = not_json = false;
        paths.reset();
        again(p);
    }
    void again(const detail::ProgramImpl& p) {
        paths_only = p.value_paths_only;
        if (locals.size() < static_cast<std::size_t>(p.locals)) locals.resize(static_cast<std::size_t>(p.locals));
    }

    Value value_path(const std::vector<std::string>& fields, const detail::Node& fallback, detail::Frame& f) override {
        if (paths_only && !have_value && event && event->value) {
            if (paths.state == PathReader::State::idle) paths.open(*event->value);
            if (paths.state == PathReader::State::ready)
                if (auto v = paths.read(fields)) return *v;
        }
        return fallback.eval(f);
    }

    Value event_var(detail::EventVar which) override {
        using detail::EventVar;
        switch (which) {
        case EventVar::value:
            if (!have_value) {
                have_value = true;
                simdjson::dom::element root;
                if (!event->value) value = Value();
                else if (value_decoder.decode(*event->value, root)) value = detail::from_element(root);
                else {
                    not_json = true;
                    value = Value::error_static("the event value is not JSON");
                }
            }
            return value;
        case EventVar::key:
            if (!have_key) {
                have_key = true;
                simdjson::dom::element root;
                if (!event->key) key = Value();
                else if (detail::may_be_json(*event->key) && key_decoder.decode(*event->key, root)) key = detail::from_element(root);
                else key = Value::string_view(*event->key);
            }
            return key;
        case EventVar::headers:
            if (!have_headers) {
                have_headers = true;
                ValueEntries entries;
                for (const auto& h : event->headers) {
                    Value v = h.value ? Value::string_view(*h.value) : Value();
                    bool replaced = false;
                    for (auto& [k, old] : entries) {
                        if (k.as_string() == h.name) {  // the last header of a name wins
                            old = v;
                            replaced = true;
                        }
                    }
                    if (!replaced) entries.emplace_back(Value::string_view(h.name), std::move(v));
                }
                headers = Value::map(std::move(entries));
            }
            return headers;
        case EventVar::topic: return Value::string_view(event->topic);
        case EventVar::partition: return Value::int64(event->partition);
        case EventVar::offset: return Value::int64(event->offset);
        case EventVar::timestamp: {
            std::int64_t s = event->timestamp_ms / 1000, ms = event->timestamp_ms % 1000;
            if (ms < 0) { ms += 1000; --s; }
            return Value::timestamp(s, static_cast<std::int32_t>(ms * 1000000));
        }
        }
        return Value();
    }
};

Evaluator::Evaluator() : state_(std::make_unique<State>()) {}
Evaluator::~Evaluator() = default;

Value Evaluator::eval(const Program& program, const Event& event, const Bindings* extra) {
    const auto& p = *program.impl_;
    state_->start(&event, p);
    detail::Frame f{state_.get(), extra, state_->locals.data()};
    return p.root->eval(f);
}

Value Evaluator::eval_more(const Program& program, const Bindings* extra) {
    const auto& p = *program.impl_;
    state_->again(p);
    detail::Frame f{state_.get(), extra, state_->locals.data()};
    return p.root->eval(f);
}

Outcome Evaluator::test(const Program& program, const Event& event, const Bindings* extra) {
    Value r = eval(program, event, extra);
    if (state_->not_json) return Outcome::not_json;
    if (r.kind() != Kind::boolean) return Outcome::error;
    return r.as_bool() ? Outcome::match : Outcome::no_match;
}

Value Evaluator::eval(const Program& program, const Bindings& bindings) {
    const auto& p = *program.impl_;
    state_->start(nullptr, p);
    detail::Frame f{nullptr, &bindings, state_->locals.data()};
    return p.root->eval(f);
}

std::optional<Value> Evaluator::parse_json(std::string_view json) {
    simdjson::dom::element root;
    if (!state_->scratch_decoder.decode(json, root)) return std::nullopt;
    return detail::from_element(root).detach();
}

}  // namespace meshctl::expr
