#include "core/catalog/demo_products.hpp"

#include "core/catalog/loader.hpp"
#include "core/catalog/store.hpp"
#include "core/kafka/admin.hpp"

namespace meshctl::catalog {

const std::vector<std::pair<std::string, std::string>>& demo_product_files() {
    // Copied verbatim from examples/products/ (catalog_demo_test checks they agree).
    static const std::vector<std::pair<std::string, std::string>> files = {
        {"orders.yaml", R"yaml(# The demo mesh's order events (seeded by `meshctl dev up`).
name: orders
domain: sales
owner:
  team: checkout
  contact: checkout-team@example.com
description: Every order placed in the web shop, one event per order, keyed by customer.
topic: orders
key: customer_id
kind: events
schema:
  inline:
    type: object
    required: [order_id, customer_id, amount, currency, created_at]
    properties:
      order_id: {type: string, pattern: "^o-[0-9]+$"}
      customer_id: {type: string}
      amount: {type: number, minimum: 0}
      currency: {type: string, enum: [EUR, USD, GBP]}
      items:
        type: array
        items:
          type: object
          properties:
            sku: {type: string}
            qty: {type: integer}
            price: {type: number}
      status: {type: string, enum: [PLACED, CANCELLED]}
      created_at: {type: string, format: date-time}
tags: [orders, checkout, revenue]
classification:
  level: internal
  pii: [customer_id]
history: window
history_window: 7d
freshness_sla: 1m
examples:
  - description: big orders of the last hour
    query: meshctl sample orders --from -1h --where 'amount > 500'
  - description: orders enriched with the customer's tier
    query: meshctl pipeline preview examples/pipelines/orders-by-tier.yaml
)yaml"},
        {"customers.yaml", R"yaml(# The demo mesh's customer table (seeded by `meshctl dev up`): its full history, compacted.
name: customers
domain: crm
owner:
  team: crm
  contact: "#crm-data"
description: Customer master data, one record per customer and version; the latest record per id is the current state.
topic: customers
key: id
kind: table
schema:
  inline:
    type: object
    required: [id, name, tier]
    properties:
      id: {type: string}
      name: {type: string}
      tier: {type: string, enum: [BRONZE, SILVER, GOLD, PLATINUM]}
      country: {type: string, minLength: 2, maxLength: 2}
      email: {type: string, format: email}
      updated_at: {type: string, format: date-time}
tags: [customers, master-data]
classification:
  level: confidential
  pii: [name, email]
history: compacted
freshness_sla: 1h
examples:
  - description: the current state of one customer
    query: meshctl sample customers --where 'key == "c-0042"'
)yaml"},
        {"payments.yaml", R"yaml(# Payment outcomes from the payment service provider; the schema lives in the registry.
name: payments
domain: finance
owner:
  team: payments
  contact: payments-oncall@example.com
description: Authorisations, captures and refunds reported by the payment service provider, keyed by order.
topic: payments.v1
key: order_id
kind: events
schema:
  subject: payments.v1-value
tags: [payments, revenue, psp]
classification:
  level: restricted
  pii: [card_holder]
history: full
freshness_sla: 5m
examples:
  - description: refunds of the last day
    query: meshctl sample payments.v1 --from -1d --where 'type == "REFUND"'
)yaml"},
        {"shipments.yaml", R"yaml(# Parcels handed to carriers, and their tracking updates.
name: shipments
domain: logistics
owner:
  team: fulfilment
  contact: fulfilment@example.com
description: Parcel shipments and carrier tracking updates; the latest event per shipment is its current status.
topic: shipments
key: shipment_id
kind: both
schema:
  inline:
    type: object
    required: [shipment_id, order_id, status]
    properties:
      shipment_id: {type: string}
      order_id: {type: string}
      customer_id: {type: string}
      carrier: {type: string, enum: [DHL, UPS, DPD, POSTNL]}
      status: {type: string, enum: [LABEL_CREATED, IN_TRANSIT, DELIVERED, RETURNED]}
      address:
        type: object
        properties:
          city: {type: string}
          postcode: {type: string}
          country: {type: string}
      updated_at: {type: string, format: date-time}
tags: [shipments, delivery]
classification:
  level: confidential
  pii: [customer_id, address.city, address.postcode]
history: window
history_window: 30d
freshness_sla: 15m
examples:
  - description: parcels still in transit
    query: meshctl sample shipments --where 'status == "IN_TRANSIT"'
)yaml"},
    };
    return files;
}

void seed_demo_catalog(const kafka::ClientSettings& settings, const std::string& topic) {
    std::vector<Descriptor> all;
    for (const auto& [name, text] : demo_product_files())
        for (auto& d : parse_descriptors(text, "examples/products/" + name)) all.push_back(std::move(d));
    kafka::Admin admin(settings);
    publish(admin, topic, all);
}

}  // namespace meshctl::catalog
