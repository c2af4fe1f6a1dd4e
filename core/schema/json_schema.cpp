#include "core/schema/json_schema.hpp"

#include <map>
#include <set>
#include <stdexcept>

namespace meshctl::schema {

namespace {

using nlohmann::json;

const std::map<std::string, std::string, std::less<>> primitive_types = {
    {"null", "null"},     {"boolean", "boolean"}, {"int", "integer"}, {"long", "integer"},
    {"float", "number"},  {"double", "number"},   {"bytes", "string"}, {"string", "string"},
};

const std::map<std::string, std::string, std::less<>> logical_comments = {
    {"timestamp-millis", "Avro timestamp-millis: milliseconds since the Unix epoch, UTC"},
    {"timestamp-micros", "Avro timestamp-micros: microseconds since the Unix epoch, UTC"},
    {"local-timestamp-millis", "Avro local-timestamp-millis: milliseconds since the epoch, local time"},
    {"local-timestamp-micros", "Avro local-timestamp-micros: microseconds since the epoch, local time"},
    {"date", "Avro date: days since the Unix epoch"},
    {"time-millis", "Avro time-millis: milliseconds after midnight"},
    {"time-micros", "Avro time-micros: microseconds after midnight"},
};

class Converter {
public:
    json convert(const json& node, const std::string& ns) {
        if (node.is_string()) return named_or_primitive(node.get<std::string>(), ns);
        if (node.is_array()) return union_of(node, ns);
        if (!node.is_object() || !node.contains("type")) throw std::invalid_argument("not an Avro schema: " + node.dump().substr(0, 80));
        const json& type = node["type"];
        if (!type.is_string()) return convert(type, ns);
        const std::string t = type.get<std::string>();
        json out;
        if (t == "record" || t == "error") out = record(node, ns);
        else if (t == "enum") out = enumeration(node, ns);
        else if (t == "array") out = {{"type", "array"}, {"items", convert(required(node, "items"), ns)}};
        else if (t == "map") out = {{"type", "object"}, {"additionalProperties", convert(required(node, "values"), ns)}};
        else if (t == "fixed") out = fixed(node, ns);
        else out = named_or_primitive(t, ns);
        logical(node, out);
        return out;
    }

private:
    static const json& required(const json& node, const char* key) {
        if (!node.contains(key)) throw std::invalid_argument(std::string("Avro schema lacks \"") + key + "\"");
        return node[key];
    }

    /// The full name of a named type and the namespace its children inherit.
    static std::pair<std::string, std::string> full_name(const json& node, const std::string& ns) {
        std::string name = required(node, "name").get<std::string>();
        auto dot = name.rfind('.');
        if (dot != std::string::npos) return {name, name.substr(0, dot)};
        std::string space = node.contains("namespace") && node["namespace"].is_string() ? node["namespace"].get<std::string>() : ns;
        return {space.empty() ? name : space + "." + name, space};
    }

    json named_or_primitive(const std::string& name, const std::string& ns) {
        if (auto it = primitive_types.find(name); it != primitive_types.end()) return {{"type", it->second}};
        for (const std::string& candidate : {ns.empty() ? name : ns + "." + name, name}) {
            if (in_progress_.count(candidate))  // a recursive type: its shape is the enclosing one
                return {{"$comment", "recursive reference to " + candidate}};
            if (auto it = named_.find(candidate); it != named_.end()) return it->second;
        }
        throw std::invalid_argument("unknown Avro type \"" + name + "\"");
    }

    json record(const json& node, const std::string& ns) {
        auto [full, space] = full_name(node, ns);
        in_progress_.insert(full);
        json props = json::object();
        json req = json::array();
        for (const auto& f : required(node, "fields")) {
            std::string name = required(f, "name").get<std::string>();
            json p = convert(required(f, "type"), space);
            if (f.contains("doc") && f["doc"].is_string()) p["description"] = f["doc"];
            if (f.contains("default")) p["default"] = f["default"];
            else req.push_back(name);
            props[name] = std::move(p);
        }
        in_progress_.erase(full);
        json out = {{"type", "object"}, {"title", full}, {"properties", props}};
        if (!req.empty()) out["required"] = req;
        if (node.contains("doc") && node["doc"].is_string()) out["description"] = node["doc"];
        named_[full] = out;
        return out;
    }

    json enumeration(const json& node, const std::string& ns) {
        auto [full, space] = full_name(node, ns);
        json out = {{"type", "string"}, {"title", full}, {"enum", required(node, "symbols")}};
        named_[full] = out;
        return out;
    }

    json fixed(const json& node, const std::string& ns) {
        auto [full, space] = full_name(node, ns);
        json out = {{"type", "string"}, {"title", full}};
        if (node.contains("size") && node["size"].is_number_integer()) out["$comment"] = "Avro fixed of " + node["size"].dump() + " bytes";
        named_[full] = out;
        return out;
    }

    static void logical(const json& node, json& out) {
        if (!node.contains("logicalType") || !node["logicalType"].is_string()) return;
        std::string l = node["logicalType"].get<std::string>();
        if (l == "decimal") {
            out = {{"type", "number"}};
        } else if (l == "uuid") {
            out["format"] = "uuid";
        } else if (auto it = logical_comments.find(l); it != logical_comments.end()) {
            out["$comment"] = it->second;
        }
    }

    /// Unions: a null branch makes the rest nullable; one other branch keeps its shape.
    json union_of(const json& branches, const std::string& ns) {
        bool nullable = false;
        std::vector<json> others;
        for (const auto& b : branches) {
            json c = convert(b, ns);
            if (c.size() == 1 && c.contains("type") && c["type"] == "null") nullable = true;
            else others.push_back(std::move(c));
        }
        if (others.empty()) return {{"type", "null"}};
        if (others.size() == 1) {
            json out = std::move(others[0]);
            if (nullable) make_nullable(out);
            return out;
        }
        bool simple = true;
        for (const auto& o : others) simple = simple && o.size() == 1 && o.contains("type") && o["type"].is_string();
        if (simple) {
            json types = json::array();
            for (const auto& o : others) types.push_back(o["type"]);
            if (nullable) types.push_back("null");
            return {{"type", types}};
        }
        json any = json::array();
        for (auto& o : others) any.push_back(std::move(o));
        if (nullable) any.push_back({{"type", "null"}});
        return {{"anyOf", any}};
    }

    static void make_nullable(json& s) {
        if (!s.contains("type")) {
            // An open schema (a recursive reference) already admits null.
            if (s.contains("anyOf")) s["anyOf"].push_back({{"type", "null"}});
            return;
        }
        json& t = s["type"];
        if (t.is_string()) t = json::array({t, "null"});
        else if (t.is_array()) t.push_back("null");
        if (s.contains("enum") && s["enum"].is_array()) s["enum"].push_back(nullptr);
    }

    std::map<std::string, json> named_;
    std::set<std::string> in_progress_;
};

}  // namespace

nlohmann::json avro_to_json_schema(const nlohmann::json& avro) {
    try {
        json out = Converter().convert(avro, "");
        json doc = {{"$schema", json_schema_draft}};
        doc.update(out);
        return doc;
    } catch (const json::exception& e) {
        throw std::invalid_argument(std::string("malformed Avro schema: ") + e.what());
    }
}

nlohmann::json to_json_schema(std::string_view type, std::string_view text) {
    if (type == "PROTOBUF")
        return {{"$schema", json_schema_draft}, {"$comment", "converted from Protobuf: fields are not described"}};
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw std::invalid_argument(std::string(type) + " schema is not valid JSON");
    if (type == "JSON") return j;
    return avro_to_json_schema(j);
}

std::string avro_record_name(std::string_view text) {
    auto j = json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("type", json()) != "record" || !j.contains("name") || !j["name"].is_string()) return {};
    std::string name = j["name"].get<std::string>();
    if (name.find('.') != std::string::npos) return name;
    if (j.contains("namespace") && j["namespace"].is_string() && !j["namespace"].get<std::string>().empty())
        return j["namespace"].get<std::string>() + "." + name;
    return name;
}

}  // namespace meshctl::schema
