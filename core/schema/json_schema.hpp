// Declared schemas as JSON Schema (draft 2020-12), so that `schema show`, `schema diff` and
// discover treat registry Avro, registry JSON Schema and catalog descriptors alike.
//
// Avro maps to what its decoded JSON looks like (core/schema/avro_json.hpp): records are
// objects (fields without a default are required), a union with null makes the type
// nullable, enums are string enums, maps are objects with additionalProperties, bytes and
// fixed are strings, decimals numbers, and timestamp/date/time logical types stay integers
// as they are written (with a $comment naming the unit).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace meshctl::schema {

/// The draft every converted schema declares.
inline constexpr std::string_view json_schema_draft = "https://json-schema.org/draft/2020-12/schema";

/// Converts a parsed Avro schema; throws std::invalid_argument when it is not one.
nlohmann::json avro_to_json_schema(const nlohmann::json& avro);

/// JSON Schema for a schema text of registry type `type` (AVRO, JSON, PROTOBUF). Protobuf
/// gives an open schema with a $comment (its fields are not converted). Throws
/// std::invalid_argument when the text does not parse.
nlohmann::json to_json_schema(std::string_view type, std::string_view text);

/// The full name (namespace.name) of an Avro record schema text; empty when it is not one.
std::string avro_record_name(std::string_view text);

}  // namespace meshctl::schema
