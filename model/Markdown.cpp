#include "Markdown.h"

#include <cctype>

namespace backlog {

namespace {

void escapeInto(std::string& out, char c) {
    switch (c) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
}

class Inline {
  public:
    Inline(std::vector<MarkdownError>& errors, int line, int column, bool plain)
        : errors_(errors), line_(line), column_(column), plain_(plain) {}

    // Converts one paragraph's or item's text (lines joined by '\n'; `starts` maps each line to its
    // place in the source).
    std::string convert(std::string_view text, bool plain);

  private:
    // Plain text keeps its characters; HTML escapes the ones markup gives a meaning.
    void put(std::string& out, char c) const {
        if (plain_) out += c;
        else escapeInto(out, c);
    }

    void error(std::size_t at, std::string message) {
        // Place within the joined text → line and column in the source.
        int line = line_;
        int column = column_;
        for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
            if (text_[i] == '\n') ++line, column = 1;
            else ++column;
        }
        errors_.push_back({line, column, std::move(message)});
    }

    std::vector<MarkdownError>& errors_;
    int line_;
    int column_;
    bool plain_;
    std::string_view text_;
};

std::string Inline::convert(std::string_view text, bool plain) {
    text_ = text;
    std::string out;
    bool em = false;
    bool strong = false;
    std::size_t emAt = 0;
    std::size_t strongAt = 0;
    char emMark = '*';
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && std::ispunct(static_cast<unsigned char>(text[i + 1]))) {
            put(out, text[++i]);
        } else if (c == '`') {
            const std::size_t close = text.find('`', i + 1);
            if (close == std::string_view::npos) {
                error(i, "a code span opened with ` is not closed");
                put(out, c);
                continue;
            }
            if (!plain) out += "<code>";
            for (std::size_t k = i + 1; k < close; ++k) put(out, text[k] == '\n' ? ' ' : text[k]);
            if (!plain) out += "</code>";
            i = close;
        } else if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
            if (!plain) out += strong ? "</b>" : "<b>";
            strong = !strong;
            strongAt = i;
            ++i;
        } else if ((c == '*' || c == '_') && (em ? c == emMark : true)) {
            // `_` only emphasises at a word's edge, so snake_case names stay as written.
            const bool opens = !em && i + 1 < text.size() && !std::isspace(static_cast<unsigned char>(text[i + 1])) &&
                               (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])));
            const bool closes = em && i > 0 && !std::isspace(static_cast<unsigned char>(text[i - 1])) &&
                                (i + 1 >= text.size() || !std::isalnum(static_cast<unsigned char>(text[i + 1])));
            if (opens || closes) {
                if (!plain) out += em ? "</i>" : "<i>";
                em = !em;
                emAt = i;
                emMark = c;
            } else {
                put(out, c);
            }
        } else if (c == '!' && i + 1 < text.size() && text[i + 1] == '[') {
            error(i, "images are not part of the narration subset");
            put(out, c);
        } else if (c == '[') {
            const std::size_t close = text.find(']', i + 1);
            if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != '(') {
                put(out, c);
                continue;
            }
            const std::size_t end = text.find(')', close + 2);
            if (end == std::string_view::npos) {
                error(close + 1, "a link's address opened with ( is not closed");
                put(out, c);
                continue;
            }
            const std::string_view url = text.substr(close + 2, end - close - 2);
            if (!url.starts_with("https://") && !url.starts_with("http://") && !url.starts_with("mailto:"))
                error(close + 2, "a link's address must start with https://, http:// or mailto:");
            Inline label(errors_, line_, column_, plain_);
            const std::string inner = label.convert(text.substr(i + 1, close - i - 1), plain);
            if (plain) {
                out += inner;
            } else {
                out += "<a href=\"";
                for (char u : url) escapeInto(out, u);
                out += "\">" + inner + "</a>";
            }
            i = end;
        } else {
            put(out, c == '\n' ? ' ' : c);
        }
    }
    if (strong) error(strongAt, "** (strong) is opened here and not closed");
    if (em) error(emAt, std::string(1, emMark) + " (emphasis) is opened here and not closed");
    return out;
}

std::string_view trimmedLeft(std::string_view s, std::size_t& indent) {
    indent = 0;
    while (indent < s.size() && (s[indent] == ' ' || s[indent] == '\t')) ++indent;
    return s.substr(indent);
}

// "- ", "* " → 'u'; "1. " → 'o'; else 0. `marker` gets the marker's length with its space.
char listMarker(std::string_view s, std::size_t& marker) {
    if (s.size() >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ') {
        marker = 2;
        return 'u';
    }
    std::size_t d = 0;
    while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
    if (d > 0 && d < 10 && d + 1 < s.size() && s[d] == '.' && s[d + 1] == ' ') {
        marker = d + 2;
        return 'o';
    }
    return 0;
}

MarkdownResult convert(std::string_view text, bool plain) {
    MarkdownResult result;
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= text.size();) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    // Blocks: a paragraph or a list item, with the line and column where its text starts.
    struct Block {
        char list = 0; // 0: paragraph
        std::string text;
        int line = 1;
        int column = 1;
    };
    std::vector<Block> blocks;
    bool open = false; // the last block takes continuation lines
    for (std::size_t n = 0; n < lines.size(); ++n) {
        std::size_t indent = 0;
        const std::string_view body = trimmedLeft(lines[n], indent);
        const int line = static_cast<int>(n) + 1;
        if (body.empty()) {
            open = false;
            continue;
        }
        if (body[0] == '#') {
            std::size_t hashes = 0;
            while (hashes < body.size() && body[hashes] == '#') ++hashes;
            if (hashes <= 6 && (hashes == body.size() || body[hashes] == ' ')) {
                result.errors.push_back({line, static_cast<int>(indent) + 1,
                                         "headings are not part of the narration subset (the step's title is the heading)"});
                continue;
            }
        }
        if (body.starts_with("```") || body.starts_with("~~~") || (indent >= 4 && !open)) {
            result.errors.push_back({line, static_cast<int>(indent) + 1,
                                     "code blocks are not part of the narration subset; use `code` within a line"});
            continue;
        }
        std::size_t marker = 0;
        if (const char list = listMarker(body, marker)) {
            blocks.push_back({list, std::string(body.substr(marker)), line, static_cast<int>(indent + marker) + 1});
            open = true;
        } else if (open) {
            blocks.back().text += '\n';
            blocks.back().text += body;
        } else {
            blocks.push_back({0, std::string(body), line, static_cast<int>(indent) + 1});
            open = true;
        }
    }
    char inList = 0;
    for (const Block& b : blocks) {
        Inline converter(result.errors, b.line, b.column, plain);
        const std::string inner = converter.convert(b.text, plain);
        if (plain) {
            if (!result.html.empty()) result.html += ' ';
            result.html += inner;
            continue;
        }
        if (inList && inList != b.list) result.html += inList == 'u' ? "</ul>" : "</ol>";
        if (b.list && inList != b.list) result.html += b.list == 'u' ? "<ul>" : "<ol>";
        inList = b.list;
        result.html += b.list ? "<li>" + inner + "</li>" : "<p>" + inner + "</p>";
    }
    if (!plain && inList) result.html += inList == 'u' ? "</ul>" : "</ol>";
    return result;
}

} // namespace

MarkdownResult markdownToHtml(std::string_view text) { return convert(text, false); }

std::string markdownToPlain(std::string_view text) { return convert(text, true).html; }

} // namespace backlog
