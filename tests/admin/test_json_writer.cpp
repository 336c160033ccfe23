// The JSON writer behind `spice-connect-admin show --json`: escaping that
// keeps the document valid whatever bytes a map or a file name holds.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "policy/json_writer.hpp"

using spice_connect::json_quote;
using spice_connect::JsonWriter;

TEST_CASE("json_quote escapes quotes, backslashes and control characters") {
    CHECK(json_quote("") == "\"\"");
    CHECK(json_quote("plain") == "\"plain\"");
    CHECK(json_quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
    CHECK(json_quote("a\\b") == "\"a\\\\b\"");
    CHECK(json_quote("l1\nl2\tx\r") == "\"l1\\nl2\\tx\\r\"");
    CHECK(json_quote(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
    CHECK(json_quote(std::string("a\0b", 3)) == "\"a\\u0000b\"");
    CHECK(json_quote("/") == "\"/\"");
}

TEST_CASE("json_quote keeps well-formed UTF-8 and replaces the rest") {
    CHECK(json_quote("J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x98\x80") == "\"J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x98\x80\"");
    CHECK(json_quote("\xff") == "\"\\ufffd\"");
    CHECK(json_quote("\xc3") == "\"\\ufffd\"");               // truncated
    CHECK(json_quote("\xc0\xaf") == "\"\\ufffd\\ufffd\"");    // overlong '/'
    CHECK(json_quote("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
    CHECK(json_quote("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // above U+10FFFF
}

TEST_CASE("JsonWriter nests objects and arrays with commas in the right places") {
    std::string out;
    JsonWriter j(out);
    j.begin_object();
    j.key("s");
    j.string("x");
    j.key("n");
    j.number(-5);
    j.key("b");
    j.boolean(false);
    j.key("z");
    j.string_or_null("");
    j.key("a");
    j.begin_array();
    j.number(1);
    j.begin_object();
    j.end_object();
    j.begin_array();
    j.end_array();
    j.end_array();
    j.end_object();
    CHECK(out ==
          "{\n"
          "  \"s\": \"x\",\n"
          "  \"n\": -5,\n"
          "  \"b\": false,\n"
          "  \"z\": null,\n"
          "  \"a\": [\n"
          "    1,\n"
          "    {},\n"
          "    []\n"
          "  ]\n"
          "}\n");
}
