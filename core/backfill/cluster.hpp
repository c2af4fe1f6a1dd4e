// The cluster questions and changes a backfill needs, behind one small interface so the
// planning and safety logic is unit-tested with a fake and integration-tested for real.
// Every method is one batched round trip (or two for watermarks), whatever the partition count.
#pragma once

#include "core/kafka/admin.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::backfill {

using kafka::TopicPartition;

/// How much history a topic keeps, from its configuration.
struct TopicHistory {
    bool compacted = false;                    // cleanup.policy contains compact
    std::optional<std::int64_t> retention_ms;  // nullopt = unlimited (-1)
    std::optional<std::int64_t> retention_bytes;
};

/// What a backfill asks of the cluster.
class Cluster {
public:
    virtual ~Cluster() = default;
    /// Partition counts of the named topics; topics that do not exist are absent.
    virtual std::map<std::string, int> partition_counts(const std::vector<std::string>& topics) = 0;
    /// All topic names (only for "did you mean" after a miss).
    virtual std::vector<std::string> topic_names() = 0;
    /// Retention and compaction of each topic.
    virtual std::map<std::string, TopicHistory> topic_history(const std::vector<std::string>& topics) = 0;
    /// Log start and end offsets.
    virtual std::map<TopicPartition, kafka::Watermarks> watermarks(const std::vector<TopicPartition>& partitions) = 0;
    /// Earliest offset with timestamp >= `time_ms` per partition; -1 when there is none.
    virtual std::map<TopicPartition, std::int64_t> offsets_for_times(const std::vector<TopicPartition>& partitions,
                                                                      std::int64_t time_ms) = 0;
    /// Timestamp of the first record at or after the log start, for non-empty partitions;
    /// partitions that did not answer in time are absent.
    virtual std::map<TopicPartition, std::int64_t> earliest_timestamps(
        const std::map<TopicPartition, kafka::Watermarks>& marks) = 0;
    /// The group's state and members (state "Dead" when the broker does not know it).
    virtual kafka::GroupDescription describe_group(const std::string& group) = 0;
    /// All group ids (only for "did you mean" after a miss).
    virtual std::vector<std::string> group_names() = 0;
    /// The group's committed offsets (entries with -1 mean none).
    virtual std::map<TopicPartition, std::int64_t> committed_offsets(const std::string& group) = 0;
    /// Commits offsets; per-partition failures (empty = all committed).
    virtual std::map<TopicPartition, std::string> alter_offsets(const std::string& group,
                                                                 const std::map<TopicPartition, std::int64_t>& offsets) = 0;
    /// Removes committed offsets; per-partition failures (empty = all removed).
    virtual std::map<TopicPartition, std::string> delete_offsets(const std::string& group,
                                                                  const std::vector<TopicPartition>& partitions) = 0;
};

/// The real cluster behind librdkafka's admin API.
std::unique_ptr<Cluster> kafka_cluster(const kafka::ClientSettings& settings);

}  // namespace meshctl::backfill
