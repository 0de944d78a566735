// Durations as files and reports spell them (formatDuration: exact, shortest) and as a person reads
// them (readableDuration: three significant digits, "325 ms"; issue 16's lecturer read "324989.9us").
#include "model/core/Time.h"

#include <QTest>

using backlog::Time;

class TestTime : public QObject {
    Q_OBJECT
  private slots:
    void readable_data();
    void readable();
    void exactStaysExact();
};

void TestTime::readable_data() {
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << qint64{0} << "0 s";
    QTest::newRow("the lecturer's") << qint64{324'989'900} << "325 ms";
    QTest::newRow("a round trip") << qint64{1'000'000} << "1 ms";
    QTest::newRow("three digits") << qint64{1'515'000'000} << "1.52 s"; // half up
    QTest::newRow("one decimal") << qint64{15'240'000} << "15.2 ms";
    QTest::newRow("two decimals") << qint64{1'050'000} << "1.05 ms";
    QTest::newRow("trailing zero") << qint64{1'500'000} << "1.5 ms";
    QTest::newRow("micro") << qint64{40'000} << "40 \u00b5s";
    QTest::newRow("nano") << qint64{120} << "120 ns";
    QTest::newRow("rounds up a unit") << qint64{999'600'000} << "1 s";
    QTest::newRow("rounds up from us") << qint64{999'999} << "1 ms";
    QTest::newRow("minutes stay seconds") << qint64{125'000'000'000} << "125 s";
    QTest::newRow("negative") << qint64{-2'500'000} << "-2.5 ms";
    QTest::newRow("the measured until") << qint64{3'036'241'005} << "3.04 s";
}

void TestTime::readable() {
    QFETCH(qint64, ns);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(backlog::readableDuration(Time::ns(ns))), text);
}

// formatDuration keeps its exact spelling: files and --set values read it back.
void TestTime::exactStaysExact() {
    QCOMPARE(backlog::formatDuration(Time::ns(324'989'900)), std::string("324989.9us"));
    QCOMPARE(backlog::formatDuration(Time::ms(1)), std::string("1ms"));
}

QTEST_APPLESS_MAIN(TestTime)
#include "tst_time.moc"
