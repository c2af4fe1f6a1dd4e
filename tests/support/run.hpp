// Test helpers: run the built meshctl binary, make temp folders, find fixture servers.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace meshctl::test {

/// What a finished process left behind.
struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs the meshctl binary with `args` and extra environment (added to the current one),
/// feeding `input` on stdin; waits at most `timeout_s` seconds (then kills it, exit -1).
RunResult run_meshctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                      const std::string& input = {}, int timeout_s = 120);

/// Runs any program the same way.
RunResult run_program(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                      const std::string& input = {}, int timeout_s = 120);

/// A fresh temporary folder removed at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    /// Writes a file below the folder and returns its path.
    std::filesystem::path write(const std::string& name, const std::string& content, unsigned mode = 0600) const;

private:
    std::filesystem::path path_;
};

/// The address printed by `tests/fixtures/NAME address` (fails the test when not running).
std::string fixture_address(const std::string& fixture, const std::string& instance = "default");

/// The lines of a text file (none when it cannot be read).
std::vector<std::string> read_lines(const std::filesystem::path& path);

/// A random lower-case suffix for topic and group names.
std::string random_suffix();

/// Starts meshctl in the background with stdout and stderr to `log_path` and `env` added.
pid_t spawn_meshctl(const std::vector<std::string>& args, const std::string& log_path,
                    const std::map<std::string, std::string>& env = {});
/// Waits for a spawned process: its exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid);

}  // namespace meshctl::test
