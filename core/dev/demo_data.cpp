#include "core/dev/demo_data.hpp"

#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace meshctl::dev {

namespace {

// A small deterministic generator (SplitMix64): the same data on every machine.
struct Rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
};

const char* const first_names[] = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
                                   "Margaret", "Dennis", "Radia", "Leslie", "Sophie", "Tim", "Hedy", "John"};
const char* const last_names[] = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
                                  "Hamilton", "Ritchie", "Perlman", "Lamport", "Wilson", "Berners-Lee", "Lamarr", "Backus"};
const char* const countries[] = {"DE", "FR", "GB", "NL", "ES", "US", "SE", "IT"};
const char* const currencies[] = {"EUR", "EUR", "EUR", "USD", "GBP"};
const char* const tiers[] = {"BRONZE", "BRONZE", "BRONZE", "SILVER", "SILVER", "GOLD", "PLATINUM"};
const char* const skus[] = {"book-ddia", "book-kafka", "kbd-mech", "mouse-pro", "usb-c-hub", "monitor-27", "desk-lamp", "mug"};

std::string customer_id(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "c-%04d", i);
    return buf;
}

nlohmann::ordered_json customer(int i, const char* tier, std::int64_t ts, Rng& rng) {
    return {{"id", customer_id(i)},
            {"name", std::string(first_names[rng.below(16)]) + " " + last_names[rng.below(16)]},
            {"tier", tier},
            {"country", countries[rng.below(8)]},
            {"email", "customer" + std::to_string(i) + "@example.com"},
            {"updated_at", util::format_iso8601_ms(ts)}};
}

nlohmann::ordered_json order(std::int64_t seq, int customer, std::int64_t ts, Rng& rng) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    int n = 1 + rng.below(3);
    double amount = 0;
    for (int k = 0; k < n; ++k) {
        int qty = 1 + rng.below(3);
        double price = static_cast<double>(5 + rng.below(20000)) / 100.0 * 3;
        price = static_cast<double>(static_cast<long long>(price * 100)) / 100.0;
        amount += qty * price;
        items.push_back({{"sku", skus[rng.below(8)]}, {"qty", qty}, {"price", price}});
    }
    amount = static_cast<double>(static_cast<long long>(amount * 100 + 0.5)) / 100.0;
    char id[24];
    std::snprintf(id, sizeof id, "o-%06lld", static_cast<long long>(seq));
    return {{"order_id", id},
            {"customer_id", customer_id(customer)},
            {"amount", amount},
            {"currency", currencies[rng.below(5)]},
            {"items", items},
            {"status", rng.below(10) == 0 ? "CANCELLED" : "PLACED"},
            {"created_at", util::format_iso8601_ms(ts)}};
}

}  // namespace

std::string demo_deleted_customer() { return customer_id(13); }

std::vector<DemoRecord> demo_customers(const DemoShape& shape) {
    Rng rng{42};
    std::vector<DemoRecord> out;
    const std::int64_t start = shape.now_ms - 30LL * 86'400'000;  // the table's history spans a month
    for (int i = 1; i <= shape.customers; ++i) {
        std::int64_t ts = start + i * 60'000LL;
        out.push_back({"customers", customer_id(i), customer(i, tiers[rng.below(7)], ts, rng).dump(), ts});
    }
    // Later updates: customers moving up a tier, so history and the latest value differ.
    const char* const upgrades[] = {"SILVER", "GOLD", "PLATINUM"};
    for (int u = 0; u < shape.customer_updates; ++u) {
        int i = 1 + (u * 7) % shape.customers;
        std::int64_t ts = start + 15LL * 86'400'000 + u * 3'600'000LL;
        out.push_back({"customers", customer_id(i), customer(i, upgrades[u % 3], ts, rng).dump(), ts});
    }
    std::int64_t ts = start + 20LL * 86'400'000;
    out.push_back({"customers", demo_deleted_customer(), std::nullopt, ts});
    return out;
}

std::vector<DemoRecord> demo_orders(const DemoShape& shape) {
    Rng rng{7};
    std::vector<DemoRecord> out;
    const std::int64_t span = 3LL * 86'400'000;
    for (int i = 1; i <= shape.orders; ++i) {
        std::int64_t ts = shape.now_ms - span + span * i / (shape.orders + 1);
        int c = 1 + rng.below(shape.customers);
        auto o = order(i, c, ts, rng);
        out.push_back({"orders", o["customer_id"].get<std::string>(), o.dump(), ts});
    }
    return out;
}

DemoRecord demo_live_order(const DemoShape& shape, std::int64_t seq, std::int64_t now_ms) {
    Rng rng{static_cast<std::uint64_t>(seq) * 2654435761ULL};
    int c = 1 + rng.below(shape.customers);
    auto o = order(seq, c, now_ms, rng);
    return {"orders", o["customer_id"].get<std::string>(), o.dump(), now_ms};
}

}  // namespace meshctl::dev
