#include "core/schema/diff.hpp"

#include "core/error.hpp"
#include "core/kafka/position.hpp"
#include "core/schema/diff_model.hpp"
#include "core/schema/registry.hpp"
#include "core/schema/source.hpp"
#include "core/util/time.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace meshctl::schema {

using namespace detail;
namespace ondemand = simdjson::ondemand;

namespace {

// Finding kinds in report order.
enum Kind : int { undecodable, missing_field, type_mismatch, unexpected_null, enum_violation, undeclared_field };

const char* kind_text(int k) {
    switch (k) {
        case undecodable: return "undecodable";
        case missing_field: return "missing_field";
        case type_mismatch: return "type_mismatch";
        case unexpected_null: return "unexpected_null";
        case enum_violation: return "enum_violation";
        case undeclared_field: return "undeclared_field";
    }
    return "?";
}

constexpr int max_depth = 64;
constexpr std::size_t max_observed = 20;  // distinct observed values kept per finding

JsonKind kind_of(ondemand::json_type t) {
    switch (t) {
        case ondemand::json_type::array: return k_array;
        case ondemand::json_type::object: return k_object;
        case ondemand::json_type::number: return k_number;
        case ondemand::json_type::string: return k_string;
        case ondemand::json_type::boolean: return k_boolean;
        case ondemand::json_type::null: return k_null;
    }
    return k_null;
}

bool admits(const Decl& d, JsonKind k, bool integral) {
    if (d.types & bit(k)) return true;
    return k == k_number && integral && (d.types & bit(k_integer));  // 2.0 is an integer to JSON Schema
}

std::string enum_text(const Decl& d) {
    std::vector<std::string> values(d.string_enum->begin(), d.string_enum->end());
    std::sort(values.begin(), values.end());
    std::string out = "one of ";
    for (std::size_t i = 0; i < values.size() && i < 10; ++i) out += (i ? ", " : "") + values[i];
    if (values.size() > 10) out += ", ...";
    if (values.empty()) out = "no string (empty enum)";
    return out;
}

std::string short_value(std::string_view s) {
    if (s.size() <= 60) return std::string(s);
    std::size_t cut = 60;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "…";
}

void bump(std::vector<std::pair<std::string, std::int64_t>>& observed, std::string label) {
    for (auto& [v, n] : observed)
        if (v == label) {
            ++n;
            return;
        }
    if (observed.size() >= max_observed) {
        label = "(other)";
        for (auto& [v, n] : observed)
            if (v == label) {
                ++n;
                return;
            }
    }
    observed.emplace_back(std::move(label), 1);
}

}  // namespace

struct Differ::Impl {
    // A violation seen while walking one event; findings are updated only when the whole
    // event parsed, so a document that breaks halfway counts once, as undecodable.
    struct Pending {
        Kind kind;
        const Decl* decl;
        std::string_view name;  // field name, or the offending string value
        JsonKind seen;
    };

    DiffOptions options;
    Decoder decoder;
    DeclModel model;
    ondemand::parser parser;
    std::string padded;
    std::vector<Pending> pending;
    std::vector<std::uint8_t> marks;  // required fields seen, a stack of one slice per open object
    std::map<std::pair<int, std::string>, Finding> findings;
    BadEvents bad;
    std::int64_t observed = 0, tombstones = 0, documents = 0;

    Impl(const nlohmann::json& declared, SchemaById by_id, DiffOptions o)
        : options(o), decoder(std::move(by_id)), model(compile_declared(declared)), bad(o.listed_bad) {}

    // Checks `v` against `d`; `complete` tells whether the value was read to its end.
    template <class V>
    simdjson::error_code check(V& v, const Decl& d, int depth, bool& complete) {
        complete = false;
        ondemand::json_type type;
        if (auto e = v.type().get(type)) return e;
        JsonKind k = kind_of(type);
        bool integral = false;
        if (type == ondemand::json_type::number) {
            ondemand::number num;
            if (auto e = v.get_number().get(num)) return e;
            complete = true;
            if (!num.is_double()) k = k_integer;
            else integral = std::floor(num.get_double()) == num.get_double();
        }
        if (!admits(d, k, integral)) {
            pending.push_back({k == k_null ? unexpected_null : type_mismatch, &d, {}, k});
            return simdjson::SUCCESS;
        }
        switch (type) {
            case ondemand::json_type::object: {
                if (depth >= max_depth) return simdjson::SUCCESS;
                ondemand::object obj;
                if (auto e = v.get_object().get(obj)) return e;
                const std::size_t base = marks.size();
                marks.resize(base + d.required.size(), 0);
                for (auto field : obj) {
                    std::string_view key;
                    if (auto e = field.unescaped_key().get(key)) return e;
                    const Decl* target = nullptr;
                    if (auto it = d.properties.find(key); it != d.properties.end()) {
                        if (it->second.required >= 0) marks[base + static_cast<std::size_t>(it->second.required)] = 1;
                        target = it->second.decl;
                    } else if (d.additional) {
                        target = d.additional;
                    }
                    ondemand::value value;
                    if (auto e = field.value().get(value)) return e;
                    bool inner = false;
                    if (target) {
                        if (auto e = check(value, *target, depth + 1, inner)) return e;
                    } else if (d.report_undeclared) {
                        ondemand::json_type vt;
                        if (auto e = value.type().get(vt)) return e;
                        pending.push_back({undeclared_field, &d, key, kind_of(vt)});
                    }
                }
                for (std::size_t i = 0; i < d.required.size(); ++i)
                    if (!marks[base + i]) pending.push_back({missing_field, &d, d.required[i], k_null});
                marks.resize(base);
                complete = true;
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::array: {
                if (!d.items || depth >= max_depth) return simdjson::SUCCESS;
                ondemand::array arr;
                if (auto e = v.get_array().get(arr)) return e;
                for (auto element : arr) {
                    ondemand::value value;
                    if (auto e = element.get(value)) return e;
                    bool inner = false;
                    if (auto e = check(value, *d.items, depth + 1, inner)) return e;
                }
                complete = true;
                return simdjson::SUCCESS;
            }
            case ondemand::json_type::string: {
                if (!d.string_enum) return simdjson::SUCCESS;
                std::string_view s;
                if (auto e = v.get_string().get(s)) return e;
                complete = true;
                if (!d.string_enum->count(s)) pending.push_back({enum_violation, &d, s, k_string});
                return simdjson::SUCCESS;
            }
            default: return simdjson::SUCCESS;
        }
    }

    void commit(const Location& at) {
        for (const Pending& p : pending) {
            const Decl& d = *p.decl;
            bool named = p.kind == missing_field || p.kind == undeclared_field;
            std::pair<int, std::string> key{p.kind, named ? join_path(d.path, p.name) : d.path};
            Finding& f = findings[key];
            if (f.count == 0) {
                f.kind = kind_text(p.kind);
                f.path = key.second;
                f.expected = p.kind == missing_field      ? "required"
                             : p.kind == undeclared_field ? "not declared"
                             : p.kind == enum_violation   ? enum_text(d)
                                                          : types_text(d.types);
            }
            ++f.count;
            if (p.kind == enum_violation) bump(f.observed, short_value(p.name));
            else if (p.kind != missing_field) bump(f.observed, kind_name(p.seen));
            bool repeat = !f.examples.empty() && f.examples.back().partition == at.partition && f.examples.back().offset == at.offset;
            if (!repeat && f.examples.size() < options.max_violations) f.examples.push_back(at);
        }
    }

    void add_json(const Location& at, std::string_view json) {
        if (padded.size() < json.size() + simdjson::SIMDJSON_PADDING) padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(padded.data(), json.data(), json.size());
        pending.clear();
        marks.clear();
        ondemand::document doc;
        bool complete = false;
        auto err = parser.iterate(padded.data(), json.size(), padded.size()).get(doc);
        if (!err) err = check(doc, *model.root, 0, complete);
        // Trailing text is only detectable once the root value was read to its end.
        const char* rest = nullptr;
        if (!err && complete && !doc.current_location().get(rest)) err = simdjson::TRAILING_CONTENT;
        if (err) {
            bad.add(at, "not_json", std::string("not JSON: ") + simdjson::error_message(err));
            return;
        }
        ++documents;
        commit(at);
    }
};

Differ::Differ(const nlohmann::json& declared, SchemaById by_id, DiffOptions options)
    : impl_(std::make_unique<Impl>(declared, std::move(by_id), options)) {}
Differ::~Differ() = default;

void Differ::add(const RecordView& record) {
    ++impl_->observed;
    if (!record.value) {
        ++impl_->tombstones;
        return;
    }
    if (auto json = decode_value(impl_->decoder, record, impl_->bad)) impl_->add_json(record.at, *json);
}

void Differ::add_json(const Location& at, std::string_view json) {
    ++impl_->observed;
    impl_->add_json(at, json);
}

DriftReport Differ::result() const {
    DriftReport r;
    r.observed = impl_->observed;
    r.tombstones = impl_->tombstones;
    r.decoded = impl_->documents;
    r.bad = impl_->bad;
    if (r.bad.total()) {
        Finding f;
        f.kind = kind_text(undecodable);
        f.count = r.bad.total();
        f.expected = "JSON";
        for (const auto& [reason, n] : r.bad.counts()) f.observed.emplace_back(reason, n);
        for (const auto& e : r.bad.listed())
            if (f.examples.size() < impl_->options.max_violations) f.examples.push_back(e.at);
        r.findings.push_back(std::move(f));
    }
    for (const auto& [key, f] : impl_->findings) r.findings.push_back(f);
    for (auto& f : r.findings)
        std::stable_sort(f.observed.begin(), f.observed.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return r;
}

DriftReport diff_stream(const config::Settings& settings, const ObserveOptions& options, const DiffOptions& diff) {
    // What the user typed is checked before the first network call.
    if (options.samples < 1) throw usage_error("--samples must be at least 1");
    if (options.from) kafka::parse_position(*options.from, "--from", util::now_ms());
    auto client = kafka::ClientSettings::from(settings);
    auto declared = find_declared_schema(settings, client, options.stream);
    if (!declared)
        throw not_found_error("no declared schema for \"" + options.stream + "\": neither the schema registry nor the catalog has one",
                              "publish a data product whose descriptor has schema.inline or schema.subject (meshctl product "
                              "publish), or register the topic's subject; 'meshctl schema infer " +
                                  options.stream + " -o json' drafts one from the events");
    Differ differ(declared->json_schema, registry_lookup(settings), diff);
    auto stats = observe(options, client, [&differ](const RecordView& r) { differ.add(r); });
    DriftReport report = differ.result();
    report.stream = options.stream;
    report.topic = stats.topic;
    report.partitions = stats.partitions;
    report.requested = options.samples;
    report.interrupted = stats.interrupted;
    report.declared = {declared->source, declared->subject, declared->version, declared->id, declared->type, declared->via};
    return report;
}

}  // namespace meshctl::schema
