#include "core/pipeline/window.hpp"

#include <algorithm>

namespace meshctl::pipeline {

HeldEvent HeldEvent::from(const expr::Event& e) {
    HeldEvent h;
    h.topic.assign(e.topic);
    h.partition = e.partition;
    h.offset = e.offset;
    h.timestamp_ms = e.timestamp_ms;
    if (e.key) h.key.emplace(*e.key);
    if (e.value) h.value.emplace(*e.value);
    for (const auto& hd : e.headers)
        h.headers.emplace_back(std::string(hd.name), hd.value ? std::optional<std::string>(std::string(*hd.value)) : std::nullopt);
    return h;
}

expr::Event HeldEvent::view(std::vector<expr::Header>& out) const {
    expr::Event e;
    if (value) e.value = std::string_view(*value);
    if (key) e.key = std::string_view(*key);
    out.clear();
    for (const auto& [name, v] : headers)
        out.push_back({name, v ? std::optional<std::string_view>(std::string_view(*v)) : std::nullopt});
    e.headers = out;
    e.topic = topic;
    e.partition = partition;
    e.offset = offset;
    e.timestamp_ms = timestamp_ms;
    return e;
}

std::size_t HeldEvent::bytes() const {
    std::size_t n = sizeof(HeldEvent) + topic.size() + (key ? key->size() : 0) + (value ? value->size() : 0);
    for (const auto& [name, v] : headers) n += name.size() + (v ? v->size() : 0);
    return n;
}

WindowJoin::WindowJoin(std::int64_t window_ms, std::int64_t grace_ms, JoinType type)
    : window_ms_(window_ms), grace_ms_(grace_ms), type_(type) {}

void WindowJoin::note_offset(Side side, std::int32_t partition, std::int64_t offset, std::int64_t timestamp_ms) {
    std::pair<int, std::int32_t> where{static_cast<int>(side), partition};
    offsets_[where].insert(offset);
    // A left record is needed while it is open; a right record while a held left record
    // may have been joined with it (see the header).
    std::int64_t until = timestamp_ms + window_ms_ + grace_ms_ + (side == Side::right ? window_ms_ : 0);
    offset_expiry_.emplace(until, std::make_pair(where, offset));
}

bool WindowJoin::add(Side side, const std::optional<std::string>& key, HeldEvent event, const Emit& emit) {
    const std::int64_t t = event.timestamp_ms;
    if (t + window_ms_ + grace_ms_ < stream_time_) {
        ++counts_.late;
        return false;
    }
    if (t > stream_time_) {
        stream_time_ = t;
        close_until(emit);
    }
    if (!key) {  // nothing can match it
        if (side == Side::left) {
            if (type_ == JoinType::left) {
                ++counts_.left_unmatched;
                emit(event, nullptr);
            } else {
                ++counts_.unmatched;
            }
        }
        return true;
    }
    const int own = static_cast<int>(side), other = 1 - own;
    bool matched = false;
    if (auto it = by_key_[other].find(*key); it != by_key_[other].end()) {
        for (Id id : it->second) {
            Entry& e = entries_.at(id);
            std::int64_t dt = e.event.timestamp_ms - t;
            if (dt < -window_ms_ || dt > window_ms_) continue;
            matched = true;
            e.matched = true;
            ++counts_.pairs;
            if (side == Side::left) emit(event, &e.event);
            else emit(e.event, &event);
        }
    }
    note_offset(side, event.partition, event.offset, t);
    Id id = next_id_++;
    bytes_ += event.bytes() + key->size();
    by_key_[own][*key].push_back(id);
    by_time_.emplace(t, id);
    entries_.emplace(id, Entry{side, *key, std::move(event), matched});
    return true;
}

void WindowJoin::close_until(const Emit& emit) {
    const std::int64_t horizon = stream_time_ - window_ms_ - grace_ms_;  // records before it are closed
    while (!by_time_.empty() && by_time_.begin()->first < horizon) {
        Id id = by_time_.begin()->second;
        by_time_.erase(by_time_.begin());
        const Entry& e = entries_.at(id);
        if (e.side == Side::left && !e.matched) {
            if (type_ == JoinType::left) {
                ++counts_.left_unmatched;
                emit(e.event, nullptr);
            } else {
                ++counts_.unmatched;
            }
        }
        forget(id);
    }
    while (!offset_expiry_.empty() && offset_expiry_.begin()->first < stream_time_) {
        const auto& [where, offset] = offset_expiry_.begin()->second;
        if (auto it = offsets_.find(where); it != offsets_.end()) {
            it->second.erase(offset);
            if (it->second.empty()) offsets_.erase(it);
        }
        offset_expiry_.erase(offset_expiry_.begin());
    }
}

void WindowJoin::forget(Id id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    auto& ids = by_key_[static_cast<int>(it->second.side)];
    if (auto k = ids.find(it->second.key); k != ids.end()) {
        k->second.erase(std::remove(k->second.begin(), k->second.end(), id), k->second.end());
        if (k->second.empty()) ids.erase(k);
    }
    bytes_ -= std::min(bytes_, it->second.event.bytes() + it->second.key.size());
    entries_.erase(it);
}

std::optional<std::int64_t> WindowJoin::resume_offset(Side side, std::int32_t partition) const {
    auto it = offsets_.find({static_cast<int>(side), partition});
    if (it == offsets_.end() || it->second.empty()) return std::nullopt;
    return *it->second.begin();
}

void WindowJoin::drop_partitions(Side side, const std::vector<std::int32_t>& partitions) {
    const int s = static_cast<int>(side);
    auto gone = [&](std::int32_t p) { return std::find(partitions.begin(), partitions.end(), p) != partitions.end(); };
    for (auto it = by_time_.begin(); it != by_time_.end();) {
        const Entry& e = entries_.at(it->second);
        if (static_cast<int>(e.side) == s && gone(e.event.partition)) {
            forget(it->second);
            it = by_time_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = offset_expiry_.begin(); it != offset_expiry_.end();) {
        if (it->second.first.first == s && gone(it->second.first.second)) it = offset_expiry_.erase(it);
        else ++it;
    }
    for (auto p : partitions) offsets_.erase({s, p});
}

void WindowJoin::clear() {
    entries_.clear();
    by_key_[0].clear();
    by_key_[1].clear();
    by_time_.clear();
    offsets_.clear();
    offset_expiry_.clear();
    bytes_ = 0;
    stream_time_ = std::numeric_limits<std::int64_t>::min();
}

}  // namespace meshctl::pipeline
