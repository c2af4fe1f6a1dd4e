// The playground broker: librdkafka's in-process mock cluster, seeded with the demo
// mesh. In memory only, roughly 5 MiB retained per partition; not storage.
#pragma once

#include "core/dev/demo_data.hpp"
#include "core/kafka/client.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

struct rd_kafka_mock_cluster_s;

namespace meshctl::dev {

/// How to start the playground.
struct DevOptions {
    int port = 0;         // 0: the mock brokers' own random ports only
    bool seed = true;     // write the demo data products
    int brokers = 1;
    int partitions = 3;   // of the demo topics
};

/// What seeding wrote.
struct SeedSummary {
    std::int64_t customers = 0;
    std::int64_t orders = 0;
};

/// The running mock cluster; destroyed with the object.
class EmbeddedBroker {
public:
    /// Starts the cluster (and a forwarder on `port` when given); no data yet.
    explicit EmbeddedBroker(const DevOptions& options);
    ~EmbeddedBroker();
    EmbeddedBroker(const EmbeddedBroker&) = delete;
    EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

    /// The address clients should bootstrap from.
    std::string bootstrap() const;
    /// Creates the demo topics and writes the demo records.
    SeedSummary seed(std::int64_t now_ms);
    /// Writes one live order (the trickle while running).
    void trickle(std::int64_t now_ms);
    /// Client settings that reach this broker.
    kafka::ClientSettings client_settings() const;
    /// The mock cluster, for fault injection in tests.
    rd_kafka_mock_cluster_s* mock() const { return mcluster_; }

private:
    struct Forwarder;
    DevOptions options_;
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_mock_cluster_s* mcluster_ = nullptr;
    std::unique_ptr<Forwarder> forwarder_;
    std::int64_t live_seq_ = 1'000'000;
    DemoShape shape_;
};

/// Where `dev up` records the running playground.
struct DevState {
    int pid = 0;
    std::string bootstrap;
    std::int64_t started_ms = 0;
    std::string log_path;
};

/// The state file: $MESHCTL_STATE_DIR, else $XDG_STATE_HOME/meshctl, else ~/.local/state/meshctl; `dev.json`.
std::filesystem::path dev_state_path();
/// The recorded state, or nullopt when there is none.
std::optional<DevState> read_dev_state();
/// Records the state.
void write_dev_state(const DevState& state);
/// Forgets the state.
void remove_dev_state();
/// True when a process with this pid is alive.
bool process_alive(int pid);

}  // namespace meshctl::dev
