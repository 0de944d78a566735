// app/lab/Sysctls.h: the sysctls that matter, read from a tree laid out as /proc/sys is (a temporary
// directory here): present ones as integers, missing ones (an older kernel: tcp_syn_linear_timeouts is
// new in 6.5, tcp_migrate_req in 5.14) as absent, not as an error; a file that holds no integer or
// cannot be read as an error naming it. Then this machine's /proc/sys, only read.
#include "app/lab/Sysctls.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using backlog::lab::LabResult;
using backlog::lab::readSysctls;
using backlog::lab::Sysctl;
using backlog::lab::sysctlValue;

namespace {

bool writeSysctl(const QString& root, const QString& name, const QByteArray& text) {
    const QString path = root + "/" + QString(name).replace('.', '/');
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
}

} // namespace

class TestSysctls : public QObject {
    Q_OBJECT

  private slots:
    void presentAndAbsent();
    void malformed_data();
    void malformed();
    void unreadable();
    void thisMachine();
};

// A 6.1 kernel's tree: no tcp_syn_linear_timeouts. And one without tcp_migrate_req either.
void TestSysctls::presentAndAbsent() {
    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QString r = root.path();
    QVERIFY(writeSysctl(r, "net.core.somaxconn", "4096\n"));
    QVERIFY(writeSysctl(r, "net.ipv4.tcp_max_syn_backlog", "512\n"));
    QVERIFY(writeSysctl(r, "net.ipv4.tcp_syncookies", "1\n"));
    QVERIFY(writeSysctl(r, "net.ipv4.tcp_synack_retries", "5\n"));
    QVERIFY(writeSysctl(r, "net.ipv4.tcp_syn_retries", "6"));
    QVERIFY(writeSysctl(r, "net.ipv4.tcp_abort_on_overflow", "0\n"));
    const LabResult<std::vector<Sysctl>> sysctls = readSysctls(r.toStdString());
    QVERIFY2(sysctls.ok(), sysctls.ok() ? "" : sysctls.error().c_str());
    const std::vector<Sysctl>& s = sysctls.value();
    QCOMPARE(s.size(), std::size_t{8});
    QCOMPARE(s[0].name, std::string("net.core.somaxconn"));
    QCOMPARE(sysctlValue(s, "net.core.somaxconn"), std::optional<std::int64_t>(4096));
    QCOMPARE(sysctlValue(s, "net.ipv4.tcp_max_syn_backlog"), std::optional<std::int64_t>(512));
    QCOMPARE(sysctlValue(s, "net.ipv4.tcp_syn_retries"), std::optional<std::int64_t>(6));
    QCOMPARE(sysctlValue(s, "net.ipv4.tcp_abort_on_overflow"), std::optional<std::int64_t>(0));
    QCOMPARE(sysctlValue(s, "net.ipv4.tcp_syn_linear_timeouts"), std::nullopt);
    QCOMPARE(sysctlValue(s, "net.ipv4.tcp_migrate_req"), std::nullopt);
}

void TestSysctls::malformed_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("shown");
    QTest::newRow("empty") << QByteArray("") << "";
    QTest::newRow("a word") << QByteArray("many\n") << "many";
    QTest::newRow("two numbers") << QByteArray("4096 128\n") << "4096 128";
    QTest::newRow("too large") << QByteArray("99999999999999999999\n") << "99999999999999999999";
}

void TestSysctls::malformed() {
    QFETCH(QByteArray, text);
    QFETCH(QString, shown);
    QTemporaryDir root;
    QVERIFY(root.isValid());
    QVERIFY(writeSysctl(root.path(), "net.core.somaxconn", text));
    const LabResult<std::vector<Sysctl>> sysctls = readSysctls(root.path().toStdString());
    QVERIFY(!sysctls.ok());
    QCOMPARE(QString::fromStdString(sysctls.error()),
             root.path() + "/net/core/somaxconn: \"" + shown + "\" is not one integer");
}

// Present but not a readable file (a directory in its place): an error, not "absent".
void TestSysctls::unreadable() {
    QTemporaryDir root;
    QVERIFY(root.isValid());
    QVERIFY(QDir().mkpath(root.path() + "/net/core/somaxconn"));
    const LabResult<std::vector<Sysctl>> sysctls = readSysctls(root.path().toStdString());
    QVERIFY(!sysctls.ok());
    QCOMPARE(QString::fromStdString(sysctls.error()), root.path() + "/net/core/somaxconn: Is a directory");
}

void TestSysctls::thisMachine() {
    const LabResult<std::vector<Sysctl>> sysctls = readSysctls();
    QVERIFY2(sysctls.ok(), sysctls.ok() ? "" : sysctls.error().c_str());
    const std::optional<std::int64_t> somaxconn = sysctlValue(sysctls.value(), "net.core.somaxconn");
    QVERIFY(somaxconn.has_value()); // every kernel the lab runs on has it
    QVERIFY(*somaxconn >= 0);
    for (const Sysctl& s : sysctls.value())
        qInfo("%s = %s", s.name.c_str(), s.value ? std::to_string(*s.value).c_str() : "(absent)");
}

QTEST_APPLESS_MAIN(TestSysctls)
#include "tst_sysctls.moc"
