// app/lab/KernelCounters.h: the text of /proc/net/netstat and /proc/net/snmp into nstat's names. Real
// files captured from a 6.18 kernel (a fresh namespace's, all zero but Tcp's constants, and a busy host's)
// parse into every counter their headers name; small texts pin the format's edges (CRLF, no final
// newline, the signed MaxConn, the largest value); broken texts give one error naming the line and what
// is wrong, never a crash or a partial result. Then the running kernel's own files.
#include "app/lab/KernelCounters.h"

#include <QFile>
#include <QTest>

#include <cstdint>
#include <limits>
#include <string>

using backlog::lab::KernelCounterValues;
using backlog::lab::LabResult;
using backlog::lab::parseKernelCounters;
using backlog::lab::readKernelCounters;

namespace {

std::string fixture(const QString& name) {
    QFile file(QStringLiteral(BACKLOG_LAB_DATA "/") + name);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

// How many counters the header lines of a file name: what a good parse must return.
qsizetype namedCounters(const std::string& text) {
    const QList<QByteArray> lines = QByteArray::fromStdString(text).split('\n');
    qsizetype count = 0;
    for (qsizetype i = 0; i + 1 < lines.size(); i += 2)
        count += lines[i].simplified().split(' ').size() - 1;
    return count;
}

} // namespace

class TestKernelCounters : public QObject {
    Q_OBJECT

  private slots:
    void realFiles_data();
    void realFiles();
    void formatEdges_data();
    void formatEdges();
    void malformed_data();
    void malformed();
    void thisKernel();
};

void TestKernelCounters::realFiles_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("fresh"); // a new namespace's: every TcpExt counter is 0
    QTest::newRow("netstat of a new netns (unshare -n)") << "netstat-netns.txt" << true;
    QTest::newRow("snmp of a new netns (unshare -n)") << "snmp-netns.txt" << true;
    QTest::newRow("netstat of a host") << "netstat-host.txt" << false;
    QTest::newRow("snmp of a host") << "snmp-host.txt" << false;
}

void TestKernelCounters::realFiles() {
    QFETCH(QString, file);
    QFETCH(bool, fresh);
    const std::string text = fixture(file);
    QVERIFY2(!text.empty(), qPrintable(file));
    const LabResult<KernelCounterValues> counters = parseKernelCounters(text, file.toStdString());
    QVERIFY2(counters.ok(), counters.ok() ? "" : counters.error().c_str());
    const KernelCounterValues& c = counters.value();
    QCOMPARE(qsizetype(c.size()), namedCounters(text));
    if (file.startsWith("netstat")) {
        // The counters of M5 and M16, and those of the cookies (M4), under nstat's names.
        for (const char* name : {"TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtSyncookiesSent",
                                 "TcpExtTCPReqQFullDrop", "TcpExtTCPSynRetrans", "IpExtInOctets"})
            QVERIFY2(c.contains(name), name);
        QVERIFY(c.at("TcpExtListenOverflows") <= c.at("TcpExtListenDrops")); // M16
        if (fresh)
            for (const auto& [name, value] : c)
                QVERIFY2(value == 0, name.c_str());
    } else {
        for (const char* name :
             {"TcpActiveOpens", "TcpPassiveOpens", "TcpRetransSegs", "IpForwarding", "UdpInDatagrams"})
            QVERIFY2(c.contains(name), name);
        QCOMPARE(c.at("TcpMaxConn"), std::int64_t{-1}); // the one signed field: "no limit"
        QCOMPARE(c.at("TcpRtoMin"), std::int64_t{200});
        if (fresh) QCOMPARE(c.at("TcpActiveOpens"), std::int64_t{0});
    }
}

void TestKernelCounters::formatEdges_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("value");
    QTest::addColumn<int>("count");
    QTest::newRow("one pair") << "TcpExt: ListenOverflows ListenDrops\nTcpExt: 3 4\n"
                              << "TcpExtListenDrops" << qint64{4} << 2;
    QTest::newRow("no final newline") << "TcpExt: ListenOverflows ListenDrops\nTcpExt: 3 4"
                                      << "TcpExtListenOverflows" << qint64{3} << 2;
    QTest::newRow("CRLF and trailing blank lines") << "Tcp: ActiveOpens\r\nTcp: 7\r\n\r\n\n"
                                                   << "TcpActiveOpens" << qint64{7} << 1;
    QTest::newRow("two prefixes") << "Tcp: A B\nTcp: 1 2\nIpExt: InOctets\nIpExt: 9\n"
                                  << "IpExtInOctets" << qint64{9} << 3;
    QTest::newRow("spaces and tabs between fields") << "Tcp:  A\t B \nTcp: 1\t  2 \n"
                                                    << "TcpB" << qint64{2} << 2;
    QTest::newRow("signed MaxConn") << "Tcp: MaxConn\nTcp: -1\n"
                                    << "TcpMaxConn" << qint64{-1} << 1;
    QTest::newRow("largest value") << "TcpExt: X\nTcpExt: 9223372036854775807\n"
                                   << "TcpExtX" << std::numeric_limits<qint64>::max() << 1;
    QTest::newRow("a prefix with no counters") << "Empty:\nEmpty:\nTcp: A\nTcp: 5\n"
                                               << "TcpA" << qint64{5} << 1;
}

void TestKernelCounters::formatEdges() {
    QFETCH(QString, text);
    QFETCH(QString, name);
    QFETCH(qint64, value);
    QFETCH(int, count);
    const LabResult<KernelCounterValues> counters = parseKernelCounters(text.toStdString(), "fixture");
    QVERIFY2(counters.ok(), counters.ok() ? "" : counters.error().c_str());
    QCOMPARE(int(counters.value().size()), count);
    QVERIFY(counters.value().contains(name.toStdString()));
    QCOMPARE(counters.value().at(name.toStdString()), value);
}

void TestKernelCounters::malformed_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error"); // the whole message
    QTest::newRow("empty") << QByteArray() << "f: empty; expected lines of counter names and values";
    QTest::newRow("only blank lines")
        << QByteArray("\n \n") << "f: empty; expected lines of counter names and values";
    QTest::newRow("header without values") << QByteArray("Tcp: A\nTcp: 1\nTcpExt: ListenDrops\n")
                                           << "f:3: \"TcpExt:\" names counters but no line of values follows";
    QTest::newRow("values of another prefix") << QByteArray("TcpExt: A B\nIpExt: 1 2\n")
                                              << "f:2: expected the values of \"TcpExt:\", found \"IpExt:\"";
    QTest::newRow("fewer values") << QByteArray("TcpExt: A B C\nTcpExt: 1 2\n")
                                  << "f:2: \"TcpExt:\" names 3 counters but has 2 values";
    QTest::newRow("more values") << QByteArray("Tcp: A\nTcp: 1 2\n")
                                 << "f:2: \"Tcp:\" names 1 counters but has 2 values";
    QTest::newRow("not a number") << QByteArray("Tcp: A B\nTcp: 1 12a\n")
                                  << "f:2: B: \"12a\" is not a decimal integer";
    QTest::newRow("a plus sign") << QByteArray("Tcp: A\nTcp: +5\n")
                                 << "f:2: A: \"+5\" is not a decimal integer";
    QTest::newRow("hexadecimal") << QByteArray("Tcp: A\nTcp: 0x10\n")
                                 << "f:2: A: \"0x10\" is not a decimal integer";
    QTest::newRow("overflow") << QByteArray("TcpExt: ListenDrops\nTcpExt: 18446744073709551615\n")
                              << "f:2: ListenDrops: the value 18446744073709551615 does not fit in 64 bits";
    QTest::newRow("below int64") << QByteArray("Tcp: A\nTcp: -9223372036854775809\n")
                                 << "f:2: A: the value -9223372036854775809 does not fit in 64 bits";
    QTest::newRow("no colon") << QByteArray("TcpExt ListenDrops\nTcpExt 1\n")
                              << "f:1: expected \"Prefix: Name …\", found \"TcpExt ListenDrops\"";
    QTest::newRow("value line without colon")
        << QByteArray("Tcp: A\n1\n") << "f:2: expected \"Tcp: values …\", found \"1\"";
    QTest::newRow("colon first") << QByteArray(": A\n: 1\n")
                                 << "f:1: expected \"Prefix: Name …\", found \": A\"";
    QTest::newRow("a counter twice") << QByteArray("Tcp: A\nTcp: 1\nTcp: A\nTcp: 2\n")
                                     << "f:4: the counter TcpA appears twice";
    QTest::newRow("binary") << QByteArray("Tcp: A\nTcp: \x01\x02\n", 14)
                            << "f:2: A: \"\x01\x02\" is not a decimal integer";
    QTest::newRow("NUL in a value") << QByteArray("Tcp: A\nTcp: 1\0002\n", 15)
                                    << QString::fromLatin1("f:2: A: \"1\0002\" is not a decimal integer", 38);
}

void TestKernelCounters::malformed() {
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    const LabResult<KernelCounterValues> counters = parseKernelCounters(text.toStdString(), "f");
    QVERIFY(!counters.ok());
    QCOMPARE(QString::fromStdString(counters.error()), error);
}

// The running kernel's files (of the namespace this test runs in): both read, M16 holds.
void TestKernelCounters::thisKernel() {
    const LabResult<KernelCounterValues> counters = readKernelCounters();
    QVERIFY2(counters.ok(), counters.ok() ? "" : counters.error().c_str());
    const KernelCounterValues& c = counters.value();
    QVERIFY(c.contains("TcpExtListenOverflows"));
    QVERIFY(c.contains("TcpActiveOpens"));
    QVERIFY(c.at("TcpExtListenOverflows") <= c.at("TcpExtListenDrops"));
}

QTEST_APPLESS_MAIN(TestKernelCounters)
#include "tst_kernelcounters.moc"
