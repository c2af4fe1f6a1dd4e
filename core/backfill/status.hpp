// `backfill status`: where a group is against the end of its logs, how fast it moves, and
// when it will have caught up, from two (or, with --watch, successive) samples.
#pragma once

#include "core/backfill/cluster.hpp"
#include "core/output/emit.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::backfill {

/// One partition of a status sample.
struct PartitionStatus {
    TopicPartition tp;
    std::optional<std::int64_t> committed;  // nullopt = none
    kafka::Watermarks marks;
    std::optional<std::int64_t> lag;        // end - committed
    std::optional<double> consume_rate;     // records/s committed since the previous sample
};

/// One status sample, with rates when a previous sample is known.
class StatusResult : public output::Result {
public:
    std::string group;
    std::string state;
    std::size_t members = 0;
    std::int64_t sampled_ms = 0;
    std::vector<PartitionStatus> partitions;
    std::int64_t total_lag = 0;
    std::optional<double> interval_s;     // between the two samples the rates come from
    std::optional<double> consume_rate;   // records/s, whole group
    std::optional<double> produce_rate;   // records/s appended to the same partitions
    std::optional<double> eta_s;          // time to catch up at the observed rates
    std::string progress;                 // caught_up, catching_up, falling_behind, idle, unknown
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Takes one sample; not_found_error (with suggestions) when the group has no offsets and is unknown.
StatusResult sample_status(Cluster& cluster, const std::string& group, std::int64_t now_ms);

/// Fills the rates and ETA of `current` from `previous`.
void add_rates(StatusResult& current, const StatusResult& previous);

/// Takes a sample, waits `interval`, takes another and returns it with rates (interval 0:
/// one sample, no rates). With `on_sample`, keeps sampling every interval and hands each
/// sample over until interrupted (then throws Error(interrupted)). `sleep` is injectable for tests.
StatusResult group_status(Cluster& cluster, const std::string& group, std::chrono::milliseconds interval,
                          const std::function<void(const StatusResult&)>& on_sample = {},
                          const std::function<void(std::chrono::milliseconds)>& sleep = {});

}  // namespace meshctl::backfill
