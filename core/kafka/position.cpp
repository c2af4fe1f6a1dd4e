#include "core/kafka/position.hpp"

#include "core/error.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <algorithm>

namespace meshctl::kafka {

Position parse_position(std::string_view text, std::string_view what, std::int64_t now_ms) {
    Position p;
    p.text = std::string(text);
    long long n = 0;
    auto bad = [&]() -> Error {
        return usage_error(std::string(what) + ": \"" + std::string(text) + "\" is not a position",
                           "use beginning, end, offset:N, -N (N before the end), an ISO-8601 time, @EPOCH_MS or a "
                           "duration back from now such as -1h");
    };
    if (text == "beginning" || text == "earliest" || text == "start") {
        p.kind = Position::Kind::beginning;
    } else if (text == "end" || text == "latest" || text == "now") {
        p.kind = Position::Kind::end;
    } else if (text.rfind("offset:", 0) == 0) {
        if (!util::parse_int64(text.substr(7), n) || n < 0) throw bad();
        p.kind = Position::Kind::offset;
        p.value = n;
    } else if (!text.empty() && text[0] == '@') {
        if (!util::parse_int64(text.substr(1), n) || n < 0) throw bad();
        p.kind = Position::Kind::time;
        p.value = n;
    } else if (!text.empty() && text[0] == '-') {
        if (util::parse_int64(text.substr(1), n) && n >= 0) {
            p.kind = Position::Kind::from_end;
            p.value = n;
        } else if (auto d = util::try_parse_duration(text.substr(1))) {
            p.kind = Position::Kind::time;
            p.value = now_ms - d->count();
        } else {
            throw bad();
        }
    } else if (util::parse_int64(text, n) && n >= 0) {
        p.kind = Position::Kind::offset;  // a bare number is an offset, as in kcat -o
        p.value = n;
    } else if (auto t = util::parse_iso8601_ms(text)) {
        p.kind = Position::Kind::time;
        p.value = *t;
    } else {
        throw bad();
    }
    return p;
}

std::map<TopicPartition, std::int64_t> resolve_position(Admin& admin, const Position& position,
                                                        const std::map<TopicPartition, Watermarks>& marks) {
    std::map<TopicPartition, std::int64_t> out;
    if (position.kind == Position::Kind::time) {
        std::vector<std::pair<TopicPartition, std::int64_t>> q;
        for (const auto& [tp, wm] : marks) q.emplace_back(tp, position.value);
        auto found = admin.offsets_for_times(q);
        for (const auto& [tp, wm] : marks) {
            auto it = found.find(tp);
            // -1 from the broker means no record at or after that time: the end.
            std::int64_t off = it == found.end() || it->second < 0 ? wm.high : it->second;
            out[tp] = std::clamp(off, wm.low, wm.high);
        }
        return out;
    }
    for (const auto& [tp, wm] : marks) {
        std::int64_t off = 0;
        switch (position.kind) {
            case Position::Kind::beginning: off = wm.low; break;
            case Position::Kind::end: off = wm.high; break;
            case Position::Kind::offset: off = position.value; break;
            case Position::Kind::from_end: off = wm.high - position.value; break;
            case Position::Kind::time: break;
        }
        out[tp] = std::clamp(off, wm.low, wm.high);
    }
    return out;
}

}  // namespace meshctl::kafka
