// A compact map from key bytes to value bytes, for join tables. std::unordered_map of
// std::string costs a node, a bucket and a heap string per row: about 2.5x the bytes of
// small JSON rows, and several cache misses per lookup. Here rows are appended to
// arena blocks (key and value side by side) and found through an open-addressing index
// of 8-byte slots holding a hash tag and the row's place, so a lookup touches one slot
// and one row, and memory stays close to the rows' own bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace meshctl::pipeline {

/// Key bytes to value bytes. Views returned by find() stay valid until the next change.
class RowMap {
public:
    /// The value of `key`, if present.
    std::optional<std::string_view> find(std::string_view key) const;
    /// Sets the value of `key`.
    void upsert(std::string_view key, std::string_view value);
    /// Removes `key`; false when it was absent.
    bool erase(std::string_view key);
    /// Rows held.
    std::size_t size() const { return size_; }
    /// Bytes of the keys and values held.
    std::size_t bytes() const { return live_bytes_; }
    /// Bytes allocated: arena blocks and the index.
    std::size_t memory() const;
    /// The hash find() uses for `key`.
    static std::uint64_t hash(std::string_view key);
    /// Cache hints for a find() soon of a key with this hash: its index slot, then (called
    /// again once the slot is likely cached) its row. They change nothing.
    void prefetch_slot(std::uint64_t hash) const;
    void prefetch_row(std::uint64_t hash) const;
    /// Calls f(key, value) for every row (order unspecified).
    template <typename F>
    void for_each(F&& f) const {
        for (std::uint64_t s : slots_)
            if (s) {
                Row r = row(s);
                f(r.key, r.value);
            }
    }

private:
    struct Free {
        void operator()(char* p) const;
    };
    struct Block {
        std::unique_ptr<char, Free> data;
        std::size_t capacity = 0;
        std::size_t used = 0;
    };
    struct Row {
        char* header;  // key length, value length, value capacity (3 x u32), then key and value
        std::string_view key;
        std::string_view value;
        std::uint32_t value_capacity;
    };
    static constexpr std::size_t kHeader = 12;

    /// The row a slot points to, in `blocks` (the live arena, or the old one while compacting).
    static Row row_in(const std::vector<Block>& blocks, std::uint64_t slot);
    Row row(std::uint64_t slot) const { return row_in(blocks_, slot); }
    std::uint64_t append(std::string_view key, std::string_view value, std::uint32_t value_capacity);
    std::size_t probe(std::string_view key, std::uint64_t hash) const;  // slot index (empty when absent)
    void grow_index();
    void place(std::uint64_t slot, std::size_t home);  // inserts into an index known to have room
    /// Where a key's probe starts: the hash's top bits, as many as the index size needs.
    std::size_t home(std::uint64_t hash) const { return static_cast<std::size_t>(hash >> shift_); }
    std::size_t slot_home(std::uint64_t slot) const;
    void compact();

    std::vector<Block> blocks_;
    std::vector<std::uint64_t> slots_;  // 0 = empty; else hash tag (24 bits) << 40 | (row place + 1)
    unsigned shift_ = 63;               // 64 - log2(slots_.size()) once the index exists
    std::size_t size_ = 0;
    std::size_t live_bytes_ = 0;     // keys and values of live rows
    std::size_t dead_bytes_ = 0;     // arena bytes of replaced or erased rows
    std::size_t arena_bytes_ = 0;    // arena bytes written, live and dead
};

}  // namespace meshctl::pipeline
