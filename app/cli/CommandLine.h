// `backlog simulate …` and the other headless commands. Each returns the process exit status:
// 0 success, 1 a check that did not hold, 2 bad input (with one clear line on stderr).
#pragma once

#include <QStringList>

namespace backlog::app {

// True if the arguments name a headless command (simulate …): then runCommand() handles them.
bool isCommand(const QStringList& arguments);
int runCommand(const QStringList& arguments);
// `backlog present --help`: prints the command's help and returns 0 (2 for an unknown option). The
// window's own command needs no parsing otherwise; a QCoreApplication must exist (the help names the
// program).
int presentHelp(const QStringList& arguments);

} // namespace backlog::app
