// Cluster-level questions and changes: metadata, configs, offsets, groups, topics.
#pragma once

#include "core/kafka/client.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::kafka {

/// One broker of the cluster.
struct BrokerInfo {
    std::int32_t id = 0;
    std::string host;
    int port = 0;
};

/// One partition's placement.
struct PartitionInfo {
    std::int32_t id = 0;
    std::int32_t leader = -1;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> isrs;
    std::string error;  // empty when healthy
};

/// One topic's partitions.
struct TopicInfo {
    std::string name;
    std::vector<PartitionInfo> partitions;
    std::string error;
    /// True for names starting with `_` or `__` (internal or meshctl's own topics).
    bool internal() const { return !name.empty() && name[0] == '_'; }
};

/// Brokers and topics as the cluster reports them.
struct ClusterMetadata {
    std::string cluster_id;
    std::int32_t controller_id = -1;
    std::vector<BrokerInfo> brokers;
    std::vector<TopicInfo> topics;
    /// The topic called `name`, or nullptr.
    const TopicInfo* find(const std::string& name) const;
    /// All topic names.
    std::vector<std::string> topic_names() const;
};

/// Low and high watermark of one partition (high = next offset to be written).
struct Watermarks {
    std::int64_t low = 0;
    std::int64_t high = 0;
};

/// One topic config entry.
struct ConfigEntry {
    std::string value;
    bool is_default = false;
    bool is_sensitive = false;
    std::string source;  // e.g. DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG
};

/// A consumer group as listed.
struct GroupListing {
    std::string group_id;
    std::string state;  // Stable, Empty, PreparingRebalance, Dead, ...
    bool simple = false;
};

/// One member of a consumer group.
struct GroupMember {
    std::string member_id;
    std::string client_id;
    std::string host;
    std::vector<TopicPartition> assignment;
};

/// A described consumer group.
struct GroupDescription {
    std::string group_id;
    std::string state;
    std::string protocol_type;
    std::string partition_assignor;
    std::vector<GroupMember> members;
    std::string error;  // non-empty when the broker reported one for this group
};

/// Administrative client. Every call waits at most the settings' timeout.
class Admin {
public:
    /// Connects lazily: constructing does no I/O.
    explicit Admin(const ClientSettings& settings);

    /// Metadata for all topics, or only `topic`. Naming a missing topic may make brokers that
    /// auto-create topics create it: use topic() to look one up.
    ClusterMetadata metadata(const std::optional<std::string>& topic = std::nullopt);
    /// Partitions of one topic; not_found_error when it does not exist.
    TopicInfo topic(const std::string& name);
    /// Configuration of a topic; `remote_error` when the broker cannot describe configs.
    std::map<std::string, ConfigEntry> topic_config(const std::string& topic);
    /// Configurations of many topics in one DescribeConfigs request; topics the broker
    /// reports an error for are left out. Throws when the request as a whole fails.
    std::map<std::string, std::map<std::string, ConfigEntry>> topic_configs(const std::vector<std::string>& topics);
    /// Committed offsets of many groups, requested concurrently; a group that fails is left out.
    std::map<std::string, std::map<TopicPartition, std::int64_t>> group_offsets(const std::vector<std::string>& group_ids);
    /// Earliest and latest offsets of many partitions in two batched requests.
    std::map<TopicPartition, Watermarks> watermarks(const std::vector<TopicPartition>& partitions);
    /// For each partition, the earliest offset whose timestamp is >= the given time
    /// (the high watermark when none is). Special times -2 / -1 mean earliest / latest.
    std::map<TopicPartition, std::int64_t> offsets_for_times(const std::vector<std::pair<TopicPartition, std::int64_t>>& query);
    /// All consumer groups.
    std::vector<GroupListing> list_groups();
    /// Describes groups; a group the broker does not know comes back with state "Dead".
    std::vector<GroupDescription> describe_groups(const std::vector<std::string>& group_ids);
    /// Committed offsets of a group (all partitions it has offsets for; -1 = none).
    std::map<TopicPartition, std::int64_t> committed_offsets(const std::string& group_id);
    /// Commits `offsets` for a group with no active members; returns per-partition errors (empty = all committed).
    std::map<TopicPartition, std::string> alter_offsets(const std::string& group_id,
                                                        const std::map<TopicPartition, std::int64_t>& offsets);
    /// Removes a group's committed offsets for `partitions` (the group must have no
    /// active members); returns per-partition errors (empty = all removed).
    std::map<TopicPartition, std::string> delete_offsets(const std::string& group_id,
                                                         const std::vector<TopicPartition>& partitions);
    /// Creates a topic; `configs` such as cleanup.policy=compact. Already existing is an error unless `if_missing`.
    /// Returns once the cluster's metadata lists the topic, or at the timeout.
    void create_topic(const std::string& name, int partitions, int replication_factor,
                      const std::vector<std::pair<std::string, std::string>>& configs, bool if_missing = false);
    /// Deletes topics (missing ones are ignored).
    void delete_topics(const std::vector<std::string>& names);
    /// Deletes records before `offsets` (advances log start).
    void delete_records(const std::map<TopicPartition, std::int64_t>& offsets);

    /// The underlying client.
    Client& client() { return client_; }

private:
    Client client_;
};

}  // namespace meshctl::kafka
