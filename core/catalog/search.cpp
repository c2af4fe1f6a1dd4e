#include "core/catalog/search.hpp"

#include "core/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace meshctl::catalog {

std::vector<SearchEntry> merge_entries(const std::vector<const Descriptor*>& products,
                                       const std::vector<std::string>& live_topics, bool include_internal) {
    std::set<std::string> live(live_topics.begin(), live_topics.end());
    std::set<std::string> claimed;
    std::vector<SearchEntry> out;
    for (const Descriptor* d : products) {
        out.push_back({d->name, d->topic, d, live.count(d->topic) > 0});
        claimed.insert(d->topic);
    }
    for (const auto& t : live_topics) {
        if (claimed.count(t)) continue;
        if (!include_internal && !t.empty() && t[0] == '_') continue;
        out.push_back({t, t, nullptr, true});
    }
    return out;
}

namespace {

bool has_word(const std::string& text, const std::string& word) {
    std::string low = util::lower(text);
    for (std::size_t pos = low.find(word); pos != std::string::npos; pos = low.find(word, pos + 1)) {
        bool starts = pos == 0 || !std::isalnum(static_cast<unsigned char>(low[pos - 1]));
        if (starts) return true;  // a word start is enough: "pay" finds "payments"
    }
    return false;
}

bool field_in(const std::vector<std::string>& fields, const std::string& w) {
    for (const auto& f : fields) {
        std::string lf = util::lower(f);
        if (lf == w) return true;
        auto dot = lf.rfind('.');
        if (dot != std::string::npos && lf.substr(dot + 1) == w) return true;
    }
    return false;
}

// A field of the declared schema (catalog) or of the registered one (registry).
bool field_matches(const SearchEntry& e, const std::string& wanted) {
    std::string w = util::lower(wanted);
    return (e.descriptor && field_in(schema_fields(*e.descriptor), w)) || field_in(e.registry_fields, w);
}

}  // namespace

int score_term(const SearchEntry& e, const std::string& raw) {
    std::string term = util::lower(raw);
    std::string name = util::lower(e.name);
    std::string topic = util::lower(e.topic);
    if (term.empty()) return 0;
    if (name == term) return 100;
    if (topic == term) return 90;
    if (name.rfind(term, 0) == 0 || topic.rfind(term, 0) == 0) return 80;
    if (name.find(term) != std::string::npos || topic.find(term) != std::string::npos) return 50;
    if (!e.descriptor) return field_matches(e, term) ? 40 : -1;
    const Descriptor& d = *e.descriptor;
    for (const auto& t : d.tags)
        if (util::lower(t) == term) return 40;
    if (util::lower(d.owner.team) == term || util::lower(d.domain) == term) return 40;
    if (!d.owner.contact.empty() && util::lower(d.owner.contact).find(term) != std::string::npos) return 40;
    if (field_matches(e, term)) return 40;
    if (has_word(d.description, term)) return 20;
    return -1;
}

int score(const SearchEntry& e, const Query& q) {
    if (q.field && !field_matches(e, *q.field)) return -1;
    if (q.owner || q.domain || q.tag) {
        if (!e.descriptor) return -1;
        const Descriptor& d = *e.descriptor;
        if (q.owner) {
            std::string o = util::lower(*q.owner);
            bool ok = util::lower(d.owner.team) == o ||
                      (!d.owner.contact.empty() && util::lower(d.owner.contact).find(o) != std::string::npos);
            if (!ok) return -1;
        }
        if (q.domain && util::lower(d.domain) != util::lower(*q.domain)) return -1;
        if (q.tag && std::none_of(d.tags.begin(), d.tags.end(), [&](const std::string& t) { return util::lower(t) == util::lower(*q.tag); }))
            return -1;
    }
    int total = 0;
    for (const auto& t : q.terms) {
        int s = score_term(e, t);
        if (s < 0) return -1;
        total += s;
    }
    return total;
}

std::vector<Ranked> rank(const std::vector<SearchEntry>& entries, const Query& q) {
    std::vector<Ranked> out;
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (int s = score(entries[i], q); s >= 0) out.push_back({i, s});
    std::stable_sort(out.begin(), out.end(), [&](const Ranked& a, const Ranked& b) {
        if (a.score != b.score) return a.score > b.score;
        bool am = entries[a.index].descriptor != nullptr, bm = entries[b.index].descriptor != nullptr;
        if (am != bm) return am;
        return entries[a.index].name < entries[b.index].name;
    });
    return out;
}

std::vector<std::string> suggestion_pool(const std::vector<SearchEntry>& entries, const Query& q) {
    std::set<std::string> pool;
    for (const auto& e : entries) {
        pool.insert(e.name);
        if (q.field)
            for (const auto& f : e.registry_fields) {
                pool.insert(f);
                if (auto dot = f.rfind('.'); dot != std::string::npos) pool.insert(f.substr(dot + 1));
            }
        if (!e.descriptor) continue;
        const Descriptor& d = *e.descriptor;
        if (q.owner || !q.terms.empty()) pool.insert(d.owner.team);
        if (q.domain || !q.terms.empty()) pool.insert(d.domain);
        if (q.tag || !q.terms.empty()) pool.insert(d.tags.begin(), d.tags.end());
        if (q.field) {
            for (const auto& f : schema_fields(d)) {
                pool.insert(f);
                if (auto dot = f.rfind('.'); dot != std::string::npos) pool.insert(f.substr(dot + 1));
            }
        }
    }
    return {pool.begin(), pool.end()};
}

}  // namespace meshctl::catalog
