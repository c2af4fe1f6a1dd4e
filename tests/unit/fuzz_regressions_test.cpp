#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Replays every input the fuzzers once crashed on (fuzz/regressions/<target>/) and every
// checked-in seed (fuzz/corpus/<target>/) through the fuzzers' own entry functions, so a
// fixed crash stays fixed in the ordinary build, without clang or libFuzzer.
#include "fuzz/targets.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path fuzz_dir = fs::path(MESHCTL_SOURCE_DIR) / "fuzz";

std::vector<fs::path> inputs_of(const fs::path& dir) {
    std::vector<fs::path> files;
    if (!fs::is_directory(dir)) return files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename().string().front() != '.') files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t replay(const char* folder) {
    std::size_t n = 0;
    for (const auto& target : meshctl::fuzz::targets) {
        for (const auto& file : inputs_of(fuzz_dir / folder / target.name)) {
            INFO("input " << file.string());
            std::string bytes = read_all(file);
            // The entry aborts on a crash or broken invariant; an undocumented exception fails here.
            CHECK_NOTHROW(target.run(bytes));
            ++n;
        }
    }
    return n;
}

}  // namespace

TEST_CASE("every saved crash input of the fuzzers runs cleanly") {
    (void)replay("regressions");
}

TEST_CASE("every seed of the fuzz corpora runs cleanly, and every target has seeds") {
    for (const auto& target : meshctl::fuzz::targets) {
        INFO("target " << target.name);
        CHECK(!inputs_of(fuzz_dir / "corpus" / target.name).empty());
    }
    CHECK(replay("corpus") >= meshctl::fuzz::targets.size());
}

TEST_CASE("regression and corpus folders name only known targets") {
    std::set<std::string> known;
    for (const auto& t : meshctl::fuzz::targets) known.insert(t.name);
    for (const char* folder : {"corpus", "regressions"}) {
        if (!fs::is_directory(fuzz_dir / folder)) continue;
        for (const auto& e : fs::directory_iterator(fuzz_dir / folder)) {
            INFO(e.path().string());
            CHECK(known.count(e.path().filename().string()) == 1);
        }
    }
}
