// The JSON and text forms of a drift report.
#include "core/output/table.hpp"
#include "core/schema/diff.hpp"

namespace meshctl::schema {

namespace {

std::string declared_text(const DeclaredRef& d) {
    if (d.source == "registry")
        return "registry subject \"" + d.subject + "\" version " + std::to_string(d.version) + " (id " + std::to_string(d.id) + ")";
    if (d.source == "catalog") return "the schema of catalog product \"" + d.subject + "\"";
    return "the declared schema";
}

std::string observed_text(const Finding& f) {
    if (f.kind == "missing_field") return "absent";
    std::string out;
    for (const auto& [v, n] : f.observed) out += (out.empty() ? "" : ", ") + v + " " + std::to_string(n);
    return out;
}

std::string examples_text(const Finding& f) {
    std::string out;
    for (const auto& at : f.examples) out += (out.empty() ? "" : " ") + at.str();
    if (f.count > static_cast<std::int64_t>(f.examples.size()) && !f.examples.empty()) out += " ...";
    return out;
}

}  // namespace

nlohmann::json DriftReport::to_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : findings) {
        nlohmann::json observed_json = nlohmann::json::array();
        for (const auto& [v, n] : f.observed) observed_json.push_back({{"value", v}, {"count", n}});
        nlohmann::json examples = nlohmann::json::array();
        for (const auto& at : f.examples) examples.push_back({{"partition", at.partition}, {"offset", at.offset}});
        list.push_back({{"kind", f.kind},
                        {"path", f.path},
                        {"count", f.count},
                        {"expected", f.expected},
                        {"observed", std::move(observed_json)},
                        {"examples", std::move(examples)}});
    }
    return {{"stream", stream},
            {"topic", topic},
            {"partitions", partitions},
            {"declared",
             {{"source", declared.source},
              {"subject", declared.subject},
              {"version", declared.version},
              {"id", declared.id},
              {"type", declared.type},
              {"via", declared.via}}},
            {"samples", {{"requested", requested}, {"observed", observed}, {"decoded", decoded}, {"tombstones", tombstones}, {"bad", bad.total()}}},
            {"interrupted", interrupted},
            {"drift", drift()},
            {"findings", std::move(list)},
            {"bad_events", bad.to_json()}};
}

void DriftReport::to_text(std::ostream& out, const output::TextStyle& style) const {
    std::string head = stream.empty() ? "events" : stream;
    if (!topic.empty() && topic != stream) head += " (topic " + topic + ")";
    out << output::bold(head, style) << ": " << output::thousands(observed) << " events checked against "
        << declared_text(declared) << ": ";
    if (!drift()) {
        out << output::green("no drift", style) << "\n";
        return;
    }
    out << output::red("drift", style) << ", " << findings.size() << (findings.size() == 1 ? " finding" : " findings") << "\n\n";
    output::Table table({"kind", "field", "count", "expected", "observed", "examples"});
    table.align_right(2);
    for (const auto& f : findings)
        table.add_row({f.kind, f.path.empty() ? "(event)" : f.path, output::thousands(f.count), f.expected, observed_text(f), examples_text(f)});
    table.render(out, style);
    if (bad.total()) {
        out << "\n" << bad.total() << " bad events (" << bad.summary() << "):\n";
        for (const auto& e : bad.listed()) out << "  " << e.at.str() << "  " << e.reason << "  " << e.error << "\n";
        if (bad.total() > static_cast<std::int64_t>(bad.listed().size()))
            out << "  ... and " << bad.total() - static_cast<std::int64_t>(bad.listed().size()) << " more\n";
    }
}

}  // namespace meshctl::schema
