#include "core/backfill/offsets_file.hpp"

#include "core/error.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace meshctl::backfill {

namespace fs = std::filesystem;

fs::path default_rollback_dir() {
    if (const char* d = std::getenv("MESHCTL_STATE_DIR"); d && *d) return fs::path(d) / "backfill";
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return fs::path(x) / "meshctl" / "backfill";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local" / "state" / "meshctl" / "backfill";
    return fs::temp_directory_path() / "meshctl-backfill";
}

fs::path rollback_path_for(const std::string& group, std::int64_t now_ms, const fs::path& dir) {
    std::string safe;
    for (char c : group) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
    std::string stamp;
    for (char c : util::format_iso8601_ms(now_ms))
        if (c != '-' && c != ':') stamp += c;
    return dir / (safe + "-" + stamp + ".csv");
}

namespace {

void write_atomically(const fs::path& path, const std::string& content) {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    fs::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << content;
        out.flush();
        if (!out)
            throw io_error("cannot write " + tmp.string() + ": " + std::strerror(errno),
                           "check that the folder exists and is writable, or choose another with --rollback-file");
    }
    fs::rename(tmp, path, ec);
    if (ec) throw io_error("cannot write " + path.string() + ": " + ec.message());
}

[[noreturn]] void malformed(const fs::path& path, std::size_t line, const std::string& what) {
    throw usage_error(path.string() + ":" + std::to_string(line) + ": " + what,
                      "expected lines of topic,partition,offset (or group,topic,partition,offset), or a meshctl JSON offsets file");
}

OffsetsFile read_json(const fs::path& path, const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw usage_error(path.string() + ": not valid JSON: " + e.what(), "pass the .json or .csv file a reset wrote");
    }
    OffsetsFile f;
    try {
        f.group = j.value("group", std::string());
        f.reason = j.value("reason", std::string());
        f.created_ms = j.value("created_ms", std::int64_t{0});
        for (const auto& o : j.at("offsets")) {
            kafka::TopicPartition tp{o.at("topic").get<std::string>(), o.at("partition").get<std::int32_t>()};
            const auto& off = o.at("offset");
            f.offsets[tp] = off.is_null() ? std::nullopt : std::optional<std::int64_t>(off.get<std::int64_t>());
        }
    } catch (const nlohmann::json::exception& e) {
        throw usage_error(path.string() + ": not a meshctl offsets file: " + e.what(),
                          "expected {\"group\": ..., \"offsets\": [{\"topic\", \"partition\", \"offset\"}]}");
    }
    return f;
}

}  // namespace

void write_csv(const OffsetsFile& file, const fs::path& path) {
    std::string out;
    for (const auto& [tp, off] : file.offsets)
        if (off) out += tp.topic + "," + std::to_string(tp.partition) + "," + std::to_string(*off) + "\n";
    write_atomically(path, out);
}

void write_json(const OffsetsFile& file, const fs::path& path) {
    nlohmann::json offsets = nlohmann::json::array();
    for (const auto& [tp, off] : file.offsets)
        offsets.push_back({{"topic", tp.topic}, {"partition", tp.partition}, {"offset", off ? nlohmann::json(*off) : nlohmann::json()}});
    nlohmann::json j = {{"kind", "meshctl.backfill.offsets"},
                        {"version", 1},
                        {"group", file.group},
                        {"reason", file.reason},
                        {"created_ms", file.created_ms},
                        {"created_at", util::format_iso8601_ms(file.created_ms)},
                        {"offsets", offsets}};
    write_atomically(path, j.dump(2) + "\n");
}

OffsetsFile read_offsets_file(const fs::path& path, const std::optional<std::string>& group) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("cannot read " + path.string() + ": " + std::strerror(errno), "check the path of the rollback file");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
        auto f = read_json(path, text);
        if (group && !f.group.empty() && *group != f.group)
            throw usage_error(path.string() + " holds offsets of group \"" + f.group + "\", not \"" + *group + "\"",
                              "drop --group, or pass the file written for that group");
        if (group) f.group = *group;
        return f;
    }
    OffsetsFile f;
    std::set<std::string> groups;
    std::size_t lineno = 0;
    for (const auto& raw : util::split(text, '\n')) {
        ++lineno;
        std::string_view line = util::trim(raw);
        if (line.empty() || line[0] == '#') continue;
        auto cols = util::split(line, ',');
        for (auto& c : cols) c = std::string(util::trim(c));
        if (cols.size() != 3 && cols.size() != 4)
            malformed(path, lineno, "expected 3 or 4 comma-separated fields, found " + std::to_string(cols.size()));
        std::size_t k = cols.size() - 3;
        long long partition = 0, offset = 0;
        if (!util::parse_int64(cols[k + 1], partition) || partition < 0 || partition > INT32_MAX) {
            if (lineno == 1 && util::lower(cols[k + 1]) == "partition") continue;  // a header line
            malformed(path, lineno, "\"" + cols[k + 1] + "\" is not a partition number");
        }
        if (!util::parse_int64(cols[k + 2], offset) || offset < 0)
            malformed(path, lineno, "\"" + cols[k + 2] + "\" is not an offset");
        if (k == 1) {
            groups.insert(cols[0]);
            if (group && cols[0] != *group) continue;
            f.group = cols[0];
        }
        f.offsets[{cols[k], static_cast<std::int32_t>(partition)}] = offset;
    }
    if (!group && groups.size() > 1)
        throw usage_error(path.string() + " holds offsets of " + std::to_string(groups.size()) + " groups",
                          "choose one with --group NAME");
    if (group) f.group = *group;
    if (f.group.empty())
        throw usage_error(path.string() + " does not say which group its offsets belong to",
                          "pass --group NAME, or use the .json file written beside the .csv");
    if (f.offsets.empty()) throw usage_error(path.string() + " holds no offsets" + (group ? " for group \"" + *group + "\"" : ""));
    return f;
}

}  // namespace meshctl::backfill
