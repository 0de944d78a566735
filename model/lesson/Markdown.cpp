#include "model/lesson/Markdown.h"

#include "model/lesson/Lesson.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace backlog {

namespace {

void escapeInto(std::string& out, char c) {
    switch (c) {
    case '<':
        out += "&lt;";
        break;
    case '>':
        out += "&gt;";
        break;
    case '&':
        out += "&amp;";
        break;
    case '"':
        out += "&quot;";
        break;
    default:
        out += c;
    }
}

bool isSpace(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool isAlnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// A piece of text with, for each of its characters, where it stands in the whole narration (blocks drop
// indentation and list markers, so the two differ).
struct Mapped {
    std::string text;
    std::vector<std::size_t> at;

    Mapped slice(std::size_t from, std::size_t to) const {
        return {text.substr(from, to - from),
                std::vector<std::size_t>(at.begin() + static_cast<std::ptrdiff_t>(from),
                                         at.begin() + static_cast<std::ptrdiff_t>(to))};
    }
};

struct Problem {
    std::size_t offset; // in the whole narration
    std::string message;
};

class Inline {
  public:
    Inline(std::vector<Problem>& problems, bool plain) : problems_(problems), plain_(plain) {}

    std::string convert(const Mapped& m);

  private:
    // Plain text keeps its characters; HTML escapes the ones markup gives a meaning.
    void put(std::string& out, char c) const {
        if (plain_)
            out += c;
        else
            escapeInto(out, c);
    }
    void tag(std::string& out, const char* html) const {
        if (!plain_) out += html;
    }
    void error(const Mapped& m, std::size_t i, std::string message) {
        problems_.push_back(
            {i < m.at.size() ? m.at[i] : (m.at.empty() ? 0 : m.at.back() + 1), std::move(message)});
    }

    std::vector<Problem>& problems_;
    bool plain_;
};

// Emphasis nests properly or is an error: open spans sit on a stack, and a closing mark only closes
// the span on top, so `**bold *and em***` closes the emphasis first and `*a **b* c**` is refused.
std::string Inline::convert(const Mapped& m) {
    const std::string& text = m.text;
    struct Open {
        char mark; // '*' or '_' emphasis, 'S' strong
        std::size_t at;
    };
    std::vector<Open> open;
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && std::ispunct(static_cast<unsigned char>(text[i + 1]))) {
            put(out, text[++i]);
        } else if (c == '`') {
            const std::size_t close = text.find('`', i + 1);
            if (close == std::string::npos) {
                error(m, i, "a code span opened with ` is not closed");
                put(out, c);
                continue;
            }
            tag(out, "<code>");
            for (std::size_t k = i + 1; k < close; ++k)
                put(out, text[k] == '\n' ? ' ' : text[k]);
            tag(out, "</code>");
            i = close;
        } else if (c == '*') {
            std::size_t run = 0;
            while (i + run < text.size() && text[i + run] == '*')
                ++run;
            const bool canClose = i > 0 && !isSpace(text[i - 1]);
            const bool canOpen = i + run < text.size() && !isSpace(text[i + run]);
            std::size_t k = i;
            while (run > 0) {
                if (canClose && !open.empty() && open.back().mark == '*') {
                    tag(out, "</i>"), open.pop_back(), --run, ++k;
                } else if (canClose && run >= 2 && !open.empty() && open.back().mark == 'S') {
                    tag(out, "</b>"), open.pop_back(), run -= 2, k += 2;
                } else if (canOpen && run >= 2) {
                    tag(out, "<b>"), open.push_back({'S', k}), run -= 2, k += 2;
                } else if (canOpen) {
                    tag(out, "<i>"), open.push_back({'*', k}), --run, ++k;
                } else {
                    put(out, '*'), --run, ++k;
                }
            }
            i = k - 1;
        } else if (c == '_') {
            // `_` only emphasises at a word's edge, so snake_case names stay as written.
            const bool closes = !open.empty() && open.back().mark == '_' && i > 0 && !isSpace(text[i - 1]) &&
                                (i + 1 >= text.size() || !isAlnum(text[i + 1]));
            const bool opens =
                i + 1 < text.size() && !isSpace(text[i + 1]) && (i == 0 || !isAlnum(text[i - 1]));
            if (closes)
                tag(out, "</i>"), open.pop_back();
            else if (opens)
                tag(out, "<i>"), open.push_back({'_', i});
            else
                put(out, c);
        } else if (c == '!' && i + 1 < text.size() && text[i + 1] == '[') {
            error(m, i, "images are not part of the narration subset");
            put(out, c);
        } else if (c == '[') {
            const std::size_t close = text.find(']', i + 1);
            if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != '(') {
                put(out, c);
                continue;
            }
            const std::size_t end = text.find(')', close + 2);
            if (end == std::string::npos) {
                error(m, close + 1, "a link's address opened with ( is not closed");
                put(out, c);
                continue;
            }
            std::string url = text.substr(close + 2, end - close - 2);
            url = url.substr(0, url.find_first_of(" \t\n")); // a link title ("…") is not part of the address
            if (!url.starts_with("https://") && !url.starts_with("http://") && !url.starts_with("mailto:"))
                error(m, close + 2, "a link's address must start with https://, http:// or mailto:");
            Inline label(problems_, plain_);
            const std::string inner = label.convert(m.slice(i + 1, close));
            if (plain_) {
                out += inner;
            } else {
                out += "<a href=\"";
                for (char u : url)
                    escapeInto(out, u);
                out += "\">" + inner + "</a>";
            }
            i = end;
        } else {
            put(out, c == '\n' ? ' ' : c);
        }
    }
    for (const Open& o : open)
        error(m, o.at,
              o.mark == 'S' ? "** (strong) is opened here and not closed"
                            : std::string(1, o.mark) + " (emphasis) is opened here and not closed");
    // Close what is still open, innermost first, so that the HTML stays well formed.
    for (auto it = open.rbegin(); it != open.rend(); ++it)
        tag(out, it->mark == 'S' ? "</b>" : "</i>");
    return out;
}

// "- ", "* " → 'u'; "1. " → 'o'; else 0. `marker` gets the marker's length with its space.
char listMarker(std::string_view s, std::size_t& marker) {
    if (s.size() >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ') {
        marker = 2;
        return 'u';
    }
    std::size_t d = 0;
    while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d])))
        ++d;
    if (d > 0 && d < 10 && d + 1 < s.size() && s[d] == '.' && s[d + 1] == ' ') {
        marker = d + 2;
        return 'o';
    }
    return 0;
}

MarkdownResult convert(std::string_view text, bool plain) {
    MarkdownResult result;
    std::vector<Problem> problems;
    const auto problem = [&](std::size_t offset, std::string message) {
        problems.push_back({offset, std::move(message)});
    };
    // Blocks: a paragraph or a list item, its text mapped to the narration.
    struct Block {
        char list = 0; // 0: paragraph
        Mapped text;
    };
    std::vector<Block> blocks;
    bool open = false; // the last block takes continuation lines
    for (std::size_t start = 0; start <= text.size();) {
        const std::size_t nl = text.find('\n', start);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t indent = 0;
        while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t'))
            ++indent;
        const std::string_view body = line.substr(indent);
        const std::size_t bodyAt = start + indent;
        const auto append = [&](Mapped& m, std::string_view s, std::size_t at) {
            for (std::size_t k = 0; k < s.size(); ++k) {
                m.text += s[k];
                m.at.push_back(at + k);
            }
        };
        bool heading = false;
        if (!body.empty() && body[0] == '#') {
            std::size_t hashes = 0;
            while (hashes < body.size() && body[hashes] == '#')
                ++hashes;
            heading = hashes <= 6 && (hashes == body.size() || body[hashes] == ' ');
        }
        std::size_t marker = 0;
        if (body.empty()) {
            open = false;
        } else if (heading) {
            problem(bodyAt,
                    "headings are not part of the narration subset (the step's title is the heading)");
        } else if (body.starts_with("```") || body.starts_with("~~~") || (indent >= 4 && !open)) {
            problem(bodyAt, "code blocks are not part of the narration subset; use `code` within a line");
        } else if (const char list = listMarker(body, marker)) {
            blocks.push_back({list, {}});
            append(blocks.back().text, body.substr(marker), bodyAt + marker);
            open = true;
        } else if (open) {
            blocks.back().text.text += '\n';
            blocks.back().text.at.push_back(bodyAt > 0 ? bodyAt - 1 : 0);
            append(blocks.back().text, body, bodyAt);
        } else {
            blocks.push_back({0, {}});
            append(blocks.back().text, body, bodyAt);
            open = true;
        }
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    char inList = 0;
    for (const Block& b : blocks) {
        Inline converter(problems, plain);
        const std::string inner = converter.convert(b.text);
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
    // Offsets → lines and columns of the narration, in order of place.
    std::stable_sort(problems.begin(), problems.end(),
                     [](const Problem& a, const Problem& b) { return a.offset < b.offset; });
    // One walk through the text for all of them (a narration full of mistakes must not cost one walk each).
    std::size_t k = 0;
    int line = 1, column = 1;
    for (const Problem& p : problems) {
        for (; k < p.offset && k < text.size(); ++k) {
            if (text[k] == '\n')
                ++line, column = 1;
            else
                ++column;
        }
        MarkdownError e;
        e.offset = p.offset;
        e.line = line;
        e.column = column;
        e.message = p.message;
        result.errors.push_back(std::move(e));
    }
    return result;
}

} // namespace

MarkdownResult markdownToHtml(std::string_view text) {
    return convert(text, false);
}

std::string markdownToPlain(std::string_view text) {
    return convert(text, true).html;
}

std::string stepName(const Step& step, std::size_t maxCharacters) {
    if (!step.title.empty()) return step.title;
    const std::string plain =
        markdownToPlain(step.say.empty() && step.question ? step.question->ask : step.say);
    // Counted in characters, so that a UTF-8 sequence is never cut: longer than maxCharacters, the first
    // maxCharacters - 3 and "…".
    std::vector<std::size_t> starts; // the byte offset of each character
    for (std::size_t i = 0; i < plain.size(); ++i)
        if ((static_cast<unsigned char>(plain[i]) & 0xC0) != 0x80) starts.push_back(i);
    if (starts.size() <= maxCharacters) return plain;
    return plain.substr(0, starts[maxCharacters > 3 ? maxCharacters - 3 : 0]) + "…";
}

} // namespace backlog
