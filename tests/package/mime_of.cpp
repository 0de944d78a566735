// mime_of FILE...: each file's MIME type as Qt finds it (QMimeDatabase: name and content), one a line.
// check_install.sh points XDG_DATA_DIRS at a MIME database built from the installed
// share/mime/packages/backlog.xml, so this is what a Qt file manager would say of a lesson.
#include <QCoreApplication>
#include <QMimeDatabase>
#include <QStringList>

#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QMimeDatabase mime;
    for (const QString& file : QCoreApplication::arguments().mid(1))
        std::printf("%s\n", qPrintable(mime.mimeTypeForFile(file).name()));
    return 0;
}
