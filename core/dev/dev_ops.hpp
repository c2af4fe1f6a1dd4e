// The operations behind `meshctl dev up|status|down`.
#pragma once

#include "core/config/context_ops.hpp"
#include "core/dev/embedded_broker.hpp"
#include "core/output/emit.hpp"

#include <filesystem>
#include <functional>

namespace meshctl::dev {

/// What `dev up` reports once the broker answers.
struct UpResult : output::Result {
    std::string bootstrap;
    int pid = 0;
    bool detached = false;
    SeedSummary seeded;
    std::string context = "dev";
    std::string log_path;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// What `dev status` reports.
struct StatusResult : output::Result {
    bool running = false;
    DevState state;
    std::vector<std::pair<std::string, int>> topics;  // name, partitions
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Extra seeding after the demo topics exist (the catalog's descriptors).
using SeedHook = std::function<void(const kafka::ClientSettings&)>;

/// Runs the playground in this process until SIGINT/SIGTERM: starts, seeds, records
/// its state, makes the `dev` context current in `config_path`, calls `on_ready`, then
/// trickles live orders. Throws interrupted-kind errors never: a signal is the normal end.
void run_playground(const DevOptions& options, const std::filesystem::path& config_path, const SeedHook& seed_hook,
                    const std::function<void(const UpResult&)>& on_ready);

/// Starts the playground in a background process and returns once it answers.
UpResult start_detached(const DevOptions& options, const std::filesystem::path& config_path, const SeedHook& seed_hook);

/// The playground's state; checks that the broker answers.
StatusResult status();

/// Stops a detached playground; returns what it did (nothing to stop is not an error).
config::Confirmation stop();

/// Throws when a playground already runs (naming its address).
void ensure_not_running();

}  // namespace meshctl::dev
