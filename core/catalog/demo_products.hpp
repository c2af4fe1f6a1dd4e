// The demo mesh's data product descriptors, published by `meshctl dev up`. The same
// text lives in examples/products/*.yaml (a unit test keeps the two in step).
#pragma once

#include "core/kafka/client.hpp"

#include <string>
#include <utility>
#include <vector>

namespace meshctl::catalog {

/// (file name, YAML text) of each demo descriptor: orders, customers, payments, shipments.
const std::vector<std::pair<std::string, std::string>>& demo_product_files();

/// Publishes the demo descriptors to `topic` on the embedded broker (which creates the
/// topic on first write). Throws on failure.
void seed_demo_catalog(const kafka::ClientSettings& settings, const std::string& topic);

}  // namespace meshctl::catalog
