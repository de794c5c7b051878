// A strict little JSON reader for tests that check what weir writes (the Chrome trace export):
// objects, arrays, strings with escapes, numbers, true/false/null. Throws std::runtime_error with
// the offset on anything that is not JSON, so "it parses" is itself a check.
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace weir_test {

struct json {
    enum class type { null, boolean, number, string, array, object } t = type::null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<json> arr;
    std::map<std::string, json> obj;

    bool has(const std::string& k) const { return t == type::object && obj.count(k) != 0; }
    const json& at(const std::string& k) const {
        auto it = obj.find(k);
        if (it == obj.end()) throw std::runtime_error("json: no member " + k);
        return it->second;
    }
};

class json_reader {
public:
    explicit json_reader(const std::string& s) : s_(s) {}
    json parse() {
        json v = value();
        ws();
        if (i_ != s_.size()) fail("trailing characters");
        return v;
    }

private:
    [[noreturn]] void fail(const char* what) {
        throw std::runtime_error(std::string("json: ") + what + " at offset " + std::to_string(i_));
    }
    void ws() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
            ++i_;
    }
    char peek() {
        ws();
        if (i_ >= s_.size()) fail("unexpected end");
        return s_[i_];
    }
    void expect(char c) {
        if (peek() != c) fail("unexpected character");
        ++i_;
    }
    bool literal(const char* w) {
        std::string word(w);
        if (s_.compare(i_, word.size(), word) != 0) return false;
        i_ += word.size();
        return true;
    }
    json value() {
        char c = peek();
        json v;
        if (c == '{') {
            v.t = json::type::object;
            ++i_;
            if (peek() == '}') return ++i_, v;
            for (;;) {
                if (peek() != '"') fail("expected a key");
                std::string k = string_body();
                expect(':');
                if (v.obj.count(k)) fail("duplicate key");
                v.obj[k] = value();
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect('}');
                return v;
            }
        }
        if (c == '[') {
            v.t = json::type::array;
            ++i_;
            if (peek() == ']') return ++i_, v;
            for (;;) {
                v.arr.push_back(value());
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect(']');
                return v;
            }
        }
        if (c == '"') {
            v.t = json::type::string;
            v.str = string_body();
            return v;
        }
        if (literal("true")) return v.t = json::type::boolean, v.b = true, v;
        if (literal("false")) return v.t = json::type::boolean, v;
        if (literal("null")) return v;
        if (c == '-' || (c >= '0' && c <= '9')) {
            const char* begin = s_.c_str() + i_;
            char* end = nullptr;
            v.t = json::type::number;
            v.num = std::strtod(begin, &end);
            if (end == begin) fail("bad number");
            i_ += static_cast<std::size_t>(end - begin);
            return v;
        }
        fail("unexpected character");
    }
    std::string string_body() {
        expect('"');
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("bad escape");
            char e = s_[i_++];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'u':
                    if (i_ + 4 > s_.size()) fail("bad \\u escape");
                    out += '?';  // the tests do not look at non-ASCII text
                    i_ += 4;
                    break;
                default:
                    fail("bad escape");
            }
        }
        expect('"');
        return out;
    }

    const std::string& s_;
    std::size_t i_ = 0;
};

}  // namespace weir_test
