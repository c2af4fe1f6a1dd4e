// Internal: decoding JSON with simdjson into Values that point into simdjson's tape.
// Only json_bridge.cpp and evaluator.cpp include this (simdjson.h is a heavy header).
#pragma once

#include "core/expr/value.hpp"

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string_view>

namespace meshctl::expr::detail {

/// The Value for a parsed element; containers and strings borrow from the parser's document.
Value from_element(const simdjson::dom::element& e);

/// One reusable parser plus a reusable padded input buffer: after warm-up, decoding a
/// document allocates nothing (simdjson needs SIMDJSON_PADDING readable bytes past the end).
class JsonDecoder {
public:
    /// Parses `text`; on success `out` is valid until the next decode on this decoder.
    bool decode(std::string_view text, simdjson::dom::element& out);

private:
    simdjson::dom::parser parser_;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0;
};

struct ValuePath;

/// Reads constant paths of one JSON document with simdjson On-Demand (no tape for the
/// whole document). Returns nullopt whenever the exact answer needs the full decode.
class PathReader {
public:
    /// Forgets the current document (call once per event).
    void reset() { ready_ = false; }
    /// The scalar at `path` in `text` (or its presence, for has()); nullopt = use the DOM.
    std::optional<Value> read(std::string_view text, const ValuePath& path);

private:
    simdjson::ondemand::parser parser_;
    simdjson::ondemand::document doc_;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0;
    bool ready_ = false, ok_ = false;
};

}  // namespace meshctl::expr::detail
