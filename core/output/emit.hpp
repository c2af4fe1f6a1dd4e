// Results and how they reach stdout. Operations return a Result; cmd/ calls emit() once
// with the format the user chose, so every command speaks text, json, jsonl and yaml alike.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace meshctl::output {

/// The output formats of `-o`.
enum class Format { text, json, jsonl, yaml };

/// Parses `text|json|jsonl|yaml`; throws usage_error otherwise.
Format parse_format(std::string_view name);

/// How text output may look on this terminal.
struct TextStyle {
    int width = 100;     // columns available; tables shrink their widest cells to fit
    bool color = false;  // ANSI colour allowed (only on a TTY, never with NO_COLOR)
};

/// Something an operation produced. Its JSON form is the stable, documented contract
/// (snake_case keys); the text form is for people.
class Result {
public:
    virtual ~Result() = default;
    /// The machine form; arrays become one line per element in jsonl.
    virtual nlohmann::json to_json() const = 0;
    /// The human form.
    virtual void to_text(std::ostream& out, const TextStyle& style) const = 0;
};

/// Writes `result` to `out` in `format`.
void emit(const Result& result, Format format, std::ostream& out, const TextStyle& style);

/// Writes JSON as YAML (block style, keys in JSON order).
void write_yaml(const nlohmann::json& value, std::ostream& out);

/// ANSI helpers that return the text unchanged when colour is off.
std::string bold(std::string_view s, const TextStyle& style);
std::string dim(std::string_view s, const TextStyle& style);
std::string green(std::string_view s, const TextStyle& style);
std::string yellow(std::string_view s, const TextStyle& style);
std::string red(std::string_view s, const TextStyle& style);

}  // namespace meshctl::output
