#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/http/client.hpp"

#include <string>

using namespace meshctl;

TEST_CASE("safe_url drops userinfo, query and fragment") {
    CHECK(http::safe_url("https://user:secret@es.example:9200/_bulk?api_key=x#f") == "https://es.example:9200/_bulk");
    CHECK(http::safe_url("http://127.0.0.1:9200") == "http://127.0.0.1:9200");
    CHECK(http::safe_url("http://h/a@b") == "http://h/a@b");
}

TEST_CASE("base64 pads like RFC 4648") {
    CHECK(http::base64("") == "");
    CHECK(http::base64("f") == "Zg==");
    CHECK(http::base64("fo") == "Zm8=");
    CHECK(http::base64("foo") == "Zm9v");
    CHECK(http::base64("foobar") == "Zm9vYmFy");
}

TEST_CASE("authorization headers for basic, bearer and API keys") {
    http::Auth a;
    CHECK(http::authorization_header(a).empty());
    a.kind = http::Auth::Kind::basic;
    a.username = "elastic";
    a.password = "changeme";
    CHECK(http::authorization_header(a) == "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
    a.kind = http::Auth::Kind::bearer;
    a.token = "tok";
    CHECK(http::authorization_header(a) == "Bearer tok");
    a.kind = http::Auth::Kind::api_key;
    a.token = "id:key";
    CHECK(http::authorization_header(a) == "ApiKey aWQ6a2V5");
    a.token = "aWQ6a2V5";  // already encoded, as Elasticsearch prints it
    CHECK(http::authorization_header(a) == "ApiKey aWQ6a2V5");
}

TEST_CASE("gzip produces a gzip member that is smaller for repetitive data") {
    std::string in;
    for (int i = 0; i < 1000; ++i) in += "{\"index\":{\"_index\":\"orders\"}}\n";
    auto z = http::gzip(in);
    REQUIRE(z.size() > 18);
    CHECK(static_cast<unsigned char>(z[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(z[1]) == 0x8b);
    CHECK(z.size() < in.size() / 10);
}

TEST_CASE("request errors name the URL without credentials, and the cause") {
    http::Request req;
    req.method = "POST";
    req.url = "https://u:p4ssw0rd@es:9200/_bulk?x=1";
    http::Response resp;
    resp.error = "Connection refused";
    auto e = http::request_error("bulk request", req, resp);
    std::string m = e.what();
    CHECK(e.kind() == ErrorKind::remote);
    CHECK(m.find("https://es:9200/_bulk") != std::string::npos);
    CHECK(m.find("Connection refused") != std::string::npos);
    CHECK(m.find("p4ssw0rd") == std::string::npos);
    resp.error.clear();
    resp.status = 401;
    resp.body = "{\"error\":\"unauthorized\"}";
    auto e2 = http::request_error("bulk request", req, resp);
    CHECK(std::string(e2.what()).find("HTTP 401") != std::string::npos);
    CHECK(e2.hint().find("credentials") != std::string::npos);
}

TEST_CASE("a refused connection is a transport error, not an exception") {
    http::ClientOptions o;
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.timeout = std::chrono::milliseconds(3000);
    http::Client c(o);
    http::Request req;
    req.url = "http://127.0.0.1:1/";  // port 1: nothing listens there
    auto r = c.perform(req);
    CHECK(r.status == 0);
    CHECK_FALSE(r.error.empty());
    CHECK_FALSE(r.ok());
    CHECK(c.in_flight() == 0);
}

TEST_CASE("a missing CA file is refused up front") {
    http::ClientOptions o;
    o.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_AS(http::Client{o}, Error);
}
