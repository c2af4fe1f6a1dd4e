// `backfill reset` and `backfill undo`: a dry run by default; with execute, refuse active
// and unknown groups, write the rollback files, and only then commit.
#pragma once

#include "core/backfill/cluster.hpp"
#include "core/backfill/plan.hpp"
#include "core/error.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::backfill {

/// Options of `backfill reset`.
struct ResetOptions {
    std::string group;
    std::vector<std::string> topics;  // T or T:0,1,2
    bool all_topics = false;
    std::string to;  // the target as typed
    bool execute = false;
    bool allow_new_group = false;
    std::optional<std::filesystem::path> export_path;    // write the plan as CSV (JSON when it ends in .json)
    std::optional<std::filesystem::path> rollback_file;  // default: a fresh file in default_rollback_dir()
    /// Told the rollback path as soon as it is written, before anything is committed.
    std::function<void(const std::string& csv, const std::string& json)> on_rollback_written;
};

/// Options of `backfill undo`.
struct UndoOptions {
    std::filesystem::path file;
    std::optional<std::string> group;  // needed for 3-column CSV files
    bool execute = false;
    bool allow_new_group = false;
    std::optional<std::filesystem::path> rollback_file;
    std::function<void(const std::string& csv, const std::string& json)> on_rollback_written;
};

/// Plans, and with execute commits, a reset. Throws check_failed (active members),
/// not_found_error (unknown group without allow_new_group, unknown topic), usage_error.
/// A partial commit is reported in the result's `failed`, not thrown.
ResetResult reset_offsets(Cluster& cluster, const ResetOptions& options, std::int64_t now_ms);

/// Restores the offsets of a rollback or exported file, with the same checks.
ResetResult undo_offsets(Cluster& cluster, const UndoOptions& options, std::int64_t now_ms);

/// The error to raise after emitting a result whose commit partly failed: names the
/// committed and the failed partitions and the rollback file.
Error partial_commit_error(const ResetResult& result);

}  // namespace meshctl::backfill
