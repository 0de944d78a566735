#include "app/lab/LabJson.h"

#include <algorithm>

namespace backlog::lab::json {

std::string Where::path() const {
    if (kind == Kind::Root || !parent) return {};
    std::string p = parent->path();
    switch (kind) {
    case Kind::Member:
        if (!p.empty()) p += '.';
        p += key;
        break;
    case Kind::Element:
        p += "[" + std::to_string(index) + "]";
        break;
    case Kind::Column:
        p += "[" + std::to_string(index) + "] (" + std::string(key) + ")";
        break;
    case Kind::Root:
        break;
    }
    return p;
}

void Where::refuse(const std::string& why) const {
    const std::string p = path();
    throw Refusal{std::string(what) + ": " + (p.empty() ? why : p + ": " + why)};
}

std::string words(const nlohmann::json::exception& e) {
    const std::string_view w = e.what();
    const std::size_t tag = w.find("] ");
    return std::string(w.substr(w.rfind('[', 0) == 0 && tag != std::string_view::npos ? tag + 2 : 0));
}

Json parseDocument(std::string_view text, const Where& root) {
    const std::string what(root.what);
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) throw Refusal{what + ": it is empty"};
    Json j;
    try {
        j = Json::parse(text);
    } catch (const Json::parse_error& e) {
        if (text[start] != '{' && text[start] != '[') throw Refusal{"not " + what + " (it is not JSON)"};
        // nlohmann places an error met at the end of the input one byte past it.
        if (e.byte > text.size())
            throw Refusal{what + ": its text is cut short (it ends after " + std::to_string(text.size()) +
                          " bytes, inside the JSON)"};
        throw Refusal{what + ": it is not valid JSON: " + words(e)};
    }
    if (!j.is_object()) throw Refusal{"not " + what + " (it is JSON, but not an object)"};
    return j;
}

void checkHeader(const Json& object, std::string_view format, std::int64_t version, const Where& where) {
    const bool root = where.kind == Where::Kind::Root;
    const auto f = object.find("format");
    if (f == object.end() || !f->is_string() || f->get_ref<const std::string&>() != format) {
        const std::string expected = ", not \"" + std::string(format) + "\"";
        const std::string why = f == object.end() ? "it has no \"format\""
                                : f->is_string()  ? "its \"format\" is " + f->dump() + expected
                                                  : "its \"format\" is " + describe(*f) + expected;
        if (root) throw Refusal{"not " + std::string(where.what) + " (" + why + ")"};
        where.refuse(why);
    }
    const auto v = object.find("version");
    if (v == object.end()) where.refuse("missing \"version\"");
    const auto found = integer<std::int64_t>(*v, where.member("version"));
    if (found == version) return;
    const std::string reads = "this Backlog reads version " + std::to_string(version);
    if (root) throw Refusal{std::string(where.what) + " of version " + std::to_string(found) + ": " + reads};
    where.refuse("version " + std::to_string(found) + ": " + reads);
}

const Json& object(const Json& j, const Where& where) {
    if (!j.is_object()) where.refuse("expected an object, found " + describe(j));
    return j;
}

const Json& array(const Json& j, const Where& where) {
    if (!j.is_array()) where.refuse("expected an array, found " + describe(j));
    return j;
}

const Json& member(const Json& object, std::string_view key, const Where& where) {
    const auto m = object.find(key);
    if (m == object.end()) where.refuse("missing \"" + std::string(key) + "\"");
    return *m;
}

void onlyKeys(const Json& object, std::initializer_list<std::string_view> keys, const Where& where) {
    for (const auto& [key, value] : object.items())
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            where.refuse("unknown key \"" + key + "\"");
}

std::string text(const Json& j, const Where& where) {
    if (!j.is_string()) where.refuse("expected a string, found " + describe(j));
    return j.get<std::string>();
}

bool boolean(const Json& j, const Where& where) {
    if (!j.is_boolean()) where.refuse("expected true or false, found " + describe(j));
    return j.get<bool>();
}

std::uint32_t address(const Json& j, const Where& where) {
    const std::string s = text(j, where);
    std::uint32_t a = 0;
    const char* p = s.data();
    const char* const end = s.data() + s.size();
    for (int part = 0; part < 4; ++part) {
        unsigned byte = 0;
        const auto [next, error] = std::from_chars(p, end, byte);
        const bool digits = error == std::errc() && next - p <= 3 && byte <= 255;
        const bool separated = part == 3 ? next == end : next != end && *next == '.';
        if (!digits || !separated)
            where.refuse("expected an IPv4 address such as \"192.0.2.1\", found \"" + s + "\"");
        a = (a << 8) | byte;
        if (part < 3) p = next + 1;
    }
    return a;
}

std::string describe(const Json& j) {
    switch (j.type()) {
    case Json::value_t::string:
        return "a string";
    case Json::value_t::array:
        return "an array";
    case Json::value_t::object:
        return "an object";
    default:
        return j.dump(); // null, true, 1.5, -3
    }
}

void Writer::string(const std::string& s, const Where& where) {
    try {
        out_ += Json(s).dump();
    } catch (const Json::exception& e) {
        // Only type_error 316: JSON holds UTF-8 alone, and dump() refuses any other byte. Every string the
        // lab writes is UTF-8 (from Qt, the decoded scenario, the kernel's ASCII), so this names a real
        // mistake rather than replacing bytes silently (error_handler_t::replace would write U+FFFD).
        where.refuse("not UTF-8 text, which JSON cannot hold (" + words(e) + ")");
    }
}

void Writer::address(std::uint32_t a) {
    out_ += '"';
    for (int shift = 24; shift >= 0; shift -= 8) {
        number((a >> shift) & 0xFF);
        if (shift) out_ += '.';
    }
    out_ += '"';
}

} // namespace backlog::lab::json
