// The reset plan: for each partition, where the group is, where it will be, and what that
// means (records to replay, earliest record still kept). Built with a fixed number of
// batched requests, whatever the partition count.
#pragma once

#include "core/backfill/cluster.hpp"
#include "core/backfill/target.hpp"
#include "core/output/emit.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::backfill {

/// What to plan: the options of `backfill reset` (and of undo, with explicit offsets).
struct PlanRequest {
    std::string group;
    std::vector<TopicSpec> topics;
    bool all_topics = false;  // every topic the group has committed offsets for
    Target target;
};

/// One partition of the plan.
struct PlanRow {
    TopicPartition tp;
    std::optional<std::int64_t> current;  // committed offset; nullopt = none
    std::int64_t requested = 0;           // the target before clamping
    std::int64_t target = 0;              // the offset that will be committed
    bool clamped = false;                 // requested was outside [low, high]
    bool remove = false;                  // undo: delete the committed offset instead
    kafka::Watermarks marks;
    std::optional<std::int64_t> earliest_timestamp_ms;
    /// Records the group reads from the target to the end of the log.
    std::int64_t to_replay() const { return remove ? 0 : marks.high - target; }
};

/// A complete plan.
struct Plan {
    std::string group;
    std::string group_state;  // Stable, Empty, Dead (unknown), ...
    bool group_exists = false;
    std::vector<kafka::GroupMember> members;
    Target target;
    std::vector<PlanRow> rows;  // sorted by topic, partition
    std::vector<std::string> warnings;
    /// Sum of to_replay() over rows.
    std::int64_t total_to_replay() const;
};

/// Builds the plan; throws not_found_error for an unknown topic, usage_error for a
/// partition out of range or a shift without a committed offset. Logs the warnings.
Plan make_plan(Cluster& cluster, const PlanRequest& request);

/// What reset/undo did (or, in a dry run, would do).
class ResetResult : public output::Result {
public:
    Plan plan;
    bool executed = false;
    std::string rollback_csv, rollback_json;  // written before committing
    std::string export_path;
    std::vector<TopicPartition> committed;         // confirmed by the broker
    std::map<TopicPartition, std::string> failed;  // not committed, with the reason
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

}  // namespace meshctl::backfill
