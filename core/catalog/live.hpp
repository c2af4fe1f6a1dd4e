// What the live cluster says about topics: placement, watermarks, configs, and the
// timestamps of the first and last retained records. Gathered in batches (one metadata
// call, batched watermarks, one DescribeConfigs, two consumers reading one record per
// partition in parallel) so discover stays fast on clusters with thousands of topics.
#pragma once

#include "core/kafka/admin.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::catalog {

/// One partition as observed.
struct PartitionStats {
    std::int32_t id = 0;
    std::int32_t leader = -1;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> isrs;
    std::int64_t low = 0;   // log start offset
    std::int64_t high = 0;  // next offset to be written
    std::optional<std::int64_t> first_ts;  // timestamp of the first retained record
    std::optional<std::int64_t> last_ts;   // timestamp of the last record
    /// Records retained (an upper bound on compacted topics, whose offsets have holes).
    std::int64_t records() const { return high > low ? high - low : 0; }
};

/// One topic as observed.
struct TopicStats {
    std::string name;
    std::vector<PartitionStats> partitions;
    /// Topic configs; nullopt when the cluster could not describe them (e.g. the dev broker).
    std::optional<std::map<std::string, kafka::ConfigEntry>> configs;
    std::string configs_error;  // why configs are missing
    bool offsets_known = false; // watermarks were read
    /// Sum of records() over partitions.
    std::int64_t records() const;
    /// Latest last_ts over partitions.
    std::optional<std::int64_t> last_event_ms() const;
    /// Earliest first_ts over partitions.
    std::optional<std::int64_t> first_event_ms() const;
    /// A config value, when configs are known and hold the key.
    std::optional<std::string> config(const std::string& key) const;
};

/// What to gather.
struct CollectOptions {
    bool configs = true;     // one DescribeConfigs request for all topics
    bool timestamps = true;  // read first and last records
    std::chrono::milliseconds read_budget{5000};  // bound on the record reads
};

/// True for librdkafka's mock cluster (`meshctl dev up`), which answers neither
/// DescribeConfigs, CreateTopics nor ListGroups: callers skip those instead of waiting
/// for a timeout.
bool is_dev_broker(const kafka::ClusterMetadata& metadata);

/// Gathers stats for `topics` (names present in `metadata`). Partial failures degrade:
/// missing configs or timestamps are left empty and logged at debug level.
std::map<std::string, TopicStats> collect_stats(kafka::Admin& admin, const kafka::ClusterMetadata& metadata,
                                                const std::vector<std::string>& topics, const CollectOptions& options);

/// Reads the timestamp of the first record at or after each partition's `low`
/// (first=true) or of the last record before `high` (first=false), one consumer, all
/// partitions at once, until each is answered or `budget` passes.
std::map<kafka::TopicPartition, std::int64_t> read_edge_timestamps(const kafka::ClientSettings& settings,
                                                                   const std::map<kafka::TopicPartition, kafka::Watermarks>& marks,
                                                                   bool first, std::chrono::milliseconds budget);

}  // namespace meshctl::catalog
