// Man pages generated from the command tree (completion::CommandNode) plus hand-written
// prose, so every command and flag has a page without retyping the command surface.
// Pages are scdoc sources; the build turns them into roff with scdoc(1).
#pragma once

#include "core/completion/tree.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::manpage {

/// One "# HEADING" section of an scdoc source: its heading and the lines below it.
struct Section {
    std::string heading;
    std::string body;  // without the heading line, trailing blank lines removed
};

/// A definition-list entry: a line at column 0 starting with `*`, then its indented body.
struct Entry {
    std::string header;  // e.g. "*reset* _GROUP_" or "*--from*, *--until* _POS_"
    std::string body;    // the tab-indented lines below it, as written
};

/// Hand-written prose for one page, by section, in the order written.
struct Prose {
    std::vector<Section> sections;
    /// The section with this heading, or nullptr.
    const Section* find(std::string_view heading) const;
};

/// Parses an scdoc source into sections; a title line before the first heading is ignored.
Prose parse_prose(std::string_view scdoc);

/// Splits a section body into its leading free text and its definition-list entries.
std::vector<Entry> parse_entries(std::string_view body, std::string* lead = nullptr);

/// The command an entry of a COMMANDS section documents: its first bold run ("reset").
std::string entry_command(const Entry& e);

/// The long flags an entry of an OPTIONS section documents ("--from", "--until").
std::vector<std::string> entry_flags(const Entry& e);

/// Escapes text for scdoc so that `*`, `_` and `\` print literally.
std::string escape(std::string_view text);

/// One generated page.
struct Page {
    std::string name;  // "meshctl" or "meshctl-backfill"
    int section = 1;
    std::string scdoc;
};

/// Generated pages, plus notes on prose that matches nothing in the tree (stale prose).
struct Generated {
    std::vector<Page> pages;
    std::vector<std::string> warnings;
};

/// Hand-written inputs of the generator.
struct Inputs {
    std::vector<std::pair<std::string, Prose>> prose;  // page name -> prose ("meshctl-backfill")
    std::vector<std::string> other_pages;              // "meshctl-pipeline(5)", for SEE ALSO
    std::string version;                               // shown in the page footer
};

/// meshctl(1) and one page per top-level command of `root` (hidden commands excluded).
Generated generate(const completion::CommandNode& root, const Inputs& inputs);

/// generate() with prose read from `prose_dir`: meshctl*.1.scd are prose for the generated
/// pages, other *.N.scd files are complete pages listed under SEE ALSO.
Generated generate_from_dir(const completion::CommandNode& root, const std::filesystem::path& prose_dir,
                            const std::string& version);

/// Writes each page as `out_dir/NAME.SECTION.scd` (creating out_dir); throws io errors.
void write_pages(const Generated& generated, const std::filesystem::path& out_dir);

}  // namespace meshctl::manpage
