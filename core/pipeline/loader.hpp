// Reading pipeline files. Every problem (malformed YAML, unknown key, wrong type, unknown
// source, bad expression) is a config_error starting with `file:line:column:`; nothing
// here touches the network, so `pipeline validate` runs anywhere.
#pragma once

#include "core/pipeline/spec.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::pipeline {

/// Sink types the loader accepts (open_sink_spec checks each type's own options).
const std::vector<std::string>& known_sink_types();

/// Parses and checks a pipeline from `text`; `file` names it in errors. Compiles every
/// expression against the names bound at its step. Throws config_error at the first problem.
PipelineSpec parse_pipeline(std::string_view text, const std::string& file);

/// Reads and checks a pipeline file; io_error when unreadable.
PipelineSpec load_pipeline(const std::filesystem::path& path);

/// The names bound before step `index` (join aliases), for compiling its expressions;
/// index == steps.size() gives the names sinks may use.
std::vector<std::string> bound_names(const PipelineSpec& spec, std::size_t index);

}  // namespace meshctl::pipeline
