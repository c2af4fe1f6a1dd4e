#include "core/pipeline/loader.hpp"

#include "core/error.hpp"
#include "core/expr/expr.hpp"
#include "core/kafka/position.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace meshctl::pipeline {

const std::vector<std::string>& known_sink_types() {
    static const std::vector<std::string> types = {"stdout", "file", "kafka", "sqlite", "elasticsearch"};
    return types;
}

const SourceSpec& PipelineSpec::stream() const {
    const StepSpec* w = windowed_join();
    for (const auto& s : sources)
        if (s.kind == SourceKind::stream && (!w || s.name != w->stream)) return s;
    throw config_error(file + ": the pipeline has no stream source");
}

const StepSpec* PipelineSpec::windowed_join() const {
    for (const auto& s : steps)
        if (s.windowed()) return &s;
    return nullptr;
}

const SourceSpec* PipelineSpec::joined_stream() const {
    const StepSpec* w = windowed_join();
    return w ? source(w->stream) : nullptr;
}

const SourceSpec* PipelineSpec::source(const std::string& n) const {
    for (const auto& s : sources)
        if (s.name == n) return &s;
    return nullptr;
}

std::string SinkSpec::describe() const {
    std::string out = type;
    std::string opts;
    for (auto it = options.begin(); it != options.end(); ++it) {
        if (it.key() == "password" || it.key() == "api_key") continue;  // never shown
        opts += (opts.empty() ? "" : ", ") + it.key() + "=" + (it->is_string() ? it->get<std::string>()
                                                       : it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return opts.empty() ? out : out + "(" + opts + ")";
}

std::vector<std::string> bound_names(const PipelineSpec& spec, std::size_t index) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < index && i < spec.steps.size(); ++i)
        if (spec.steps[i].kind == StepKind::join) names.push_back(spec.steps[i].as);
    return names;
}

namespace {

const char* const hint_text = "see meshctl-pipeline(5) for the file format";

struct Reader {
    const std::string& file;

    Location at(const YAML::Node& node) const {
        const auto& m = node.Mark();
        if (m.is_null()) return {};
        return {m.line + 1, m.column + 1};
    }
    std::string where(Location l) const {
        return l.line ? file + ":" + std::to_string(l.line) + ":" + std::to_string(l.column) : file;
    }
    [[noreturn]] void fail(Location l, const std::string& what) const { throw config_error(where(l) + ": " + what, hint_text); }
    [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const { fail(at(node), what); }
    static std::string shape(const YAML::Node& node) {
        if (node.IsMap()) return "a mapping";
        if (node.IsSequence()) return "a list";
        if (node.IsNull()) return "empty";
        return "\"" + node.Scalar() + "\"";
    }
    std::string text(const YAML::Node& node, const std::string& what) const {
        if (!node.IsScalar()) fail(node, what + " must be a string, not " + shape(node));
        if (util::trim(node.Scalar()).empty()) fail(node, what + " must not be empty");
        return node.Scalar();
    }
    bool boolean(const YAML::Node& node, const std::string& what) const {
        std::string v = node.IsScalar() ? node.Scalar() : "";
        if (v == "true") return true;
        if (v == "false") return false;
        fail(node, what + " must be true or false, not " + shape(node));
    }
    // A duration such as `10m` or `1h30m`, in milliseconds; 0 is written `0s`.
    std::int64_t duration(const YAML::Node& node, const std::string& what) const {
        std::string v = text(node, what);
        auto d = util::try_parse_duration(util::trim(v));
        if (!d) fail(node, what + ": \"" + v + "\" is not a duration (use a number with a unit: 500ms, 30s, 10m, 2h, 1h30m)");
        return d->count();
    }
    void mapping(const YAML::Node& node, const std::string& what) const {
        if (!node.IsMap()) fail(node, what + " must be a mapping, not " + shape(node));
    }
    [[noreturn]] void unknown(const YAML::Node& key_node, const std::string& key, const std::string& in,
                              const std::vector<std::string>& allowed) const {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        std::string hint = util::did_you_mean(key, allowed);
        fail(key_node, "unknown key \"" + key + "\" in " + in + (hint.empty() ? " (expected one of: " + list + ")" : hint));
    }

    // Compiles `source` so mistakes surface now, pointing into the file where the
    // expression's own error points (for single-line expressions).
    void check_expr(const YAML::Node& node, const std::string& source, const std::string& what,
                    const std::vector<std::string>& names) const {
        expr::CompileOptions opts;
        opts.variables = names;
        try {
            expr::Program::compile(source, opts);
        } catch (const Error& e) {
            Location l = at(node);
            std::string msg = e.what();
            static const std::regex col(R"(^invalid expression at column (\d+): )");
            std::smatch m;
            if (std::regex_search(msg, m, col)) {
                bool quoted = node.Tag() == "!";
                l.column += std::stoi(m[1].str()) - 1 + (quoted ? 1 : 0);
                msg = msg.substr(static_cast<std::size_t>(m.length(0)));
            } else if (msg.rfind("invalid expression at ", 0) == 0) {
                msg = msg.substr(22);
            }
            std::string hint = e.hint();
            if (hint.empty() && !names.empty()) {
                std::string list;
                for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
                hint = "names bound here besides the event's (value, key, headers, topic, partition, offset, timestamp): " + list;
            }
            throw config_error(where(l) + ": " + what + ": " + msg, hint.empty() ? hint_text : hint);
        }
    }
};

// Plain YAML scalars become JSON numbers, booleans and null; quoted ones stay strings.
nlohmann::json to_json(const YAML::Node& node) {
    if (node.IsMap()) {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& kv : node) j[kv.first.Scalar()] = to_json(kv.second);
        return j;
    }
    if (node.IsSequence()) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& e : node) j.push_back(to_json(e));
        return j;
    }
    if (node.IsNull()) return nullptr;
    const std::string& s = node.Scalar();
    if (node.Tag() != "!") {
        if (s == "true") return true;
        if (s == "false") return false;
        long long i;
        if (util::parse_int64(s, i)) return static_cast<std::int64_t>(i);
        try {
            std::size_t used = 0;
            double d = std::stod(s, &used);
            if (used == s.size()) return d;
        } catch (...) {
        }
    }
    return s;
}

bool is_identifier(const std::string& s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

const std::vector<std::string> event_names = {"value", "key", "headers", "topic", "partition", "offset", "timestamp"};

SourceSpec read_source(const Reader& r, const YAML::Node& name_node, const YAML::Node& node) {
    SourceSpec s;
    s.name = r.text(name_node, "a source name");
    s.at = r.at(name_node);
    if (!is_identifier(s.name)) r.fail(name_node, "source name \"" + s.name + "\" must be letters, digits and _ (steps refer to it)");
    if (node.IsScalar()) {  // `orders: orders` is a stream read from the beginning
        s.topic = r.text(node, "source \"" + s.name + "\"");
        return s;
    }
    r.mapping(node, "source \"" + s.name + "\"");
    const std::string in = "source \"" + s.name + "\"";
    bool have_key = false, have_from = false;
    for (const auto& kv : node) {
        std::string k = kv.first.Scalar();
        if (k == "topic") s.topic = r.text(kv.second, in + ": \"topic\"");
        else if (k == "as") {
            std::string v = r.text(kv.second, in + ": \"as\"");
            if (v == "stream") s.kind = SourceKind::stream;
            else if (v == "table") s.kind = SourceKind::table;
            else r.fail(kv.second, in + ": \"as\" must be stream or table, not \"" + v + "\"");
        } else if (k == "decoding") {
            std::string v = r.text(kv.second, in + ": \"decoding\"");
            if (v == "json") s.decoding = Decoding::json;
            else if (v == "raw") s.decoding = Decoding::raw;
            else r.fail(kv.second, in + ": \"decoding\" must be json or raw, not \"" + v + "\"");
        } else if (k == "from") {
            s.from = r.text(kv.second, in + ": \"from\"");
            have_from = true;
            try {
                kafka::Position p = kafka::parse_position(s.from, in + " \"from\"", util::now_ms());
                (void)p;
            } catch (const Error& e) {
                r.fail(kv.second, e.what());
            }
        } else if (k == "key") {
            s.key = r.text(kv.second, in + ": \"key\"");
            s.key_at = r.at(kv.second);
            have_key = true;
            r.check_expr(kv.second, s.key, in + " key", {});
        } else {
            r.unknown(kv.first, k, in, {"topic", "as", "decoding", "from", "key"});
        }
    }
    if (s.topic.empty()) r.fail(name_node, in + " needs \"topic\"");
    (void)have_key;  // on a stream, allowed only for the second stream of a windowed join (checked with the steps)
    if (s.kind == SourceKind::table && have_from)
        r.fail(name_node, in + ": a table is always loaded from its whole history; \"from\" is for streams");
    return s;
}

StepSpec read_join(const Reader& r, const PipelineSpec& p, const YAML::Node& node, std::size_t index) {
    StepSpec s;
    s.kind = StepKind::join;
    const std::string in = "steps[" + std::to_string(index) + "].join";
    r.mapping(node, in);
    YAML::Node on_node, window_node, grace_node, copartitioned_node;  // set when given (a default Node is not "absent")
    bool have_window = false, have_grace = false, have_copartitioned = false;
    for (const auto& kv : node) {
        std::string k = kv.first.Scalar();
        if (k == "table") s.table = r.text(kv.second, in + ": \"table\"");
        else if (k == "stream") s.stream = r.text(kv.second, in + ": \"stream\"");
        else if (k == "window") {
            s.window_ms = r.duration(kv.second, in + ": \"window\"");
            if (s.window_ms <= 0) r.fail(kv.second, in + ": \"window\" must be longer than 0");
            window_node = kv.second;
            have_window = true;
        } else if (k == "grace") {
            s.grace_ms = r.duration(kv.second, in + ": \"grace\"");
            grace_node = kv.second;
            have_grace = true;
        } else if (k == "on") {
            s.on = r.text(kv.second, in + ": \"on\"");
            on_node = kv.second;
            s.expr_at = r.at(kv.second);
        } else if (k == "type") {
            std::string v = r.text(kv.second, in + ": \"type\"");
            if (v == "inner") s.join_type = JoinType::inner;
            else if (v == "left") s.join_type = JoinType::left;
            else r.fail(kv.second, in + ": \"type\" must be inner or left, not \"" + v + "\"");
        } else if (k == "as") {
            s.as = r.text(kv.second, in + ": \"as\"");
            if (!is_identifier(s.as)) r.fail(kv.second, in + ": \"as\" must be letters, digits and _");
        } else if (k == "copartitioned") {
            s.copartitioned = r.boolean(kv.second, in + ": \"copartitioned\"");
            copartitioned_node = kv.first;
            have_copartitioned = true;
        } else {
            r.unknown(kv.first, k, in, {"table", "stream", "on", "type", "as", "window", "grace", "copartitioned"});
        }
    }
    if (!s.table.empty() && !s.stream.empty())
        r.fail(node, in + " takes either \"table\" (a table join) or \"stream\" (a windowed stream-stream join), not both");
    if (s.table.empty() && s.stream.empty())
        r.fail(node, in + " needs \"table\" (the name of a table source) or \"stream\" with \"window\" (a windowed join)");
    if (s.on.empty())
        r.fail(node, in + " needs \"on\" (an expression giving the " + (s.stream.empty() ? "table" : "join") + " key for each event)");
    const std::string& other = s.stream.empty() ? s.table : s.stream;
    const SourceSpec* t = p.source(other);
    if (!t) {
        std::vector<std::string> names;
        for (const auto& src : p.sources) names.push_back(src.name);
        r.fail(node, in + ": no source called \"" + other + "\"" + util::did_you_mean(other, names));
    }
    if (s.stream.empty()) {
        if (t->kind != SourceKind::table)
            r.fail(node, in + ": source \"" + s.table + "\" is a stream; declare it with `as: table` to join it, or join it as "
                             "`stream: " + s.table + "` with a `window`");
        if (have_window) r.fail(window_node, in + ": \"window\" is for stream-stream joins (`stream:`); a table join has none");
        if (have_grace) r.fail(grace_node, in + ": \"grace\" is for stream-stream joins (`stream:`); a table join has none");
    } else {
        if (t->kind != SourceKind::stream)
            r.fail(node, in + ": source \"" + s.stream + "\" is a table; join it with `table: " + s.stream + "`");
        if (!have_window) r.fail(node, in + ": a stream-stream join needs \"window\" (e.g. `window: 10m`: records join when "
                                            "their timestamps are at most that far apart)");
        if (have_copartitioned)
            r.fail(copartitioned_node, in + ": \"copartitioned\" is for table joins; a windowed join always reads matching "
                                            "partitions of both streams");
        if (p.windowed_join()) r.fail(node, in + ": a pipeline has at most one windowed join");
        for (std::size_t i = 0; i < index; ++i)
            if (p.steps[i].kind != StepKind::filter)
                r.fail(node, in + ": a windowed join must come before map, drop and table join steps (filters may precede it), "
                                  "because the events it holds are kept as they were read");
    }
    if (s.as.empty()) s.as = other;
    for (const auto& e : event_names)
        if (s.as == e) r.fail(node, in + ": \"as: " + s.as + "\" would hide the event's own `" + e + "`; choose another name");
    for (const auto& n : bound_names(p, index))
        if (n == s.as) r.fail(node, in + ": the name \"" + s.as + "\" is already bound by an earlier join; set \"as\"");
    r.check_expr(on_node, s.on, in + ".on", bound_names(p, index));
    return s;
}

StepSpec read_map(const Reader& r, const PipelineSpec& p, const YAML::Node& node, std::size_t index) {
    StepSpec s;
    s.kind = StepKind::map;
    const std::string in = "steps[" + std::to_string(index) + "].map";
    r.mapping(node, in);
    if (node.size() == 0) r.fail(node, in + " needs at least one field");
    std::set<std::string> seen;
    for (const auto& kv : node) {
        MapField f;
        f.name = kv.first.Scalar();
        f.at = r.at(kv.second);
        f.spread = f.name == "...";
        f.expr = r.text(kv.second, in + "." + f.name);
        if (!f.spread && !seen.insert(f.name).second) r.fail(kv.first, in + ": field \"" + f.name + "\" appears twice");
        r.check_expr(kv.second, f.expr, in + "." + f.name, bound_names(p, index));
        s.fields.push_back(std::move(f));
    }
    return s;
}

SinkSpec read_sink(const Reader& r, const PipelineSpec& p, const YAML::Node& node, const std::string& in) {
    SinkSpec s;
    s.at = r.at(node);
    r.mapping(node, in);
    std::vector<std::string> names = bound_names(p, p.steps.size());
    for (const auto& kv : node) {
        std::string k = kv.first.Scalar();
        if (k == "type") {
            s.type = r.text(kv.second, in + ": \"type\"");
            const auto& types = known_sink_types();
            if (std::find(types.begin(), types.end(), s.type) == types.end()) {
                std::string list;
                for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
                r.fail(kv.second, in + ": unknown sink type \"" + s.type + "\"" + util::did_you_mean(s.type, types) +
                                      " (known: " + list + ")");
            }
        } else if (k == "id" || k == "key") {
            std::string e = r.text(kv.second, in + ": \"" + k + "\"");
            r.check_expr(kv.second, e, in + "." + k, names);
            (k == "id" ? s.id : s.key) = e;
            (k == "id" ? s.id_at : s.key_at) = r.at(kv.second);
        } else {
            s.options[k] = to_json(kv.second);
        }
    }
    if (s.type.empty()) r.fail(node, in + " needs \"type\" (stdout, file, kafka, sqlite or elasticsearch)");
    return s;
}

PipelineSpec read_pipeline(const Reader& r, const YAML::Node& root) {
    PipelineSpec p;
    p.file = r.file;
    if (!root.IsMap()) r.fail(root, "a pipeline must be a mapping with name, sources, steps and sinks");
    YAML::Node sources, steps, sinks, dead_letter;
    bool have_sources = false, have_steps = false, have_sinks = false, have_dead_letter = false;
    for (const auto& kv : root) {
        std::string k = kv.first.Scalar();
        if (k == "name") {
            p.name = r.text(kv.second, "\"name\"");
            for (char c : p.name)
                if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
                    r.fail(kv.second, "\"name\" may hold letters, digits, -, _ and . (it names the consumer group)");
        } else if (k == "group") p.group = r.text(kv.second, "\"group\"");
        else if (k == "sources") sources = kv.second, have_sources = true;
        else if (k == "steps") steps = kv.second, have_steps = true;
        else if (k == "sinks") sinks = kv.second, have_sinks = true;
        else if (k == "dead_letter") dead_letter = kv.second, have_dead_letter = true;
        else if (k == "description") r.text(kv.second, "\"description\"");
        else r.unknown(kv.first, k, "the pipeline", {"name", "description", "group", "sources", "steps", "sinks", "dead_letter"});
    }
    if (p.name.empty()) r.fail(root, "the pipeline needs \"name\"");
    if (!have_sources) r.fail(root, "the pipeline needs \"sources\" (one stream, and tables to join)");
    r.mapping(sources, "\"sources\"");
    for (const auto& kv : sources) {
        SourceSpec s = read_source(r, kv.first, kv.second);
        if (p.source(s.name)) r.fail(kv.first, "source \"" + s.name + "\" is declared twice");
        p.sources.push_back(std::move(s));
    }
    int streams = 0;
    for (const auto& s : p.sources) streams += s.kind == SourceKind::stream;
    if (streams < 1 || streams > 2)
        r.fail(sources, "a pipeline reads one stream (as: stream), or two joined by a windowed join; this one declares " +
                            std::to_string(streams));
    if (have_steps && !steps.IsNull()) {
        if (!steps.IsSequence()) r.fail(steps, "\"steps\" must be a list, not " + Reader::shape(steps));
        std::size_t i = 0;
        for (const auto& step : steps) {
            if (!step.IsMap() || step.size() != 1)
                r.fail(step, "steps[" + std::to_string(i) + "] must be one of `filter: EXPR`, `join: {...}` or `map: {...}`");
            auto kv = *step.begin();
            std::string k = kv.first.Scalar();
            StepSpec s;
            if (k == "filter") {
                s.kind = StepKind::filter;
                s.expr = r.text(kv.second, "steps[" + std::to_string(i) + "].filter");
                s.expr_at = r.at(kv.second);
                r.check_expr(kv.second, s.expr, "steps[" + std::to_string(i) + "].filter", bound_names(p, i));
            } else if (k == "join") {
                s = read_join(r, p, kv.second, i);
            } else if (k == "map") {
                s = read_map(r, p, kv.second, i);
            } else if (k == "drop") {
                s.kind = StepKind::map;
                s.fields.push_back({"...", "value", true, r.at(kv.second)});
                if (kv.second.IsScalar()) s.drop.push_back(r.text(kv.second, "steps[" + std::to_string(i) + "].drop"));
                else if (kv.second.IsSequence())
                    for (const auto& f : kv.second) s.drop.push_back(r.text(f, "steps[" + std::to_string(i) + "].drop entry"));
                else r.fail(kv.second, "steps[" + std::to_string(i) + "].drop must be a field name or a list of them");
            } else {
                r.unknown(kv.first, k, "steps[" + std::to_string(i) + "]", {"filter", "join", "map", "drop"});
            }
            s.at = r.at(kv.first);
            p.steps.push_back(std::move(s));
            ++i;
        }
    }
    const StepSpec* w = p.windowed_join();
    if (streams == 2 && !w)
        r.fail(sources, "a pipeline reads one stream; a second stream must be joined with a windowed join "
                        "(join: {stream: NAME, on: EXPR, window: 10m})");
    if (w && streams == 1)
        r.fail(w->at, "steps: the windowed join joins the stream \"" + w->stream + "\" with itself; declare a second stream");
    for (const auto& s : p.sources)
        if (s.kind == SourceKind::stream && s.key_at.line && (!w || s.name != w->stream))
            r.fail(s.key_at, "source \"" + s.name + "\": \"key\" is for tables (as: table) and for the second stream of a "
                             "windowed join; this stream is joined with `on:` in a join step");
    if (!have_sinks) r.fail(root, "the pipeline needs \"sinks\" (a list of at least one sink)");
    if (!sinks.IsSequence() || sinks.size() == 0) r.fail(sinks, "\"sinks\" must be a list of at least one sink");
    std::size_t i = 0;
    for (const auto& node : sinks) p.sinks.push_back(read_sink(r, p, node, "sinks[" + std::to_string(i++) + "]"));
    if (have_dead_letter) {
        p.dead_letter = read_sink(r, p, dead_letter, "dead_letter");
        if (p.dead_letter->id || p.dead_letter->key)
            r.fail(dead_letter, "dead_letter takes no id or key: it keeps each event's origin as it came");
    }
    return p;
}

}  // namespace

PipelineSpec parse_pipeline(std::string_view text, const std::string& file) {
    Reader r{file};
    // Sink options travel as JSON, which only holds UTF-8: refuse other bytes with their line.
    if (!simdjson::validate_utf8(text.data(), text.size())) {
        int line = 1;
        for (std::size_t at = 0; at < text.size();) {
            std::size_t nl = text.find('\n', at);
            std::string_view l = text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
            if (!simdjson::validate_utf8(l.data(), l.size())) break;
            at = nl == std::string_view::npos ? text.size() : nl + 1;
            ++line;
        }
        throw config_error(file + ":" + std::to_string(line) + ": text is not valid UTF-8 (save the file as UTF-8)", hint_text);
    }
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        throw config_error(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                               ": not valid YAML: " + e.msg,
                           hint_text);
    }
    if (!root || root.IsNull()) throw config_error(file + ": the pipeline file is empty", hint_text);
    return read_pipeline(r, root);
}

PipelineSpec load_pipeline(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(path))
            throw not_found_error("pipeline file " + path.string() + " does not exist", "check the path");
        throw io_error("cannot read pipeline file " + path.string());
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_pipeline(ss.str(), path.string());
}

}  // namespace meshctl::pipeline
