// The one error type of meshctl. Every failure below main() is reported by throwing
// meshctl::Error; cmd/main.cpp maps its kind to an exit code in exactly one place.
#pragma once

#include <stdexcept>
#include <string>

namespace meshctl {

/// What went wrong, as far as the exit code is concerned (see CLI.md "Exit codes").
enum class ErrorKind {
    usage,         // bad flag, bad argument, bad expression -> 2
    config,        // bad config file, bad YAML, missing secret -> 2
    not_found,     // stream, product, group, subject, context -> 3
    remote,        // broker, registry, sink, network -> 1
    io,            // local files, disk full -> 1
    check_failed,  // drift, validation failure, refused unsafe operation -> 4
    dead_letter,   // finished, but some records went to the dead-letter destination -> 5
    interrupted,   // SIGINT/SIGTERM after a clean shutdown -> 130/143
};

/// An error with a kind and a message that says what failed, on what, and what to do.
class Error : public std::runtime_error {
public:
    /// Creates an error of `kind` with a complete, user-facing message.
    Error(ErrorKind kind, const std::string& message, std::string hint = {})
        : std::runtime_error(message), kind_(kind), hint_(std::move(hint)) {}

    /// The kind that decides the exit code.
    ErrorKind kind() const noexcept { return kind_; }
    /// An optional second line telling the user what to try.
    const std::string& hint() const noexcept { return hint_; }
    /// For interrupted: the signal number that caused it (SIGINT or SIGTERM).
    int signal = 0;

private:
    ErrorKind kind_;
    std::string hint_;
};

/// Shorthands for the common kinds.
inline Error usage_error(const std::string& m, std::string hint = {}) { return {ErrorKind::usage, m, std::move(hint)}; }
inline Error config_error(const std::string& m, std::string hint = {}) { return {ErrorKind::config, m, std::move(hint)}; }
inline Error not_found_error(const std::string& m, std::string hint = {}) { return {ErrorKind::not_found, m, std::move(hint)}; }
inline Error remote_error(const std::string& m, std::string hint = {}) { return {ErrorKind::remote, m, std::move(hint)}; }
inline Error io_error(const std::string& m, std::string hint = {}) { return {ErrorKind::io, m, std::move(hint)}; }
inline Error check_failed(const std::string& m, std::string hint = {}) { return {ErrorKind::check_failed, m, std::move(hint)}; }

}  // namespace meshctl
