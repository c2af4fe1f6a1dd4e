// Offset files: the rollback a reset writes before it commits, and plans exported with
// --export. CSV is `topic,partition,offset` per line, as kafka-consumer-groups --export
// writes and --from-file reads; the JSON twin also keeps the group and the partitions that
// had no committed offset (CSV cannot say "none"), so undo can restore those exactly.
#pragma once

#include "core/kafka/client.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace meshctl::backfill {

/// A set of offsets for one group.
struct OffsetsFile {
    std::string group;   // empty when the file did not say (3-column CSV)
    std::string reason;  // what the file was written for, e.g. "rollback of reset --to earliest"
    std::int64_t created_ms = 0;
    /// Offset per partition; nullopt = the group had no committed offset there.
    std::map<kafka::TopicPartition, std::optional<std::int64_t>> offsets;
};

/// Where rollback files go by default: $MESHCTL_STATE_DIR/backfill, else
/// $XDG_STATE_HOME/meshctl/backfill, else ~/.local/state/meshctl/backfill.
std::filesystem::path default_rollback_dir();

/// A fresh rollback path for `group` in `dir`: GROUP-20240501T100000.123Z.csv (name made file-safe).
std::filesystem::path rollback_path_for(const std::string& group, std::int64_t now_ms, const std::filesystem::path& dir);

/// Writes the Kafka-compatible CSV (partitions without an offset are left out). Throws io_error.
void write_csv(const OffsetsFile& file, const std::filesystem::path& path);

/// Writes the JSON form. Throws io_error.
void write_json(const OffsetsFile& file, const std::filesystem::path& path);

/// Reads a JSON or CSV offsets file (3 or 4 columns, the latter with the group first).
/// `group` picks one group out of a multi-group CSV and names the group for 3-column CSV.
/// Throws io_error when unreadable, usage_error with line numbers when malformed.
OffsetsFile read_offsets_file(const std::filesystem::path& path, const std::optional<std::string>& group);

}  // namespace meshctl::backfill
