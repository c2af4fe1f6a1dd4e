#include "core/output/emit.hpp"

#include "core/error.hpp"

#include <yaml-cpp/yaml.h>

namespace meshctl::output {

Format parse_format(std::string_view name) {
    if (name == "text") return Format::text;
    if (name == "json") return Format::json;
    if (name == "jsonl") return Format::jsonl;
    if (name == "yaml") return Format::yaml;
    throw usage_error("unknown output format \"" + std::string(name) + "\"", "use one of: text, json, jsonl, yaml");
}

namespace {

void to_yaml(const nlohmann::json& v, YAML::Emitter& out) {
    switch (v.type()) {
        case nlohmann::json::value_t::object:
            out << YAML::BeginMap;
            for (auto it = v.begin(); it != v.end(); ++it) {
                out << YAML::Key << it.key() << YAML::Value;
                to_yaml(it.value(), out);
            }
            out << YAML::EndMap;
            break;
        case nlohmann::json::value_t::array:
            out << YAML::BeginSeq;
            for (const auto& e : v) to_yaml(e, out);
            out << YAML::EndSeq;
            break;
        case nlohmann::json::value_t::string: out << YAML::DoubleQuoted << v.get<std::string>(); break;
        case nlohmann::json::value_t::boolean: out << v.get<bool>(); break;
        case nlohmann::json::value_t::number_integer: out << v.get<long long>(); break;
        case nlohmann::json::value_t::number_unsigned: out << v.get<unsigned long long>(); break;
        case nlohmann::json::value_t::number_float: out << v.get<double>(); break;
        default: out << YAML::Null; break;
    }
}

}  // namespace

void write_yaml(const nlohmann::json& value, std::ostream& out) {
    YAML::Emitter e;
    to_yaml(value, e);
    out << e.c_str() << "\n";
}

void emit(const Result& result, Format format, std::ostream& out, const TextStyle& style) {
    switch (format) {
        case Format::text: result.to_text(out, style); break;
        case Format::json: out << result.to_json().dump(2) << "\n"; break;
        case Format::jsonl: {
            auto j = result.to_json();
            if (j.is_array())
                for (const auto& e : j) out << e.dump() << "\n";
            else
                out << j.dump() << "\n";
            break;
        }
        case Format::yaml: write_yaml(result.to_json(), out); break;
    }
    out.flush();
}

namespace {
std::string wrap(std::string_view s, const TextStyle& style, const char* code) {
    if (!style.color) return std::string(s);
    return std::string("\033[") + code + "m" + std::string(s) + "\033[0m";
}
}  // namespace

std::string bold(std::string_view s, const TextStyle& style) { return wrap(s, style, "1"); }
std::string dim(std::string_view s, const TextStyle& style) { return wrap(s, style, "2"); }
std::string green(std::string_view s, const TextStyle& style) { return wrap(s, style, "32"); }
std::string yellow(std::string_view s, const TextStyle& style) { return wrap(s, style, "33"); }
std::string red(std::string_view s, const TextStyle& style) { return wrap(s, style, "31"); }

}  // namespace meshctl::output
