// Diagnostics for stderr. core/ never prints: it hands lines to the sink that cmd/
// installs, after redaction, so output policy (colour, -q/-v) lives in one place.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace meshctl::log {

/// Severity, most severe first; the threshold shows a level and everything above it.
enum class Level { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

/// Where lines go; receives already-redacted text without a trailing newline.
using Sink = std::function<void(Level, std::string_view)>;

/// Installs the sink (default: none, lines are dropped).
void set_sink(Sink sink);
/// Sets the most verbose level still shown (default warn).
void set_level(Level level);
/// True when a line at `level` would be shown; lets callers skip building costly text.
bool enabled(Level level);
/// Redacts and forwards one line.
void write(Level level, std::string_view message);

inline void error(std::string_view m) { write(Level::error, m); }
inline void warn(std::string_view m) { write(Level::warn, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void debug(std::string_view m) { write(Level::debug, m); }

}  // namespace meshctl::log
