// The start page: the shipped lessons in teaching order (number, title, summary, minutes, level, and how
// far this user got), lessons from folders the user added, and the sandbox scenario.
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace backlog::app {

class StartPage : public QWidget {
    Q_OBJECT
  public:
    explicit StartPage(QWidget* parent = nullptr);

    QTreeWidget* list() const { return list_; }
    // Reads the folders again (after a lesson was played: its progress changed).
    void refresh();

  signals:
    void openRequested(const QString& path);

  private:
    void addFolder();
    void removeFolder();
    void openSelected();
    void addSection(const QString& title, const QString& folder, bool removable);

    QTreeWidget* list_;
    QPushButton* open_;
    QPushButton* remove_;
    QLabel* details_;
};

} // namespace backlog::app
