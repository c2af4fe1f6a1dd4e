#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Ranking and filtering of discover, over catalog products and unmanaged topics.
#include "core/catalog/loader.hpp"
#include "core/catalog/search.hpp"

#include <doctest/doctest.h>

using namespace meshctl::catalog;

namespace {

Descriptor product(const std::string& yaml) { return parse_descriptors(yaml, "t.yaml").at(0); }

struct Mesh {
    std::vector<Descriptor> products = {
        product("name: orders\ndomain: sales\nowner: {team: checkout, contact: shop@example.com}\n"
                "description: Orders placed in the shop.\nkind: events\ntags: [revenue]\n"
                "schema: {inline: {type: object, properties: {order_id: {type: string}, customer_id: {type: string}}}}\n"),
        product("name: orders-archive\ndomain: sales\nowner: {team: archive}\ndescription: Old orders.\nkind: table\n"),
        product("name: customers\ndomain: crm\nowner: {team: crm}\ndescription: Customer master data, with orders count.\n"
                "kind: table\ntags: [master-data]\n"
                "schema: {inline: {type: object, properties: {id: {type: string}, address: {type: object, properties: {city: {type: string}}}}}}\n"),
        product("name: payments\ndomain: finance\nowner: {team: payments}\ndescription: Payment outcomes.\nkind: events\n"
                "topic: payments.v1\ntags: [revenue]\nschema: {subject: payments.v1-value}\n"),
    };
    std::vector<std::string> topics = {"orders", "customers", "payments.v1", "clickstream", "orders_dlq", "_schemas", "__consumer_offsets"};
    std::vector<SearchEntry> entries(bool internal = false) const {
        std::vector<const Descriptor*> ps;
        for (const auto& p : products) ps.push_back(&p);
        return merge_entries(ps, topics, internal);
    }
};

std::vector<std::string> names(const std::vector<SearchEntry>& entries, const Query& q) {
    std::vector<std::string> out;
    for (const auto& r : rank(entries, q)) out.push_back(entries[r.index].name);
    return out;
}

}  // namespace

TEST_CASE("products and unmanaged topics merge; topics claimed by a product are not repeated") {
    Mesh m;
    auto e = m.entries();
    std::vector<std::string> all;
    for (const auto& x : e) all.push_back(x.name);
    CHECK(all == std::vector<std::string>{"orders", "orders-archive", "customers", "payments", "clickstream", "orders_dlq"});
    CHECK(e[1].topic_exists == false);  // orders-archive has no topic
    CHECK(e[3].topic == "payments.v1");
    CHECK(e[4].descriptor == nullptr);
    CHECK(m.entries(true).size() == 8);  // internal topics only on request
}

TEST_CASE("exact name beats prefix, which beats substring, tag and description") {
    Mesh m;
    auto e = m.entries();
    CHECK(names(e, {.terms = {"orders"}}) == std::vector<std::string>{"orders", "orders-archive", "orders_dlq", "customers"});
    CHECK(names(e, {.terms = {"revenue"}}) == std::vector<std::string>{"orders", "payments"});
    CHECK(names(e, {.terms = {"pay"}}) == std::vector<std::string>{"payments"});
    CHECK(names(e, {.terms = {"payments.v1"}}) == std::vector<std::string>{"payments"});  // its topic
    CHECK(score_term(e[0], "ORDERS") == 100);
    CHECK(score_term(e[1], "orders") == 80);
    CHECK(score_term(e[5], "dlq") == 50);
    CHECK(score_term(e[3], "revenue") == 40);
    CHECK(score_term(e[2], "orders") == 20);  // a description word
    CHECK(score_term(e[0], "customer_id") == 40);  // a declared field
    CHECK(score_term(e[4], "revenue") == -1);  // unmanaged topics match by name only
}

TEST_CASE("all terms must match and their scores add up") {
    Mesh m;
    auto e = m.entries();
    CHECK(names(e, {.terms = {"orders", "revenue"}}) == std::vector<std::string>{"orders"});
    CHECK(names(e, {.terms = {"orders", "nothing"}}).empty());
    CHECK(score(e[0], {.terms = {"orders", "revenue"}}) == 140);
}

TEST_CASE("filters narrow to products: owner, domain, tag, field") {
    Mesh m;
    auto e = m.entries();
    CHECK(names(e, {.owner = "checkout"}) == std::vector<std::string>{"orders"});
    CHECK(names(e, {.owner = "shop@"}) == std::vector<std::string>{"orders"});  // contact substring
    CHECK(names(e, {.domain = "SALES"}) == std::vector<std::string>{"orders", "orders-archive"});
    CHECK(names(e, {.tag = "revenue"}) == std::vector<std::string>{"orders", "payments"});
    CHECK(names(e, {.field = "customer_id"}) == std::vector<std::string>{"orders"});
    CHECK(names(e, {.field = "city"}) == std::vector<std::string>{"customers"});          // nested leaf
    CHECK(names(e, {.field = "address.city"}) == std::vector<std::string>{"customers"});  // dotted path
    CHECK(names(e, {.terms = {"orders"}, .domain = "finance"}).empty());
    CHECK(names(e, {.terms = {"orders"}, .domain = "crm"}) == std::vector<std::string>{"customers"});  // a description word
}

TEST_CASE("no query lists everything: products first, then topics by name") {
    Mesh m;
    auto e = m.entries();
    CHECK(names(e, {}) == std::vector<std::string>{"customers", "orders", "orders-archive", "payments", "clickstream", "orders_dlq"});
    CHECK_FALSE(Query{}.narrows());
    CHECK(Query{.tag = "x"}.narrows());
}

TEST_CASE("the suggestion pool holds names, and owners/tags/fields when they were asked for") {
    Mesh m;
    auto e = m.entries();
    auto pool = suggestion_pool(e, {.terms = {"ordrs"}});
    CHECK(std::find(pool.begin(), pool.end(), "orders") != pool.end());
    CHECK(std::find(pool.begin(), pool.end(), "revenue") != pool.end());
    auto fields = suggestion_pool(e, {.field = "custmer_id"});
    CHECK(std::find(fields.begin(), fields.end(), "customer_id") != fields.end());
    CHECK(std::find(fields.begin(), fields.end(), "city") != fields.end());
}

TEST_CASE("--field and terms also match the fields of a topic's registered schema, managed or not") {
    Mesh m;
    auto entries = m.entries();
    for (auto& e : entries) {
        if (e.name == "clickstream") e.registry_fields = {"session_id", "page.url", "customer_id"};
        if (e.name == "payments") e.registry_fields = {"payment_id", "order_id"};
    }
    Query q;
    q.field = "customer_id";
    CHECK(names(entries, q) == std::vector<std::string>{"orders", "clickstream"});
    q.field = "url";  // a leaf of a nested path
    CHECK(names(entries, q) == std::vector<std::string>{"clickstream"});
    q.field = "payment_id";
    CHECK(names(entries, q) == std::vector<std::string>{"payments"});
    Query owner_and_field;
    owner_and_field.owner = "payments";
    owner_and_field.field = "session_id";  // both must hold
    CHECK(names(entries, owner_and_field).empty());
    Query term;
    term.terms = {"session_id"};
    CHECK(names(entries, term) == std::vector<std::string>{"clickstream"});
    Query none;
    none.field = "session";
    CHECK(names(entries, none).empty());
    auto pool = suggestion_pool(entries, none);
    CHECK(std::find(pool.begin(), pool.end(), "session_id") != pool.end());
}
