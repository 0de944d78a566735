#include "model/scenario/SourceFile.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>

namespace backlog {

namespace {

// Where a reader is in a text, as an editor counts: lines from 1, columns in characters from 1.
struct TextPlace {
    int line = 1;
    int column = 1;
    void pass(char32_t c) {
        if (c == U'\n')
            ++line, column = 1;
        else
            ++column;
    }
};

std::string hexByte(unsigned char b) {
    constexpr char digits[] = "0123456789ABCDEF";
    return std::string("0x") + digits[b >> 4] + digits[b & 0xF];
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// UTF-16 (without its byte order mark) as UTF-8; refused at the first unpaired surrogate or a last odd
// byte. NUL passes here and is refused with the UTF-8 check after, in one place.
SourceText decodeUtf16(std::string_view bytes, bool bigEndian, const std::string& fileName) {
    SourceText out;
    out.text.reserve(bytes.size());
    TextPlace place;
    const auto unit = [&](std::size_t at) {
        const auto hi = static_cast<unsigned char>(bytes[at + (bigEndian ? 0 : 1)]);
        const auto lo = static_cast<unsigned char>(bytes[at + (bigEndian ? 1 : 0)]);
        return static_cast<char32_t>(hi << 8 | lo);
    };
    const std::string encoding = bigEndian ? "UTF-16 BE" : "UTF-16 LE";
    for (std::size_t at = 0; at < bytes.size(); at += 2) {
        if (at + 1 == bytes.size())
            return {{},
                    ReadError{fileName, place.line, place.column,
                              "the " + encoding +
                                  " text ends in the middle of a character (an odd number of bytes)"}};
        char32_t c = unit(at);
        if (c >= 0xD800 && c <= 0xDBFF && at + 3 < bytes.size() && unit(at + 2) >= 0xDC00 &&
            unit(at + 2) <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (unit(at + 2) - 0xDC00);
            at += 2;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            return {{},
                    ReadError{fileName, place.line, place.column,
                              "not valid " + encoding + ": a lone surrogate; save the file as UTF-8"}};
        }
        appendUtf8(out.text, c);
        place.pass(c);
    }
    return out;
}

// The length of the UTF-8 sequence that starts at `at`, or 0 when it is not one (a stray continuation
// byte, an overlong form, a surrogate, beyond U+10FFFF, cut short).
std::size_t utf8Length(std::string_view s, std::size_t at) {
    const auto b = [&](std::size_t k) {
        return at + k < s.size() ? static_cast<unsigned char>(s[at + k]) : 0u;
    };
    const auto tail = [&](std::size_t k) { return (b(k) & 0xC0) == 0x80; };
    const unsigned lead = b(0);
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return tail(1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80; // not overlong
        const unsigned hi = lead == 0xED ? 0x9F : 0xBF; // not a surrogate
        return b(1) >= lo && b(1) <= hi && tail(2) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        const unsigned lo = lead == 0xF0 ? 0x90 : 0x80; // not overlong
        const unsigned hi = lead == 0xF4 ? 0x8F : 0xBF; // not beyond U+10FFFF
        return b(1) >= lo && b(1) <= hi && tail(2) && tail(3) ? 4 : 0;
    }
    return 0;
}

std::optional<ReadError> checkUtf8(std::string_view text, const std::string& fileName) {
    TextPlace place;
    for (std::size_t at = 0; at < text.size();) {
        const char c = text[at];
        if (c == '\0')
            return ReadError{fileName, place.line, place.column, "a NUL character; expected text (UTF-8)"};
        const std::size_t length = utf8Length(text, at);
        if (length == 0)
            return ReadError{fileName, place.line, place.column,
                             "not valid UTF-8 (byte " + hexByte(static_cast<unsigned char>(c)) +
                                 "); save the file as UTF-8"};
        place.pass(c == '\n' ? U'\n' : U'x');
        at += length;
    }
    return std::nullopt;
}

bool startsWith(std::string_view bytes, std::initializer_list<unsigned char> prefix) {
    if (bytes.size() < prefix.size()) return false;
    std::size_t i = 0;
    for (const unsigned char p : prefix)
        if (static_cast<unsigned char>(bytes[i++]) != p) return false;
    return true;
}

} // namespace

SourceText readSourceFile(const std::string& path, std::size_t maxBytes) {
    const auto refused = [&](const std::string& why) {
        return SourceText{{}, ReadError{path, 0, 0, path + why}};
    };
    // The type first, from the file system, without opening the file: opening a FIFO for reading waits
    // for a writer, and a device (/dev/zero) never ends.
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    switch (status.type()) {
    case std::filesystem::file_type::not_found:
        return refused(": no such file");
    case std::filesystem::file_type::regular:
        break;
    case std::filesystem::file_type::directory:
        return refused(" is a directory");
    case std::filesystem::file_type::fifo:
        return refused(" is a FIFO (a named pipe), not a file; expected a scenario or lesson file");
    case std::filesystem::file_type::block:
    case std::filesystem::file_type::character:
        return refused(" is a device, not a file; expected a scenario or lesson file");
    case std::filesystem::file_type::socket:
        return refused(" is a socket, not a file; expected a scenario or lesson file");
    case std::filesystem::file_type::none: // the type could not be found out (a folder on the way is
                                           // unreadable)
        return refused(": cannot be read" + (ec ? " (" + ec.message() + ")" : std::string()));
    default:
        return refused(" is not a regular file; expected a scenario or lesson file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return refused(": cannot be read");
    // One byte over the cap is enough to refuse the file, however large it is (or grows while read). Read
    // in pieces: the cap may be far above the file (a measured run's is 1 GiB), and memory is taken only
    // for what the file holds.
    std::string content;
    std::size_t want = maxBytes + 1;
    while (want > 0 && in) {
        const std::size_t piece = std::min<std::size_t>(want, 1 << 16);
        const std::size_t had = content.size();
        content.resize(had + piece);
        in.read(content.data() + had, static_cast<std::streamsize>(piece));
        const auto got = static_cast<std::size_t>(in.gcount());
        content.resize(had + got);
        want -= got;
        if (got < piece) break;
    }
    if (in.bad()) return refused(": cannot be read");
    return {std::move(content), std::nullopt};
}

SourceText decodeSourceText(std::string_view bytes, const std::string& fileName, std::size_t maxBytes,
                            std::string_view what) {
    if (bytes.size() > maxBytes)
        return {{},
                ReadError{fileName, 1, 1,
                          "the file is larger than the limit of " + std::to_string(maxBytes) + " bytes for " +
                              std::string(what)}};
    if (startsWith(bytes, {0xFF, 0xFE, 0x00, 0x00}) || startsWith(bytes, {0x00, 0x00, 0xFE, 0xFF}))
        return {{}, ReadError{fileName, 1, 1, "the file is UTF-32 text; save it as UTF-8"}};
    SourceText out;
    if (startsWith(bytes, {0xFF, 0xFE}) || startsWith(bytes, {0xFE, 0xFF})) {
        out = decodeUtf16(bytes.substr(2), static_cast<unsigned char>(bytes[0]) == 0xFE, fileName);
        if (out.error) return out;
    } else {
        out.text.assign(startsWith(bytes, {0xEF, 0xBB, 0xBF}) ? bytes.substr(3) : bytes);
    }
    if (std::optional<ReadError> error = checkUtf8(out.text, fileName)) return {{}, std::move(error)};
    return out;
}

} // namespace backlog
