#include "core/error.hpp"
#include "core/manpage/manpage.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace meshctl::manpage {

namespace {

using completion::CommandNode;
using completion::OptionSpec;

// Sections the generator writes itself; prose for them is merged, not copied.
const std::set<std::string, std::less<>> generated_sections = {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "GLOBAL OPTIONS", "EXAMPLES", "SEE ALSO"};

/// A command below a page's top command, named by its path relative to it ("reset").
struct Sub {
    std::string path;
    const CommandNode* node;
};

void flatten(const CommandNode& n, const std::string& prefix, std::vector<Sub>& out) {
    for (const auto& c : n.children) {
        std::string path = prefix.empty() ? c.name : prefix + " " + c.name;
        out.push_back({path, &c});
        flatten(c, path, out);
    }
}

/// The footer of --help split into example command lines and other notes.
struct Footer {
    std::vector<std::string> examples;
    std::string notes;
};

Footer split_footer(const std::string& footer) {
    Footer f;
    std::istringstream in(footer);
    std::string line;
    bool in_examples = false;
    while (std::getline(in, line)) {
        if (line.rfind("Example", 0) == 0 && !line.empty() && line.back() == ':') {
            in_examples = true;
        } else if (in_examples && line.rfind("  ", 0) == 0) {
            f.examples.push_back(line.substr(2));
        } else {
            in_examples = false;
            f.notes += (f.notes.empty() ? "" : "\n") + line;
        }
    }
    return f;
}

// Help texts are phrases ("Run in the background"); a page reads better in sentences.
std::string sentence(const std::string& text) {
    if (text.empty() || std::string_view(".!?:").find(text.back()) != std::string_view::npos) return text;
    return text + ".";
}

std::string tab_indented(const std::string& text) {
    std::string out = "\t";
    for (char c : text) {
        out.push_back(c);
        if (c == '\n') out.push_back('\t');
    }
    return out;
}

std::string positionals(const CommandNode& n) {
    std::string out;
    for (const auto& p : n.positionals) {
        std::string arg = "_" + escape(p.name) + "_" + (p.repeatable ? "..." : "");
        out += " " + (p.required ? arg : "[" + arg + "]");
    }
    return out;
}

std::string option_names(const OptionSpec& o) {
    std::string out;
    for (const auto& name : o.names) out += (out.empty() ? "" : ", ") + ("*" + name + "*");
    return out;
}

std::string option_header(const OptionSpec& o) {
    return option_names(o) + (o.value_name.empty() ? "" : " _" + escape(o.value_name) + "_");
}

std::string synopsis_line(const std::string& full_path, const CommandNode& n) {
    std::string line = "*" + full_path + "*" + positionals(n);
    bool optional = false;
    for (const auto& o : n.options) {
        if (!o.required) {
            optional = true;
            continue;
        }
        std::string name = o.names.empty() ? "" : o.names.back();
        line += " *" + name + "*" + (o.value_name.empty() ? "" : " _" + escape(o.value_name) + "_");
    }
    return line + (optional ? " [_options_]" : "");
}

bool covers(const std::vector<std::string>& flags, const OptionSpec& o) {
    return std::any_of(o.names.begin(), o.names.end(),
                       [&](const std::string& n) { return std::find(flags.begin(), flags.end(), n) != flags.end(); });
}

void add_reference(std::vector<std::string>& refs, const std::string& ref) {
    if (std::find(refs.begin(), refs.end(), ref) == refs.end()) refs.push_back(ref);
}

// "meshctl-pipeline(5)" mentioned in descriptions and footers become SEE ALSO entries.
void collect_references(const CommandNode& n, const std::vector<std::string>& known, std::vector<std::string>& refs) {
    for (const auto& page : known)
        if (n.description.find(page) != std::string::npos || n.footer.find(page) != std::string::npos) add_reference(refs, page);
    for (const auto& c : n.children) collect_references(c, known, refs);
}

std::string see_also(std::vector<std::string> refs, const Prose* prose) {
    std::string out;
    for (const auto& r : refs) {
        auto open = r.find('(');
        out += (out.empty() ? "" : ", ") + ("*" + r.substr(0, open) + "*" + r.substr(open));
    }
    if (prose)
        if (const auto* s = prose->find("SEE ALSO"); s && !s->body.empty()) out += (out.empty() ? "" : ", ") + s->body;
    return out;
}

void other_prose_sections(std::ostream& out, const Prose* prose) {
    if (!prose) return;
    for (const auto& s : prose->sections)
        if (!generated_sections.count(s.heading)) out << "# " << s.heading << "\n\n" << s.body << "\n\n";
}

class PageWriter {
public:
    PageWriter(const Prose* prose, std::string page, std::vector<std::string>& warnings)
        : prose_(prose), page_(std::move(page)), warnings_(warnings) {}

    const Section* section(std::string_view heading) const { return prose_ ? prose_->find(heading) : nullptr; }

    /// COMMANDS: one entry per command, with hand-written text where there is some.
    void commands(std::ostream& out, const std::vector<Sub>& subs, bool root, const std::string& parent_notes = {}) {
        std::string lead;
        std::vector<Entry> entries;
        if (const auto* s = section("COMMANDS")) entries = parse_entries(s->body, &lead);
        std::vector<bool> used(entries.size());
        out << "# COMMANDS\n\n";
        if (!lead.empty()) out << lead << "\n\n";
        for (const auto& sub : subs) {
            const CommandNode& n = *sub.node;
            if (root && sub.path.find(' ') != std::string::npos) continue;
            out << "*" << sub.path << "*" << (root ? "" : positionals(n)) << "\n";
            auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return entry_command(e) == sub.path; });
            if (it != entries.end()) {
                used[static_cast<size_t>(it - entries.begin())] = true;
                out << it->body << "\n";
            } else {
                out << tab_indented(escape(sentence(n.description))) << "\n";
                // CLI11 copies a group's footer into commands added after it; print it once.
                auto notes = split_footer(n.footer).notes;
                if (!notes.empty() && !root && notes != parent_notes) out << "\n" << tab_indented(escape(notes)) << "\n";
            }
            if (root) {
                if (!n.children.empty()) {
                    std::string names;
                    for (const auto& c : n.children) names += (names.empty() ? "" : ", ") + ("*" + c.name + "*");
                    out << "\n\tCommands: " << names << ".\n";
                }
                out << "\n\tSee *meshctl-" << n.name << "*(1).\n";
            } else if (!n.options.empty()) {
                std::string names;
                for (const auto& o : n.options) names += (names.empty() ? "" : ", ") + ("*" + o.names.back() + "*");
                out << "\n\tOptions: " << names << ".\n";
            }
            out << "\n";
        }
        for (size_t i = 0; i < entries.size(); ++i)
            if (!used[i]) warnings_.push_back(page_ + ": COMMANDS documents \"" + entry_command(entries[i]) + "\", which is not a command");
    }

    /// OPTIONS: every option of the given commands once, hand-written text where there is some.
    void options(std::ostream& out, const std::string& heading, const std::vector<Sub>& owners, size_t leaves, const std::string& trailer) {
        struct Use {
            const OptionSpec* spec;
            std::vector<std::pair<std::string, std::string>> by;  // command path, description
        };
        std::vector<Use> uses;
        for (const auto& owner : owners)
            for (const auto& o : owner.node->options) {
                auto it = std::find_if(uses.begin(), uses.end(), [&](const Use& u) { return u.spec->names == o.names; });
                if (it == uses.end()) it = uses.insert(uses.end(), Use{&o, {}});
                it->by.emplace_back(owner.path, o.description);
            }
        std::string lead;
        std::vector<Entry> entries;
        if (const auto* s = section(heading)) entries = parse_entries(s->body, &lead);
        std::vector<bool> used(entries.size());
        if (uses.empty() && lead.empty() && trailer.empty()) return;
        out << "# " << heading << "\n\n";
        if (!lead.empty()) out << lead << "\n\n";
        for (const auto& u : uses) {
            size_t match = entries.size();
            for (size_t i = 0; i < entries.size() && match == entries.size(); ++i)
                if (covers(entry_flags(entries[i]), *u.spec)) match = i;
            if (match < entries.size()) {
                if (used[match]) continue;  // one entry documents several options (--from, --until)
                used[match] = true;
                out << entries[match].header << "\n" << entries[match].body << "\n";
            } else {
                out << option_header(*u.spec) << "\n";
                bool same = std::all_of(u.by.begin(), u.by.end(), [&](const auto& b) { return b.second == u.by.front().second; });
                if (same) {
                    out << tab_indented(escape(sentence(u.spec->description))) << "\n";
                } else {
                    for (size_t i = 0; i < u.by.size(); ++i)
                        out << (i ? "\n" : "") << "\t*" << u.by[i].first << "*: " << escape(sentence(u.by[i].second)) << "\n";
                }
            }
            if (leaves > 1 && u.by.size() < leaves) {
                std::string names;
                for (const auto& b : u.by) names += (names.empty() ? "" : ", ") + ("*" + b.first + "*");
                out << "\n\tFor " << names << ".\n";
            }
            out << "\n";
        }
        for (size_t i = 0; i < entries.size(); ++i)
            if (!used[i]) warnings_.push_back(page_ + ": OPTIONS documents \"" + entries[i].header + "\", which no command has");
        if (!trailer.empty()) out << trailer << "\n\n";
    }

    /// EXAMPLES: the hand-written ones, else those of --help.
    void examples(std::ostream& out, const std::vector<Sub>& subs) {
        if (const auto* s = section("EXAMPLES")) {
            out << "# EXAMPLES\n\n" << s->body << "\n\n";
            return;
        }
        std::string blocks;
        for (const auto& sub : subs) {
            auto f = split_footer(sub.node->footer);
            if (f.examples.empty()) continue;
            blocks += "```\n";
            for (const auto& e : f.examples) blocks += e + "\n";
            blocks += "```\n\n";
        }
        if (!blocks.empty()) out << "# EXAMPLES\n\n" << blocks;
    }

private:
    const Prose* prose_;
    std::string page_;
    std::vector<std::string>& warnings_;
};

std::string title(const std::string& page, const std::string& version) {
    return page + "(1) \"meshctl " + version + "\" \"meshctl manual\"\n\n";
}

std::string group_page(const CommandNode& top, const Prose* prose, const Inputs& in, std::vector<std::string>& warnings) {
    std::string page = "meshctl-" + top.name;
    PageWriter w(prose, page, warnings);
    std::ostringstream out;
    out << title(page, in.version);
    if (const auto* s = w.section("NAME")) out << "# NAME\n\n" << s->body << "\n\n";
    else out << "# NAME\n\n" << page << " - " << escape(top.description) << "\n\n";
    if (w.section("SYNOPSIS")) warnings.push_back(page + ": SYNOPSIS is generated from the command tree; the written one is ignored");

    std::vector<Sub> subs;
    flatten(top, "", subs);
    std::vector<Sub> all = {{top.name, &top}};
    all.insert(all.end(), subs.begin(), subs.end());
    size_t leaves = 0;
    out << "# SYNOPSIS\n\n";
    for (const auto& s : all) {
        if (!s.node->children.empty()) continue;
        ++leaves;
        std::string full = "meshctl " + (s.node == &top ? top.name : top.name + " " + s.path);
        out << synopsis_line(full, *s.node) << "\n\n";
    }

    if (const auto* s = w.section("DESCRIPTION")) {
        out << "# DESCRIPTION\n\n" << s->body << "\n\n";
    } else {
        out << "# DESCRIPTION\n\n" << escape(sentence(top.description)) << "\n\n";
        auto notes = split_footer(top.footer).notes;
        if (!notes.empty()) out << escape(notes) << "\n\n";
    }
    if (!subs.empty()) w.commands(out, subs, false, split_footer(top.footer).notes);
    w.options(out, "OPTIONS", all, leaves,
              "The global options of *meshctl*(1) (*--context*, *--bootstrap*, *-X*, *--registry*, *-o*, *-q*, *-v*, "
              "*--no-color*, *--timeout*) apply as well.");
    other_prose_sections(out, prose);
    w.examples(out, all);
    std::vector<std::string> refs = {"meshctl(1)"};
    collect_references(top, in.other_pages, refs);
    out << "# SEE ALSO\n\n" << see_also(refs, prose) << "\n";
    return out.str();
}

std::string root_page(const CommandNode& root, const Prose* prose, const Inputs& in, std::vector<std::string>& warnings) {
    PageWriter w(prose, "meshctl", warnings);
    std::ostringstream out;
    out << title("meshctl", in.version);
    std::string description = root.description;
    if (description.rfind("meshctl: ", 0) == 0) description = description.substr(9);
    if (const auto* s = w.section("NAME")) out << "# NAME\n\n" << s->body << "\n\n";
    else out << "# NAME\n\nmeshctl - " << escape(description) << "\n\n";
    out << "# SYNOPSIS\n\n*meshctl* [_global options_] _command_ [_arguments_]\n\n*meshctl* [_command_...] *--help*\n\n";
    if (const auto* s = w.section("DESCRIPTION")) out << "# DESCRIPTION\n\n" << s->body << "\n\n";
    else out << "# DESCRIPTION\n\n" << escape(sentence(description)) << "\n\n";
    std::vector<Sub> subs;
    flatten(root, "", subs);
    w.commands(out, subs, true);
    w.options(out, "GLOBAL OPTIONS", {{"meshctl", &root}}, 1, "");
    other_prose_sections(out, prose);
    if (const auto* s = w.section("EXAMPLES")) out << "# EXAMPLES\n\n" << s->body << "\n\n";
    std::vector<std::string> refs;
    for (const auto& c : root.children) refs.push_back("meshctl-" + c.name + "(1)");
    for (const auto& p : in.other_pages) refs.push_back(p);
    out << "# SEE ALSO\n\n" << see_also(refs, prose) << "\n";
    return out.str();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

Generated generate(const CommandNode& root, const Inputs& inputs) {
    Generated g;
    std::set<std::string> used;
    auto prose_for = [&](const std::string& page) -> const Prose* {
        for (const auto& [name, prose] : inputs.prose)
            if (name == page) {
                used.insert(name);
                return &prose;
            }
        return nullptr;
    };
    g.pages.push_back({"meshctl", 1, root_page(root, prose_for("meshctl"), inputs, g.warnings)});
    for (const auto& top : root.children) {
        std::string page = "meshctl-" + top.name;
        g.pages.push_back({page, 1, group_page(top, prose_for(page), inputs, g.warnings)});
    }
    for (const auto& [name, prose] : inputs.prose)
        if (!used.count(name)) g.warnings.push_back(name + ".1.scd: no command group \"" + (name.size() > 8 ? name.substr(8) : name) + "\"; this prose is not used");
    return g;
}

Generated generate_from_dir(const CommandNode& root, const std::filesystem::path& prose_dir, const std::string& version) {
    Inputs in;
    in.version = version;
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(prose_dir, ec)) files.push_back(e.path());
    if (ec) throw io_error("cannot list " + prose_dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::string name = f.filename().string();
        if (name.size() < 7 || name.compare(name.size() - 4, 4, ".scd") != 0) continue;
        std::string stem = name.substr(0, name.size() - 4);  // meshctl-backfill.1
        auto dot = stem.rfind('.');
        if (dot == std::string::npos || dot + 2 != stem.size() || !std::isdigit(static_cast<unsigned char>(stem.back()))) continue;
        std::string page = stem.substr(0, dot);
        if (stem.back() == '1' && (page == "meshctl" || page.rfind("meshctl-", 0) == 0))
            in.prose.emplace_back(page, parse_prose(read_file(f)));
        else
            in.other_pages.push_back(page + "(" + stem.back() + ")");
    }
    return generate(root, in);
}

void write_pages(const Generated& generated, const std::filesystem::path& out_dir) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) throw io_error("cannot create " + out_dir.string() + ": " + ec.message());
    for (const auto& p : generated.pages) {
        auto path = out_dir / (p.name + "." + std::to_string(p.section) + ".scd");
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << p.scdoc;
        if (!out.flush()) throw io_error("cannot write " + path.string());
    }
}

}  // namespace meshctl::manpage
