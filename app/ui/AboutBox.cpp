#include "app/ui/AboutBox.h"

#include "app/ui/LessonLibrary.h"
#include "model/scenario/Scenario.h"

#include <QApplication>
#include <QIcon>
#include <QMessageBox>
#include <QStringList>
#include <QUrl>

namespace backlog::app {

QString aboutText() {
    QStringList profiles;
    for (const KernelProfile& profile : kernelProfiles())
        profiles << QString::fromLatin1(profile.name);
    const QString lessons = shippedLessonsDir();
    // Qt Charts is Qt's under the GPL version 3 only (its open-source licence), hence the program's
    // GPL-3.0-or-later (LICENSE).
    return QObject::tr("<h3>Backlog %1</h3>"
                       "<p>How Linux takes in TCP connections: the SYN queue, the accept queue and "
                       "accept().</p>"
                       "<p>Kernel profiles modelled: %2 (a scenario's <tt>kernel.version</tt>).</p>"
                       "<p>Lessons: <a href=\"%3\">%4</a></p>"
                       "<p>Licence: GNU General Public License, version 3 or (at your option) any later "
                       "version (GPL-3.0-or-later). There is no warranty.<br>"
                       "Built with Qt %5; the DejaVu fonts (Bitstream Vera licence) are included.</p>")
        .arg(QStringLiteral(BACKLOG_VERSION), profiles.join(QStringLiteral(", ")),
             QUrl::fromLocalFile(lessons).toString().toHtmlEscaped(), lessons.toHtmlEscaped(),
             QString::fromLatin1(qVersion()));
}

void showAboutBox(QWidget* parent) {
    auto* box = new QMessageBox(parent);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowTitle(QObject::tr("About Backlog"));
    box->setTextFormat(Qt::RichText);
    box->setTextInteractionFlags(Qt::TextBrowserInteraction); // the lessons' link opens the folder
    box->setText(aboutText());
    box->setStandardButtons(QMessageBox::Close);
    if (const QIcon icon = QApplication::windowIcon(); !icon.isNull()) box->setIconPixmap(icon.pixmap(64));
    // Without a window manager (a projector PC's kiosk session) nobody gives the keyboard back to the
    // window when the box closes, as after presenter mode.
    if (parent) QObject::connect(box, &QDialog::finished, parent, [parent] { parent->activateWindow(); });
    box->open();
}

} // namespace backlog::app
