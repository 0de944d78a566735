// Internal to the lab: reading a whole file of /proc. Its files report a size of 0 and are produced as
// they are read, so they are read to the end in pieces, never by their size.
#pragma once

#ifndef BACKLOG_INSIDE_LAB
#error "app/lab/ProcFile.h is private to backlog_lab"
#endif

#include "app/lab/LabResult.h"

#include <cerrno>
#include <string>

namespace backlog::lab {

// The text of `path`, or an error "PATH: <strerror>" with its errno (ENOENT: there is no such file).
LabResult<std::string> readProcFile(const std::string& path);

// Every errno as text: "Operation not permitted" (strerror is not thread-safe; this is).
std::string errnoText(int error);

} // namespace backlog::lab
