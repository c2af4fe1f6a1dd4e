#include "core/pipeline/row_map.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>
#include <functional>
#include <stdexcept>

namespace meshctl::pipeline {

namespace {

constexpr unsigned kPosBits = 21;                     // a place is block << 21 | position
constexpr std::size_t kMaxBlock = std::size_t{1} << kPosBits;  // rows larger than this get a block of their own
constexpr std::size_t kFirstBlock = 4096;             // small tables stay small
constexpr std::uint64_t kPlaceMask = (std::uint64_t{1} << 40) - 1;
constexpr std::size_t kCompactAbove = 64 * 1024;      // dead bytes worth a compaction

// Blocks of kMaxBlock (2 MiB) are aligned to it and marked for transparent huge pages: a
// join probes rows at random, and one TLB entry then covers a whole block.
char* allocate_block(std::size_t cap) {
    void* p = cap == kMaxBlock ? std::aligned_alloc(kMaxBlock, kMaxBlock) : std::malloc(cap);
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (cap == kMaxBlock) madvise(p, cap, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
    return static_cast<char*>(p);
}

std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }
std::uint64_t tag_of(std::uint64_t hash) { return (hash >> 40) << 40; }  // the top 24 bits, in place

std::uint32_t read_u32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
void write_u32(char* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }

std::uint32_t checked_u32(std::size_t n) {
    if (n > UINT32_MAX) throw std::length_error("a table key or value is larger than 4 GiB");
    return static_cast<std::uint32_t>(n);
}

}  // namespace

void RowMap::Free::operator()(char* p) const { std::free(p); }

RowMap::Row RowMap::row_in(const std::vector<Block>& blocks, std::uint64_t slot) {
    std::uint64_t place = (slot & kPlaceMask) - 1;
    char* h = blocks[place >> kPosBits].data.get() + (place & (kMaxBlock - 1));
    std::uint32_t klen = read_u32(h), vlen = read_u32(h + 4), vcap = read_u32(h + 8);
    return {h, {h + kHeader, klen}, {h + kHeader + klen, vlen}, vcap};
}

std::uint64_t RowMap::append(std::string_view key, std::string_view value, std::uint32_t value_capacity) {
    std::size_t need = kHeader + key.size() + value_capacity;
    if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < need) {
        std::size_t cap = need > kMaxBlock ? need
                                           : std::max(need, blocks_.empty() ? kFirstBlock : std::min(kMaxBlock, blocks_.back().capacity * 2));
        if (blocks_.size() >= (std::size_t{1} << (40 - kPosBits)) - 1) throw std::length_error("a table outgrew its arena");
        blocks_.push_back({std::unique_ptr<char, Free>(allocate_block(cap)), cap, 0});
    }
    Block& b = blocks_.back();
    char* h = b.data.get() + b.used;
    write_u32(h, checked_u32(key.size()));
    write_u32(h + 4, checked_u32(value.size()));
    write_u32(h + 8, value_capacity);
    std::memcpy(h + kHeader, key.data(), key.size());
    if (!value.empty()) std::memcpy(h + kHeader + key.size(), value.data(), value.size());
    std::uint64_t place = (std::uint64_t{blocks_.size() - 1} << kPosBits) | b.used;
    b.used += need;
    arena_bytes_ += need;
    return place + 1;
}

std::size_t RowMap::probe(std::string_view key, std::uint64_t hash) const {
    std::size_t mask = slots_.size() - 1;
    std::uint64_t tag = tag_of(hash);
    for (std::size_t i = home(hash);; i = (i + 1) & mask) {
        std::uint64_t s = slots_[i];
        if (!s) return i;
        if ((s & ~kPlaceMask) == tag && row(s).key == key) return i;
    }
}

void RowMap::place(std::uint64_t slot, std::size_t home) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = home;
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = slot;
}

void RowMap::grow_index() {
    std::vector<std::uint64_t> old(std::max<std::size_t>(16, slots_.size() * 2), 0);
    old.swap(slots_);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots_.size()));
    for (std::uint64_t s : old)
        if (s) place(s, slot_home(s));
}

// A slot's home comes from its tag while the index has at most 2^24 slots, so growing the
// index and deleting rows move slots without reading a single row.
std::size_t RowMap::slot_home(std::uint64_t slot) const {
    return shift_ >= 40 ? static_cast<std::size_t>(slot >> shift_) : home(hash_of(row(slot).key));
}

std::uint64_t RowMap::hash(std::string_view key) { return hash_of(key); }

void RowMap::prefetch_slot(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(hash)]);
}

void RowMap::prefetch_row(std::uint64_t hash) const {
    if (slots_.empty()) return;
    // The first slot on the key's probe path with its tag (the index slots after the home
    // one share its cache line, mostly): at up to 3/4 load, a fifth of the keys or more
    // do not sit in their home slot, and their rows would miss the cache.
    std::size_t mask = slots_.size() - 1;
    std::uint64_t tag = tag_of(hash), s = 0;
    for (std::size_t i = home(hash), n = 0; n < 8; i = (i + 1) & mask, ++n) {
        s = slots_[i];
        if (!s) return;
        if ((s & ~kPlaceMask) == tag) break;
        s = 0;
    }
    if (!s) return;
    std::uint64_t place = (s & kPlaceMask) - 1;
    const char* at = blocks_[place >> kPosBits].data.get() + (place & (kMaxBlock - 1));
    // A row of small JSON spans two or three cache lines (a prefetch past the block's end
    // does not fault).
    __builtin_prefetch(at);
    __builtin_prefetch(at + 64);
    __builtin_prefetch(at + 128);
}

std::optional<std::string_view> RowMap::find(std::string_view key) const {
    if (slots_.empty()) return std::nullopt;
    std::uint64_t s = slots_[probe(key, hash_of(key))];
    if (!s) return std::nullopt;
    return row(s).value;
}

void RowMap::upsert(std::string_view key, std::string_view value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow_index();  // load factor at most 3/4
    std::uint64_t hash = hash_of(key);
    std::size_t i = probe(key, hash);
    if (!slots_[i]) {
        slots_[i] = tag_of(hash) | append(key, value, checked_u32(value.size()));
        ++size_;
        live_bytes_ += key.size() + value.size();
        return;
    }
    Row r = row(slots_[i]);
    live_bytes_ = live_bytes_ - r.value.size() + value.size();
    if (value.size() <= r.value_capacity) {  // in place: the row keeps its room
        write_u32(r.header + 4, static_cast<std::uint32_t>(value.size()));
        if (!value.empty()) std::memmove(r.header + kHeader + r.key.size(), value.data(), value.size());
        return;
    }
    dead_bytes_ += kHeader + r.key.size() + r.value_capacity;
    slots_[i] = tag_of(hash) | append(key, value, checked_u32(value.size()));
    if (dead_bytes_ >= kCompactAbove && dead_bytes_ * 2 >= arena_bytes_) compact();
}

bool RowMap::erase(std::string_view key) {
    if (slots_.empty()) return false;
    std::size_t i = probe(key, hash_of(key));
    if (!slots_[i]) return false;
    Row r = row(slots_[i]);
    dead_bytes_ += kHeader + r.key.size() + r.value_capacity;
    live_bytes_ -= r.key.size() + r.value.size();
    --size_;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones: a later
    // row moves into the hole unless its home slot lies cyclically in (hole, its slot].
    std::size_t mask = slots_.size() - 1;
    for (std::size_t j = (i + 1) & mask; slots_[j]; j = (j + 1) & mask) {
        std::size_t h = slot_home(slots_[j]);
        bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (stays) continue;
        slots_[i] = slots_[j];
        i = j;
    }
    slots_[i] = 0;
    if (dead_bytes_ >= kCompactAbove && dead_bytes_ * 2 >= arena_bytes_) compact();
    return true;
}

void RowMap::compact() {
    std::vector<Block> old;
    old.swap(blocks_);
    arena_bytes_ = 0;
    dead_bytes_ = 0;
    for (std::uint64_t& s : slots_) {
        if (!s) continue;
        Row r = row_in(old, s);
        s = (s & ~kPlaceMask) | append(r.key, r.value, static_cast<std::uint32_t>(r.value.size()));
    }
}

std::size_t RowMap::memory() const {
    std::size_t n = slots_.capacity() * sizeof(std::uint64_t) + blocks_.capacity() * sizeof(Block);
    for (const auto& b : blocks_) n += b.capacity;
    return n;
}

}  // namespace meshctl::pipeline
