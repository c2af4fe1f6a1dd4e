// Writing and checking JSON text without a DOM: the record formats of sample and the
// JSON-lines sinks share these.
#pragma once

#include <string>
#include <string_view>

namespace meshctl::util {

/// Appends `s` as a JSON string literal (escaped; invalid UTF-8 bytes as \u00XX).
void append_json_string(std::string_view s, std::string& out);

/// True when `s` is one valid JSON document.
bool is_json(std::string_view s);

}  // namespace meshctl::util
