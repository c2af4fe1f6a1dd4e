// `meshctl describe STREAM`: one topic or data product in depth — descriptor, placement,
// offsets and timestamps, retention, history verdict, schema, consumer groups and lag.
#pragma once

#include "core/catalog/history.hpp"
#include "core/catalog/store.hpp"
#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meshctl::catalog {

/// A consumer group reading the stream.
struct GroupLag {
    std::string group;
    std::string state;
    int partitions = 0;      // partitions of the stream it has committed offsets for
    std::int64_t lag = 0;    // sum over those partitions of (high watermark - committed)
};

/// Everything describe found.
struct DescribeResult : output::Result {
    std::string context;
    std::string name;   // as asked
    std::string topic;
    std::optional<CatalogEntry> product;
    bool topic_exists = false;
    TopicStats stats;
    HistoryVerdict history;
    std::optional<double> rate;
    std::vector<GroupLag> groups;
    std::string groups_error;    // why groups could not be listed (e.g. the dev broker)
    std::size_t groups_checked = 0;
    bool groups_truncated = false;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// At most this many consumer groups are asked for their offsets.
inline constexpr std::size_t describe_group_limit = 500;

/// Describes `stream` (a product name, a product's topic, or any topic).
/// not_found_error with suggestions when neither the catalog nor the cluster knows it.
DescribeResult describe(const kafka::ClientSettings& settings, const std::string& catalog_topic, const std::string& stream);

/// Sums lag per group for `stats`' partitions from committed offsets (negative = none).
std::vector<GroupLag> lag_by_group(const TopicStats& stats,
                                   const std::map<std::string, std::map<kafka::TopicPartition, std::int64_t>>& offsets,
                                   const std::map<std::string, std::string>& states);

}  // namespace meshctl::catalog
