// How the scenario and lesson readers take in a file before YAML sees it, so that both guard alike:
// only a regular file is opened (a FIFO would block the reader for ever, a device never ends), no more
// than the reader's size cap is read, and the text is UTF-8 without NUL, or UTF-16 with a byte order
// mark, decoded (Windows editors save "Unicode" text so; a teacher should not have to know).
#pragma once

#include "model/scenario/ReadError.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace backlog {

struct SourceText {
    std::string text;               // the file's bytes (readSourceFile) or UTF-8 text (decodeSourceText)
    std::optional<ReadError> error; // set when the file or text is refused; `text` is then empty
};

// The bytes of the file at `path`, at most maxBytes + 1 of them (one more than the cap, so that
// decodeSourceText can tell an oversized file from one exactly at the cap). Refused without being opened:
// a missing file, a directory, anything but a regular file. The errors have no place (line 0) and name
// the path.
SourceText readSourceFile(const std::string& path, std::size_t maxBytes);

// `bytes` as the UTF-8 text a reader parses. A UTF-8 byte order mark is dropped, UTF-16 with its byte
// order mark (FF FE or FE FF) is decoded; refused with their LINE:COL (columns count characters, as an
// editor does): more than maxBytes, bytes that are not UTF-8 (or UTF-16 that is not), and NUL.
// `what` names the kind of file in the size message ("a lesson").
SourceText decodeSourceText(std::string_view bytes, const std::string& fileName, std::size_t maxBytes,
                            std::string_view what);

} // namespace backlog
