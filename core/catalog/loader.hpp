// Reading descriptors from YAML files. Every problem (malformed YAML, unknown key, wrong
// type, bad value) is a config_error that starts with `file:line:column:`.
#pragma once

#include "core/catalog/descriptor.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::catalog {

/// Parses one or more `---`-separated descriptors from `text`; `source` names the file
/// in errors. Throws config_error at the first problem.
std::vector<Descriptor> parse_descriptors(std::string_view text, const std::string& source);

/// Reads a descriptor file; throws config_error (bad content) or io_error (unreadable).
std::vector<Descriptor> load_descriptor_file(const std::filesystem::path& path);

/// Loads every file and checks names are unique across them. Throws one config_error
/// listing the problem of every bad file, so nothing is half-published.
std::vector<Descriptor> load_descriptor_files(const std::vector<std::filesystem::path>& paths);

}  // namespace meshctl::catalog
