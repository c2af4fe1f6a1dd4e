// The mesh catalog: descriptors kept in a compacted Kafka topic keyed by product name,
// so every machine that reaches the cluster sees the same list. Reading consumes every
// partition from its log start to its high watermark at once; the last value per key
// wins and tombstones delete.
#pragma once

#include "core/catalog/descriptor.hpp"
#include "core/kafka/admin.hpp"
#include "core/output/emit.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace meshctl::catalog {

/// One product as the catalog holds it.
struct CatalogEntry {
    Descriptor descriptor;
    std::int64_t published_ms = 0;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
};

/// The catalog as read.
struct CatalogSnapshot {
    std::string topic;
    bool topic_exists = false;
    std::map<std::string, CatalogEntry> entries;  // by product name
    std::int64_t skipped = 0;                     // invalid records (each logged as a warning)
    /// The entry called `name`, or nullptr.
    const CatalogEntry* find(const std::string& name) const;
    /// The entry whose descriptor names `topic`, or nullptr.
    const CatalogEntry* find_by_topic(const std::string& topic) const;
};

/// Reads the catalog topic as listed in `metadata` (no topic: an empty snapshot).
/// Invalid records are skipped with a warning naming their partition and offset.
CatalogSnapshot read_catalog(kafka::Admin& admin, const kafka::ClusterMetadata& metadata, const std::string& topic);

/// `product publish`: what was written.
struct PublishResult : output::Result {
    std::string topic;
    bool created_topic = false;
    std::vector<Descriptor> published;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Writes descriptors (already validated) to the catalog topic, creating it compacted
/// when it is missing (with a warning). Waits until every record is acknowledged.
PublishResult publish(kafka::Admin& admin, const std::string& topic, const std::vector<Descriptor>& descriptors);

/// Loads and validates every file, then publishes; writes nothing when any file is bad.
PublishResult publish_files(const kafka::ClientSettings& settings, const std::string& topic,
                            const std::vector<std::filesystem::path>& files);

/// `product retire`: the tombstone written.
struct RetireResult : output::Result {
    std::string topic;
    std::string name;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Writes a tombstone for `name`; not_found_error (with suggestions) when the catalog
/// does not hold it.
RetireResult retire(const kafka::ClientSettings& settings, const std::string& topic, const std::string& name);

/// `product list`.
struct ProductList : output::Result {
    CatalogSnapshot snapshot;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Reads the whole catalog.
ProductList list_products(const kafka::ClientSettings& settings, const std::string& topic);

}  // namespace meshctl::catalog
