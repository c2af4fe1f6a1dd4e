#include "core/catalog/descriptor.hpp"

#include "core/util/time.hpp"

#include <stdexcept>

namespace meshctl::catalog {

std::string to_string(Kind kind) {
    switch (kind) {
        case Kind::events: return "events";
        case Kind::table: return "table";
        case Kind::both: return "both";
    }
    return "events";
}

std::string to_string(HistoryMode mode) {
    switch (mode) {
        case HistoryMode::full: return "full";
        case HistoryMode::compacted: return "compacted";
        case HistoryMode::window: return "window";
        case HistoryMode::unspecified: return "";
    }
    return "";
}

std::optional<Kind> parse_kind(std::string_view text) {
    if (text == "events") return Kind::events;
    if (text == "table") return Kind::table;
    if (text == "both") return Kind::both;
    return std::nullopt;
}

std::optional<HistoryMode> parse_history(std::string_view text) {
    if (text == "full") return HistoryMode::full;
    if (text == "compacted") return HistoryMode::compacted;
    if (text == "window") return HistoryMode::window;
    return std::nullopt;
}

std::string schema_source_label(const SchemaRef& schema) {
    switch (schema.source) {
        case SchemaRef::Source::inline_schema: return "inline";
        case SchemaRef::Source::registry: return "registry:" + schema.subject;
        case SchemaRef::Source::none: return "none";
    }
    return "none";
}

nlohmann::ordered_json to_json(const Descriptor& d) {
    nlohmann::ordered_json schema;
    switch (d.schema.source) {
        case SchemaRef::Source::inline_schema: schema = {{"source", "inline"}, {"inline", d.schema.inline_schema}}; break;
        case SchemaRef::Source::registry: schema = {{"source", "registry"}, {"subject", d.schema.subject}}; break;
        case SchemaRef::Source::none: schema = {{"source", "none"}}; break;
    }
    nlohmann::ordered_json examples = nlohmann::ordered_json::array();
    for (const auto& e : d.examples) examples.push_back({{"description", e.description}, {"query", e.query}});
    nlohmann::ordered_json j;
    j["name"] = d.name;
    j["domain"] = d.domain;
    j["owner"] = {{"team", d.owner.team}, {"contact", d.owner.contact}};
    j["description"] = d.description;
    j["topic"] = d.topic;
    j["key"] = d.key;
    j["kind"] = to_string(d.kind);
    j["schema"] = schema;
    j["tags"] = d.tags;
    j["classification"] = {{"level", d.classification.level}, {"pii", d.classification.pii}};
    j["history"] = d.history == HistoryMode::unspecified ? nlohmann::ordered_json() : nlohmann::ordered_json(to_string(d.history));
    j["history_window"] = d.history_window;
    j["freshness_sla"] = d.freshness_sla;
    j["examples"] = examples;
    return j;
}

namespace {

std::string opt_string(const nlohmann::ordered_json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) return {};
    return j.at(key).get<std::string>();
}

}  // namespace

Descriptor from_json(const nlohmann::ordered_json& j) {
    if (!j.is_object()) throw std::invalid_argument("descriptor is not a JSON object");
    Descriptor d;
    d.name = j.at("name").get<std::string>();
    if (d.name.empty()) throw std::invalid_argument("descriptor has an empty name");
    d.domain = opt_string(j, "domain");
    if (j.contains("owner") && j.at("owner").is_object()) {
        d.owner.team = opt_string(j.at("owner"), "team");
        d.owner.contact = opt_string(j.at("owner"), "contact");
    }
    d.description = opt_string(j, "description");
    d.topic = opt_string(j, "topic");
    if (d.topic.empty()) d.topic = d.name;
    d.key = opt_string(j, "key");
    auto kind = parse_kind(opt_string(j, "kind"));
    if (!kind) throw std::invalid_argument("descriptor \"" + d.name + "\" has an unknown kind");
    d.kind = *kind;
    if (j.contains("schema") && j.at("schema").is_object()) {
        const auto& s = j.at("schema");
        std::string src = opt_string(s, "source");
        if (src == "inline") {
            d.schema.source = SchemaRef::Source::inline_schema;
            d.schema.inline_schema = s.at("inline");
        } else if (src == "registry") {
            d.schema.source = SchemaRef::Source::registry;
            d.schema.subject = s.at("subject").get<std::string>();
        }
    }
    if (j.contains("tags")) d.tags = j.at("tags").get<std::vector<std::string>>();
    if (j.contains("classification") && j.at("classification").is_object()) {
        d.classification.level = opt_string(j.at("classification"), "level");
        if (j.at("classification").contains("pii"))
            d.classification.pii = j.at("classification").at("pii").get<std::vector<std::string>>();
    }
    if (auto h = parse_history(opt_string(j, "history"))) d.history = *h;
    d.history_window = opt_string(j, "history_window");
    d.freshness_sla = opt_string(j, "freshness_sla");
    if (j.contains("examples"))
        for (const auto& e : j.at("examples")) d.examples.push_back({opt_string(e, "description"), opt_string(e, "query")});
    return d;
}

namespace {

std::string type_text(const nlohmann::ordered_json& node) {
    if (!node.is_object() || !node.contains("type")) return node.is_object() && node.contains("$ref") ? "ref" : "any";
    const auto& t = node.at("type");
    if (t.is_string()) return t.get<std::string>();
    std::string out;
    if (t.is_array())
        for (const auto& e : t)
            if (e.is_string()) out += (out.empty() ? "" : "|") + e.get<std::string>();
    return out.empty() ? "any" : out;
}

void collect_fields(const nlohmann::ordered_json& node, const std::string& prefix, std::vector<std::string>& out, int depth) {
    if (!node.is_object() || depth > 16) return;  // bounded: schemas may be self-similar
    if (node.contains("properties") && node.at("properties").is_object()) {
        for (auto it = node.at("properties").begin(); it != node.at("properties").end(); ++it) {
            std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
            out.push_back(path);
            collect_fields(it.value(), path, out, depth + 1);
        }
    }
    if (node.contains("items")) collect_fields(node.at("items"), prefix, out, depth + 1);
}

}  // namespace

std::vector<std::string> schema_fields(const Descriptor& d) {
    std::vector<std::string> out;
    if (d.schema.source == SchemaRef::Source::inline_schema) collect_fields(d.schema.inline_schema, "", out, 0);
    return out;
}

std::vector<std::string> json_schema_fields(const nlohmann::ordered_json& schema) {
    std::vector<std::string> out;
    collect_fields(schema, "", out, 0);
    return out;
}

std::vector<std::pair<std::string, std::string>> schema_summary(const Descriptor& d) {
    std::vector<std::pair<std::string, std::string>> out;
    if (d.schema.source != SchemaRef::Source::inline_schema) return out;
    const auto& s = d.schema.inline_schema;
    if (!s.is_object() || !s.contains("properties") || !s.at("properties").is_object()) return out;
    for (auto it = s.at("properties").begin(); it != s.at("properties").end(); ++it) out.emplace_back(it.key(), type_text(it.value()));
    return out;
}

std::string encode_record(const Descriptor& d, std::int64_t published_ms) {
    nlohmann::ordered_json j;
    j["format_version"] = catalog_format_version;
    j["published_at"] = util::format_iso8601_ms(published_ms);
    j["descriptor"] = to_json(d);
    return j.dump();
}

CatalogRecord decode_record(std::string_view value) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(value, nullptr, false);
    if (j.is_discarded()) throw std::invalid_argument("value is not JSON");
    if (!j.is_object() || !j.contains("format_version") || !j.at("format_version").is_number_integer())
        throw std::invalid_argument("value has no format_version");
    int version = j.at("format_version").get<int>();
    if (version != catalog_format_version)
        throw std::invalid_argument("unknown format_version " + std::to_string(version) + " (this meshctl reads " +
                                    std::to_string(catalog_format_version) + "; upgrade meshctl)");
    CatalogRecord r;
    try {
        r.descriptor = from_json(j.at("descriptor"));
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(std::string("malformed descriptor: ") + e.what());
    }
    if (j.contains("published_at") && j.at("published_at").is_string())
        r.published_ms = util::parse_iso8601_ms(j.at("published_at").get<std::string>()).value_or(0);
    return r;
}

}  // namespace meshctl::catalog
