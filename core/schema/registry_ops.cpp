#include "core/schema/registry_ops.hpp"

#include "core/error.hpp"
#include "core/output/table.hpp"
#include "core/schema/registry.hpp"
#include "core/util/text.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

namespace meshctl::schema {

nlohmann::json SubjectList::to_json() const { return {{"registry", registry}, {"subjects", subjects}}; }

void SubjectList::to_text(std::ostream& out, const output::TextStyle&) const {
    for (const auto& s : subjects) out << s << "\n";
}

SubjectList list_subjects(const config::Settings& settings) {
    auto registry = open_registry(settings);
    SubjectList r;
    r.registry = registry.url();
    r.subjects = registry.subjects();
    return r;
}

nlohmann::json VersionList::to_json() const {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& v : versions) arr.push_back({{"version", v.version}, {"id", v.id}, {"type", v.type}});
    return {{"subject", subject}, {"versions", arr}};
}

void VersionList::to_text(std::ostream& out, const output::TextStyle& style) const {
    output::Table t({"version", "id", "type"});
    t.align_right(0);
    t.align_right(1);
    for (const auto& v : versions) t.add_row({std::to_string(v.version), std::to_string(v.id), v.type});
    t.render(out, style);
}

VersionList list_versions(const config::Settings& settings, const std::string& subject) {
    auto registry = open_registry(settings);
    VersionList r;
    r.subject = subject;
    for (int v : registry.versions(subject)) {
        auto sv = registry.version(subject, std::to_string(v));
        r.versions.push_back({sv.version, sv.id, sv.type});
    }
    return r;
}

namespace {

/// Parses a schema document keeping its key order, for people; nullopt when not JSON.
std::optional<nlohmann::ordered_json> ordered(const std::string& text) {
    auto j = nlohmann::ordered_json::parse(text, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

}  // namespace

nlohmann::json ShownSchema::to_json() const {
    nlohmann::json j = {{"stream", stream}, {"source", schema.source}, {"via", schema.via}, {"subject", schema.subject}};
    j["version"] = schema.version ? nlohmann::json(schema.version) : nlohmann::json();
    j["id"] = schema.id ? nlohmann::json(schema.id) : nlohmann::json();
    j["type"] = schema.type;
    if (schema.type == "PROTOBUF") j["schema"] = schema.text;
    else j["schema"] = nlohmann::json::parse(schema.text, nullptr, false);
    if (j["schema"].is_discarded()) j["schema"] = schema.text;
    j["json_schema"] = schema.json_schema;
    return j;
}

void ShownSchema::to_text(std::ostream& out, const output::TextStyle&) const {
    if (as_json_schema) {
        out << schema.json_schema.dump(2) << "\n";
    } else if (auto doc = ordered(schema.text); doc && schema.type != "PROTOBUF") {
        out << doc->dump(2) << "\n";
    } else {
        out << schema.text << (schema.text.empty() || schema.text.back() != '\n' ? "\n" : "");
    }
}

std::string ShownSchema::provenance() const {
    if (schema.source == "registry")
        return "registry subject " + schema.subject + " version " + std::to_string(schema.version) + " (id " +
               std::to_string(schema.id) + ", " + schema.type + "), found by " + schema.via;
    if (schema.source == "catalog") return "inline schema of " + schema.via;
    return "inferred: " + schema.via + "; no schema is declared";
}

ShownSchema show_schema(const config::Settings& settings, const kafka::ClientSettings& client, const ShowOptions& options) {
    ShownSchema r;
    r.stream = options.stream;
    r.as_json_schema = options.as_json_schema;
    const std::string& src = options.source;
    if (options.version != "latest" && !src.empty() && src != "registry")
        throw usage_error("--version applies to registry subjects only", "drop --source " + src + " or --version");
    std::optional<DeclaredSchema> found;
    if (src.empty() && options.version == "latest") found = find_declared_schema(settings, client, options.stream);
    else if (src.empty()) found = find_declared_schema_in(settings, client, options.stream, "registry", options.version);
    else if (src != "inferred") found = find_declared_schema_in(settings, client, options.stream, src, options.version);
    if (found) {
        r.schema = std::move(*found);
        return r;
    }
    if ((src.empty() && options.version == "latest") || src == "inferred") {
        if (!options.infer)
            throw not_found_error("no declared schema for \"" + options.stream + "\"",
                                  "run `meshctl schema infer " + options.stream + "` to see one drawn from its events");
        r.schema.source = "inferred";
        r.schema.subject = options.stream;
        r.schema.type = "JSON";
        r.schema.json_schema = options.infer();
        r.schema.text = r.schema.json_schema.dump();
        r.schema.via = "drawn from the events of \"" + options.stream + "\"";
        return r;
    }
    std::string where = src.empty() ? "in the schema registry" : src == "registry" ? "in the schema registry" : "in the catalog";
    throw not_found_error("no schema for \"" + options.stream + "\" " + where,
                          src == "catalog" ? "publish a descriptor with a schema: meshctl product publish FILE"
                                           : "list subjects with: meshctl schema list");
}

nlohmann::json CheckResult::to_json() const {
    return {{"stream", stream},        {"subject", subject},       {"via", via},
            {"file", file},            {"type", type},             {"compatibility_level", level},
            {"compatible", compatible}, {"messages", messages}};
}

void CheckResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    std::string against = "subject " + subject + (level.empty() ? "" : " (compatibility " + level + ")");
    if (compatible) out << output::green("compatible", style) << " with " << against << "\n";
    else out << output::red("NOT compatible", style) << " with " << against << "\n";
    for (const auto& m : messages) out << "  " << m << "\n";
}

std::string detect_schema_type(const std::filesystem::path& file, std::string_view text) {
    std::string ext = util::lower(file.extension().string());
    if (ext == ".avsc") return "AVRO";
    if (ext == ".proto") return "PROTOBUF";
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        return text.find("syntax") != std::string_view::npos && text.find("message") != std::string_view::npos ? "PROTOBUF"
                                                                                                                 : "";
    }
    if (j.is_array() || j.is_string()) return "AVRO";  // a union or a primitive name
    if (!j.is_object()) return "";
    if (j.contains("$schema") || j.contains("properties") || j.contains("$id")) return "JSON";
    if (j.contains("type") && j["type"].is_string()) {
        static const std::vector<std::string> avro = {"record", "enum", "fixed", "map", "error"};
        std::string t = j["type"].get<std::string>();
        for (const auto& a : avro)
            if (t == a) return "AVRO";
        // JSON Schema's items is a schema object; Avro's may be a bare type name.
        if (t == "array" && j.contains("items") && j["items"].is_string()) return "AVRO";
    }
    return "";
}

CheckResult check_schema(const config::Settings& settings, const kafka::ClientSettings& client, const CheckOptions& options) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) throw usage_error("cannot read schema file " + options.file.string(), "check the path given to --file");
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();

    auto registry = open_registry(settings);
    auto strategy = parse_subject_strategy(settings.subject_strategy, "subject-strategy in the context");
    CheckResult r;
    r.stream = options.stream;
    r.file = options.file.string();
    if (auto subject = find_subject(registry, strategy, options.stream, &r.via)) {
        r.subject = *subject;
    } else {
        auto declared = find_declared_schema_in(settings, client, options.stream, "registry");
        if (!declared) {
            std::string expected = value_subject(strategy, options.stream);
            throw not_found_error("no subject for \"" + options.stream + "\" in the schema registry at " + registry.url() +
                                      (expected.empty() ? "" : " (looked for \"" + expected + "\")") +
                                      util::did_you_mean(expected.empty() ? options.stream : expected, registry.subjects()),
                                  "a new subject has nothing to be compatible with; list subjects with: meshctl schema list");
        }
        r.subject = declared->subject;
        r.via = declared->via;
    }
    r.type = options.type;
    for (auto& c : r.type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (r.type.empty()) r.type = detect_schema_type(options.file, text);
    if (r.type.empty()) r.type = registry.version(r.subject, "latest").type;
    if (r.type != "AVRO" && r.type != "JSON" && r.type != "PROTOBUF")
        throw usage_error("--type " + options.type + ": expected avro, json or protobuf");
    auto c = registry.check_compatibility(r.subject, text, r.type);
    r.compatible = c.compatible;
    r.messages = c.messages;
    r.level = registry.compatibility_level(r.subject);
    return r;
}

}  // namespace meshctl::schema
