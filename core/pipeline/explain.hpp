// The plan of a pipeline as `pipeline explain` shows it: sources and starting positions,
// how tables are bootstrapped and whether each process keeps all or part of them, join
// keys, sinks, delivery semantics and parallelism.
#pragma once

#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"
#include "core/pipeline/spec.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::pipeline {

/// How one table is held by each process.
struct TablePlan {
    std::string table;
    bool partitioned = false;  // only the partitions matching the assigned stream partitions
    std::string why;
};

/// Decides for every table whether processes keep it whole or by partition: by partition
/// only when a join promises `copartitioned: true` and the partition counts match.
std::vector<TablePlan> plan_tables(const PipelineSpec& spec, int stream_partitions,
                                   const std::map<std::string, int>& table_partitions);

/// The explained plan.
class ExplainResult : public output::Result {
public:
    nlohmann::json plan;  // the JSON form; the text form is rendered from it
    nlohmann::json to_json() const override { return plan; }
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// When a run flushes its sinks and commits (run --flush-interval / --flush-every).
struct FlushPolicy {
    std::chrono::milliseconds interval{1000};
    std::uint64_t records = 50'000;
};

/// Looks up partitions, end offsets and the group's committed offsets, and explains a run
/// with the given flush policy.
ExplainResult explain_pipeline(const PipelineSpec& spec, const kafka::ClientSettings& settings,
                               const std::optional<std::string>& group, const std::optional<std::string>& from,
                               const FlushPolicy& flush = {});

/// The delivery paragraph of the plan for a flush policy.
std::string delivery_text(const PipelineSpec& spec, const FlushPolicy& flush);

}  // namespace meshctl::pipeline
