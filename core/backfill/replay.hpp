// `backfill replay`: a bounded window of a stream into a sink, resumable from a checkpoint
// (a consumer group's offsets or a file), committing only what the sink has flushed.
#pragma once

#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace meshctl::backfill {

/// Options of `backfill replay`.
struct ReplayOptions {
    std::string stream;
    std::string sink;             // -, file:PATH, kafka:TOPIC
    std::string from;             // empty = beginning
    std::string until;            // empty = the end when the replay starts
    std::optional<std::string> where;
    std::optional<std::string> group;                      // checkpoint in this group's offsets
    std::optional<std::filesystem::path> checkpoint_file;  // or in this file
    std::vector<int> partitions;                           // empty = all
    std::optional<std::string> dead_letter;                // sink URL for rejected and unreadable records
    std::chrono::milliseconds commit_interval{2000};       // flush + checkpoint at most this often
};

/// The machine-readable end of a replay.
class ReplaySummary : public output::Result {
public:
    std::string stream, sink, checkpoint;  // checkpoint: "group NAME", "file PATH" or "none"
    std::string status;                    // completed, completed_with_dead_letters, interrupted
    std::string dead_letter;               // dead-letter sink URL, empty when none
    bool resumed = false;
    std::uint64_t records_read = 0, records_written = 0, records_filtered = 0, records_unreadable = 0, records_rejected = 0;
    std::uint64_t records_dead_lettered = 0;  // unreadable + rejected records written to the dead-letter sink
    std::string first_problem;                // origin and reason of the first unreadable or rejected record
    std::int64_t records_planned = 0;  // sum over partitions of end - start
    std::size_t partitions = 0;
    std::int64_t duration_ms = 0;
    int interrupted_by = 0;  // SIGINT / SIGTERM, 0 when not interrupted
    std::map<int, std::pair<std::int64_t, std::int64_t>> ranges;  // partition -> [start, end)
    std::map<int, std::int64_t> committed;                        // partition -> next offset checkpointed
    nlohmann::json to_json() const override;
    /// One line of key=value pairs, for logs and cron mail.
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Runs the replay; `stdout_stream` receives records for the `-` sink. Throws
/// not_found_error (stream), usage_error (positions, --where), remote/io errors (sink, broker);
/// an interruption returns normally with interrupted_by set, after flushing and checkpointing.
/// Records the sink rejects and records --where cannot evaluate are counted, written to the
/// dead-letter sink when one is given, and checkpointed past (the caller exits 5).
ReplaySummary replay(const kafka::ClientSettings& settings, const ReplayOptions& options, std::ostream& stdout_stream,
                     std::int64_t now_ms);

/// Reads a checkpoint file: partition -> next offset; empty when the file does not exist.
/// Throws usage_error when it belongs to another stream or is malformed.
std::map<int, std::int64_t> read_checkpoint(const std::filesystem::path& path, const std::string& stream);

/// Writes a checkpoint file atomically (temp file + rename).
void write_checkpoint(const std::filesystem::path& path, const std::string& stream, const std::map<int, std::int64_t>& next);

}  // namespace meshctl::backfill
