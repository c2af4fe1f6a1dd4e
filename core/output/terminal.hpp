// What the terminal allows: TTY checks, width, colour policy, progress lines.
#pragma once

#include "core/output/emit.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace meshctl::output {

/// True when the file descriptor is a terminal.
bool is_tty(int fd);

/// Terminal columns of fd (COLUMNS env first), or `fallback` when not a terminal.
int terminal_width(int fd, int fallback = 100);

/// The text style for stdout: colour only on a TTY without NO_COLOR or --no-color.
TextStyle stdout_style(bool no_color_flag);

/// A single self-overwriting status line on stderr, shown only when stderr is a TTY and
/// updated at most every 200 ms, so hot loops may call update() freely.
class ProgressLine {
public:
    ProgressLine();
    ~ProgressLine();
    /// True when the line is shown at all.
    bool active() const { return active_; }
    /// Redraws with `text` if enough time has passed (or `force`).
    void update(const std::string& text, bool force = false);
    /// Erases the line.
    void clear();

private:
    bool active_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace meshctl::output
