#include "core/pipeline/table.hpp"

namespace meshctl::pipeline {

TableStore::TableStore(std::size_t tables) : tables_(tables) {}

void TableStore::set_partitioned(std::size_t table, bool partitioned) { tables_[table].partitioned = partitioned; }

TableStore::Map& TableStore::map_for(std::size_t table, std::int32_t partition) {
    auto& t = tables_[table];
    if (!t.partitioned) return t.parts[0];
    auto p = static_cast<std::size_t>(partition);
    if (p >= t.parts.size()) t.parts.resize(p + 1);
    return t.parts[p];
}

void TableStore::upsert(std::size_t table, std::int32_t partition, std::string_view key, std::string_view value) {
    Map& m = map_for(table, partition);
    auto it = m.find(key);
    if (it == m.end()) {
        m.emplace(std::string(key), std::string(value));
        bytes_ += key.size() + value.size();
        return;
    }
    bytes_ = bytes_ - it->second.size() + value.size();
    it->second.assign(value);
    if (it->second.capacity() > 2 * value.size() + 32) it->second.shrink_to_fit();  // a row that shrank a lot
}

void TableStore::erase(std::size_t table, std::int32_t partition, std::string_view key) {
    Map& m = map_for(table, partition);
    auto it = m.find(key);
    if (it == m.end()) return;
    bytes_ -= it->first.size() + it->second.size();
    m.erase(it);
}

void TableStore::drop_partition(std::size_t table, std::int32_t partition) {
    auto& t = tables_[table];
    if (!t.partitioned || static_cast<std::size_t>(partition) >= t.parts.size()) return;
    Map& m = t.parts[static_cast<std::size_t>(partition)];
    for (const auto& [k, v] : m) bytes_ -= k.size() + v.size();
    Map().swap(m);
}

const std::string* TableStore::find(std::size_t table, std::int32_t partition, std::string_view key) const {
    const auto& t = tables_[table];
    const Map* m = &t.parts[0];
    if (t.partitioned) {
        auto p = static_cast<std::size_t>(partition);
        if (p >= t.parts.size()) return nullptr;
        m = &t.parts[p];
    }
    auto it = m->find(key);
    return it == m->end() ? nullptr : &it->second;
}

std::size_t TableStore::rows() const {
    std::size_t n = 0;
    for (const auto& t : tables_)
        for (const auto& m : t.parts) n += m.size();
    return n;
}

}  // namespace meshctl::pipeline
