// Help › About Backlog: the program's name and version (project(VERSION), through BACKLOG_VERSION), its
// licence, the kernel profiles the model offers (read from the model, so the list cannot drift from
// it) and where the shipped lessons are.
#pragma once

#include <QString>

class QWidget;

namespace backlog::app {

// The box's text (rich text): what the tests read.
QString aboutText();
// Opens the box over PARENT, not modal (closing it deletes it); its object name is "aboutBox".
void showAboutBox(QWidget* parent);

} // namespace backlog::app
