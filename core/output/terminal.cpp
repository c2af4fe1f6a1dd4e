#include "core/output/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace meshctl::output {

bool is_tty(int fd) { return ::isatty(fd) == 1; }

int terminal_width(int fd, int fallback) {
    if (const char* c = std::getenv("COLUMNS"); c && *c) {
        int v = std::atoi(c);
        if (v > 0) return v;
    }
    winsize ws{};
    if (is_tty(fd) && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return fallback;
}

TextStyle stdout_style(bool no_color_flag) {
    TextStyle s;
    s.width = terminal_width(STDOUT_FILENO, 120);
    const char* nc = std::getenv("NO_COLOR");
    s.color = !no_color_flag && !(nc && *nc) && is_tty(STDOUT_FILENO);
    return s;
}

ProgressLine::ProgressLine() : active_(is_tty(STDERR_FILENO)) {}

ProgressLine::~ProgressLine() { clear(); }

void ProgressLine::update(const std::string& text, bool force) {
    if (!active_) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    int width = terminal_width(STDERR_FILENO, 100);
    std::string line = text.size() >= static_cast<std::size_t>(width) ? text.substr(0, width - 1) : text;
    std::string out = "\r\033[2K" + line;
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
    drawn_ = true;
}

void ProgressLine::clear() {
    if (!active_ || !drawn_) return;
    constexpr std::string_view erase = "\r\033[2K";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, erase.data(), erase.size());
    drawn_ = false;
}

}  // namespace meshctl::output
