// Internal: decoding JSON with simdjson into Values that point into simdjson's tape.
// Only json_bridge.cpp and evaluator.cpp include this (simdjson.h is a heavy header).
#pragma once

#include "core/expr/value.hpp"

#include <simdjson.h>

#include <memory>
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

}  // namespace meshctl::expr::detail
