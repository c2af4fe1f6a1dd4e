#include "core/catalog/loader.hpp"

#include "core/error.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <simdjson.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace meshctl::catalog {

namespace {

const std::vector<std::string> known_keys = {"name", "domain", "owner", "description", "topic", "key", "kind",
                                             "schema", "tags", "classification", "history", "history_window",
                                             "freshness_sla", "examples"};

// Counts documents without building them (see count_documents).
struct DocumentCounter : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// yaml-cpp 0.7 never stops yielding documents for some malformed flow text (`{"a":1},"b":2}`),
// so YAML::LoadAll would loop forever. Every real document takes at least one line: count
// them first, and refuse a stream that yields more than the text has lines.
void check_document_count(std::string_view text, const std::string& source) {
    std::stringstream in{std::string(text)};
    YAML::Parser parser(in);
    DocumentCounter counter;
    std::size_t limit = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 2, docs = 0;
    while (parser.HandleNextDocument(counter))
        if (++docs > limit) throw config_error(source + ": malformed YAML: the parser does not advance (unbalanced brackets?)");
}

// Carries the file name so each check can point at the offending node.
struct Reader {
    const std::string& source;

    std::string where(const YAML::Node& node) const {
        const auto& m = node.Mark();
        if (m.is_null()) return source;
        return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    }
    [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
        throw config_error(where(node) + ": " + what, "see meshctl-product(5) for the descriptor format");
    }
    std::string text(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, "\"" + key + "\" must be a string, not " + shape(node));
        return utf8(node);
    }
    // Descriptors are published as JSON, which only holds UTF-8: refuse other bytes here,
    // with their place, rather than fail when publishing.
    const std::string& utf8(const YAML::Node& node) const {
        if (!simdjson::validate_utf8(node.Scalar().data(), node.Scalar().size())) fail(node, "text is not valid UTF-8 (save the file as UTF-8)");
        return node.Scalar();
    }
    std::string nonempty(const YAML::Node& node, const std::string& key) const {
        std::string v = text(node, key);
        if (util::trim(v).empty()) fail(node, "\"" + key + "\" must not be empty");
        return v;
    }
    std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
        if (!node.IsSequence()) fail(node, "\"" + key + "\" must be a list of strings, not " + shape(node));
        std::vector<std::string> out;
        for (const auto& e : node) out.push_back(nonempty(e, key + " entry"));
        return out;
    }
    void mapping(const YAML::Node& node, const std::string& key) const {
        if (!node.IsMap()) fail(node, "\"" + key + "\" must be a mapping, not " + shape(node));
    }
    std::string duration(const YAML::Node& node, const std::string& key) const {
        std::string v = nonempty(node, key);
        if (!util::try_parse_duration(v)) fail(node, "\"" + key + "\": \"" + v + "\" is not a duration (write 30s, 5m, 1h, 7d)");
        return v;
    }
    static std::string shape(const YAML::Node& node) {
        if (node.IsMap()) return "a mapping";
        if (node.IsSequence()) return "a list";
        if (node.IsNull()) return "empty";
        return "\"" + node.Scalar() + "\"";
    }
    [[noreturn]] void unknown(const YAML::Node& key_node, const std::string& key, const std::string& in,
                              const std::vector<std::string>& allowed) const {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        std::string hint = util::did_you_mean(key, allowed);
        fail(key_node, "unknown key \"" + key + "\" in " + in + (hint.empty() ? " (expected one of: " + list + ")" : hint));
    }
};

// Plain YAML scalars become JSON numbers, booleans and null; quoted ones stay strings.
nlohmann::ordered_json to_json_value(const Reader& r, const YAML::Node& node) {
    if (node.IsMap()) {
        nlohmann::ordered_json j = nlohmann::ordered_json::object();
        for (const auto& kv : node) j[r.text(kv.first, "key")] = to_json_value(r, kv.second);
        return j;
    }
    if (node.IsSequence()) {
        nlohmann::ordered_json j = nlohmann::ordered_json::array();
        for (const auto& e : node) j.push_back(to_json_value(r, e));
        return j;
    }
    if (node.IsNull()) return nullptr;
    const std::string& s = r.utf8(node);
    if (node.Tag() == "!") return s;
    if (s == "true" || s == "false") return s == "true";
    if (s == "null" || s == "~") return nullptr;
    long long i;
    if (util::parse_int64(s, i)) return i;
    try {
        std::size_t pos = 0;
        double d = std::stod(s, &pos);
        // JSON has no NaN or infinity: such text stays a string rather than turning into null.
        if (pos == s.size() && std::isfinite(d)) return d;
    } catch (const std::exception&) {
    }
    return s;
}

void read_schema(const Reader& r, const YAML::Node& node, Descriptor& d) {
    r.mapping(node, "schema");
    const YAML::Node* chosen = nullptr;
    for (const auto& kv : node) {
        std::string key = r.text(kv.first, "key");
        if (key == "inline") {
            if (kv.second.IsScalar()) {
                auto j = nlohmann::ordered_json::parse(kv.second.Scalar(), nullptr, false);
                if (j.is_discarded() || !j.is_object()) r.fail(kv.second, "\"schema.inline\" must be a JSON Schema object");
                d.schema.inline_schema = j;
            } else {
                r.mapping(kv.second, "schema.inline");
                d.schema.inline_schema = to_json_value(r, kv.second);
            }
            d.schema.source = SchemaRef::Source::inline_schema;
        } else if (key == "subject") {
            d.schema.subject = r.nonempty(kv.second, "schema.subject");
            d.schema.source = SchemaRef::Source::registry;
        } else {
            r.unknown(kv.first, key, "schema", {"inline", "subject"});
        }
        if (chosen) r.fail(kv.first, "\"schema\" takes either \"inline\" or \"subject\", not both");
        chosen = &kv.first;
    }
    if (!chosen) r.fail(node, "\"schema\" needs \"inline\" (a JSON Schema) or \"subject\" (a registry subject)");
    if (d.schema.source == SchemaRef::Source::inline_schema) {
        const auto& s = d.schema.inline_schema;
        if (s.contains("properties") && !s.at("properties").is_object())
            r.fail(node, "\"schema.inline.properties\" must be a mapping of field names to schemas");
    }
}

Descriptor read_descriptor(const Reader& r, const YAML::Node& root) {
    if (!root.IsMap()) r.fail(root, "a descriptor must be a mapping with name, domain, owner, description and kind");
    Descriptor d;
    d.origin = r.where(root);
    std::map<std::string, YAML::Node> seen;
    for (const auto& kv : root) {
        std::string key = r.text(kv.first, "key");
        if (seen.count(key)) r.fail(kv.first, "duplicate key \"" + key + "\"");
        seen[key] = kv.first;
        const YAML::Node& v = kv.second;
        if (key == "name") {
            d.name = r.nonempty(v, key);
            for (char c : d.name)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
                    r.fail(v, "\"name\" may hold only letters, digits, '.', '_' and '-' (got \"" + d.name + "\")");
        } else if (key == "domain") d.domain = r.nonempty(v, key);
        else if (key == "description") d.description = r.nonempty(v, key);
        else if (key == "topic") d.topic = r.nonempty(v, key);
        else if (key == "key") d.key = r.nonempty(v, key);
        else if (key == "kind") {
            auto k = parse_kind(r.text(v, key));
            if (!k) r.fail(v, "\"kind\" must be events, table or both (got \"" + v.Scalar() + "\")");
            d.kind = *k;
        } else if (key == "owner") {
            r.mapping(v, key);
            for (const auto& o : v) {
                std::string ok = r.text(o.first, "key");
                if (ok == "team") d.owner.team = r.nonempty(o.second, "owner.team");
                else if (ok == "contact") d.owner.contact = r.nonempty(o.second, "owner.contact");
                else r.unknown(o.first, ok, "owner", {"team", "contact"});
            }
            if (d.owner.team.empty()) r.fail(v, "\"owner\" needs a \"team\"");
        } else if (key == "schema") read_schema(r, v, d);
        else if (key == "tags") d.tags = r.strings(v, key);
        else if (key == "classification") {
            r.mapping(v, key);
            for (const auto& c : v) {
                std::string ck = r.text(c.first, "key");
                if (ck == "level") {
                    d.classification.level = r.nonempty(c.second, "classification.level");
                    static const std::vector<std::string> levels = {"public", "internal", "confidential", "restricted"};
                    if (std::find(levels.begin(), levels.end(), d.classification.level) == levels.end())
                        r.fail(c.second, "\"classification.level\" must be public, internal, confidential or restricted");
                } else if (ck == "pii") d.classification.pii = r.strings(c.second, "classification.pii");
                else r.unknown(c.first, ck, "classification", {"level", "pii"});
            }
        } else if (key == "history") {
            auto h = parse_history(r.text(v, key));
            if (!h) r.fail(v, "\"history\" must be full, compacted or window (got \"" + v.Scalar() + "\")");
            d.history = *h;
        } else if (key == "history_window") d.history_window = r.duration(v, key);
        else if (key == "freshness_sla") d.freshness_sla = r.duration(v, key);
        else if (key == "examples") {
            if (!v.IsSequence()) r.fail(v, "\"examples\" must be a list of {description, query}, not " + Reader::shape(v));
            for (const auto& e : v) {
                r.mapping(e, "examples entry");
                Example ex;
                for (const auto& f : e) {
                    std::string fk = r.text(f.first, "key");
                    if (fk == "description") ex.description = r.nonempty(f.second, "examples.description");
                    else if (fk == "query") ex.query = r.nonempty(f.second, "examples.query");
                    else r.unknown(f.first, fk, "examples entry", {"description", "query"});
                }
                if (ex.query.empty()) r.fail(e, "an example needs a \"query\"");
                d.examples.push_back(std::move(ex));
            }
        } else {
            r.unknown(kv.first, key, "descriptor", known_keys);
        }
    }
    for (const char* required : {"name", "domain", "owner", "description", "kind"})
        if (!seen.count(required)) r.fail(root, "missing required key \"" + std::string(required) + "\"");
    if (d.topic.empty()) d.topic = d.name;
    if (d.history == HistoryMode::window && d.history_window.empty())
        r.fail(seen.count("history") ? seen["history"] : root, "\"history: window\" needs \"history_window\" (e.g. 7d)");
    if (d.history != HistoryMode::window && !d.history_window.empty())
        r.fail(seen["history_window"], "\"history_window\" applies only with \"history: window\"");
    return d;
}

}  // namespace

std::vector<Descriptor> parse_descriptors(std::string_view text, const std::string& source) {
    std::vector<YAML::Node> docs;
    try {
        check_document_count(text, source);
        docs = YAML::LoadAll(std::string(text));
    } catch (const YAML::ParserException& e) {
        throw config_error(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                           ": malformed YAML: " + e.msg);
    }
    Reader r{source};
    std::vector<Descriptor> out;
    for (const auto& doc : docs) {
        if (doc.IsNull()) continue;  // an empty document between `---` separators
        out.push_back(read_descriptor(r, doc));
    }
    if (out.empty()) throw config_error(source + ": no descriptor in the file", "see meshctl-product(5) for the format");
    return out;
}

std::vector<Descriptor> load_descriptor_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw io_error("cannot read descriptor file " + path.string(), "check that it exists and is readable");
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_descriptors(buf.str(), path.string());
}

std::vector<Descriptor> load_descriptor_files(const std::vector<std::filesystem::path>& paths) {
    std::vector<Descriptor> all;
    std::string problems;
    int bad = 0;
    std::map<std::string, std::string> origin_of;
    for (const auto& p : paths) {
        try {
            for (auto& d : load_descriptor_file(p)) {
                if (auto it = origin_of.find(d.name); it != origin_of.end()) {
                    problems += (problems.empty() ? "" : "\n") + d.origin + ": product \"" + d.name +
                                "\" is also defined at " + it->second;
                    ++bad;
                    continue;
                }
                origin_of[d.name] = d.origin;
                all.push_back(std::move(d));
            }
        } catch (const Error& e) {
            problems += (problems.empty() ? "" : "\n") + std::string(e.what());
            ++bad;
        }
    }
    if (bad == 1) throw config_error(problems, "nothing was published; fix the file and run again");
    if (bad > 1) throw config_error(std::to_string(bad) + " problems in descriptor files:\n" + problems,
                                    "nothing was published; fix the files and run again");
    return all;
}

}  // namespace meshctl::catalog
