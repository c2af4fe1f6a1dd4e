#include "core/pipeline/table.hpp"

namespace meshctl::pipeline {

TableStore::TableStore(std::size_t tables) : tables_(tables) {}

void TableStore::set_partitioned(std::size_t table, bool partitioned) { tables_[table].partitioned = partitioned; }

RowMap& TableStore::map_for(std::size_t table, std::int32_t partition) {
    auto& t = tables_[table];
    if (!t.partitioned) return t.parts[0];
    auto p = static_cast<std::size_t>(partition);
    if (p >= t.parts.size()) t.parts.resize(p + 1);
    return t.parts[p];
}

void TableStore::upsert(std::size_t table, std::int32_t partition, std::string_view key, std::string_view value) {
    map_for(table, partition).upsert(key, value);
}

void TableStore::erase(std::size_t table, std::int32_t partition, std::string_view key) { map_for(table, partition).erase(key); }

void TableStore::drop_partition(std::size_t table, std::int32_t partition) {
    auto& t = tables_[table];
    if (!t.partitioned || static_cast<std::size_t>(partition) >= t.parts.size()) return;
    t.parts[static_cast<std::size_t>(partition)] = RowMap();
}

const RowMap* TableStore::read_map(std::size_t table, std::int32_t partition) const {
    const auto& t = tables_[table];
    if (!t.partitioned) return &t.parts[0];
    auto p = static_cast<std::size_t>(partition);
    return p < t.parts.size() ? &t.parts[p] : nullptr;
}

std::optional<std::string_view> TableStore::find(std::size_t table, std::int32_t partition, std::string_view key) const {
    const RowMap* m = read_map(table, partition);
    if (!m) return std::nullopt;
    return m->find(key);
}

void TableStore::prefetch(std::size_t table, std::int32_t partition, std::uint64_t hash, bool row) const {
    if (const RowMap* m = read_map(table, partition)) row ? m->prefetch_row(hash) : m->prefetch_slot(hash);
}

std::size_t TableStore::rows() const { return sum([](const RowMap& m) { return m.size(); }); }

std::size_t TableStore::bytes() const { return sum([](const RowMap& m) { return m.bytes(); }); }

std::size_t TableStore::memory() const { return sum([](const RowMap& m) { return m.memory(); }); }

}  // namespace meshctl::pipeline
