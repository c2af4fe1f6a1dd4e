// The demo mesh: `customers` (a table's history, keyed by id, with later updates and a
// tombstone) and `orders` (events keyed by customer_id, so both are co-partitioned).
// Deterministic, so tests and the README can name exact records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::dev {

/// One record to seed.
struct DemoRecord {
    std::string topic;
    std::string key;
    std::optional<std::string> value;  // nullopt = tombstone
    std::int64_t timestamp_ms = 0;
};

/// Sizes of the demo data set.
struct DemoShape {
    int customers = 200;
    int customer_updates = 25;  // later records for existing customers (tier changes)
    int orders = 3000;
    std::int64_t now_ms = 0;    // orders spread over the three days before this
};

/// Names of the demo topics.
inline constexpr const char* orders_topic = "orders";
inline constexpr const char* customers_topic = "customers";

/// The customers' history in write order: one record each, then updates, then one tombstone.
std::vector<DemoRecord> demo_customers(const DemoShape& shape);

/// The orders in time order.
std::vector<DemoRecord> demo_orders(const DemoShape& shape);

/// One fresh order for the trickle while the embedded broker runs (`seq` counts up).
DemoRecord demo_live_order(const DemoShape& shape, std::int64_t seq, std::int64_t now_ms);

/// The customer id whose tombstone the seed writes.
std::string demo_deleted_customer();

}  // namespace meshctl::dev
