// The table side of joins: the latest raw value per key, in memory (a RowMap). Values
// stay the record's JSON bytes (parsed only when a join matches), so a table costs little
// more than its latest values. A table may be split by partition, so that a process joining
// co-partitioned topics keeps only the partitions it was assigned.
#pragma once

#include "core/pipeline/processor.hpp"
#include "core/pipeline/row_map.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::pipeline {

/// All tables of a pipeline.
class TableStore : public TableView {
public:
    /// `tables` tables, each whole (one map for all partitions) until set_partitioned().
    explicit TableStore(std::size_t tables);
    /// Makes `table` keep a map per partition, looked up by the event's partition.
    void set_partitioned(std::size_t table, bool partitioned);
    /// True when `table` is split by partition.
    bool partitioned(std::size_t table) const { return tables_[table].partitioned; }
    /// Sets the latest value of `key` (read from `partition` of the table's topic).
    void upsert(std::size_t table, std::int32_t partition, std::string_view key, std::string_view value);
    /// Removes `key` (a tombstone).
    void erase(std::size_t table, std::int32_t partition, std::string_view key);
    /// Forgets the rows of one partition (after it was revoked).
    void drop_partition(std::size_t table, std::int32_t partition);
    std::optional<std::string_view> find(std::size_t table, std::int32_t partition, std::string_view key) const override;
    void prefetch(std::size_t table, std::int32_t partition, std::uint64_t hash, bool row) const override;
    /// Rows over all tables.
    std::size_t rows() const;
    /// Bytes of keys and values held.
    std::size_t bytes() const;
    /// Bytes allocated for the rows and their indexes.
    std::size_t memory() const;

private:
    struct Table {
        bool partitioned = false;
        std::vector<RowMap> parts{1};
    };
    RowMap& map_for(std::size_t table, std::int32_t partition);
    /// The map find() reads for an event of `partition`, or null.
    const RowMap* read_map(std::size_t table, std::int32_t partition) const;
    /// Sum of `measure(map)` over every map of every table.
    template <typename F>
    std::size_t sum(F measure) const {
        std::size_t n = 0;
        for (const auto& t : tables_)
            for (const auto& m : t.parts) n += measure(m);
        return n;
    }
    std::vector<Table> tables_;
};

}  // namespace meshctl::pipeline
