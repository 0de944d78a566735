// resources/lesson.schema.json, the JSON Schema editors use to complete and check lesson files, agrees
// with the lesson reader: the same keys at every level, the same views, sysctls, kernel versions, limits
// and setting keys, and its patterns for conditions and stage targets accept what the readers accept.
// (Validating the lessons themselves against the schema needs a JSON Schema validator; this test keeps
// the schema from drifting away from the code.)
#include "model/core/Counters.h"
#include "model/lesson/Condition.h"
#include "model/lesson/Lesson.h"
#include "model/lesson/LessonReader.h"
#include "model/scenario/Scenario.h"
#include "model/scenario/Settings.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringList>
#include <QTest>

#include <string>
#include <vector>

using namespace backlog;

namespace {

QStringList sorted(QStringList list) {
    list.sort();
    return list;
}

QStringList toStrings(const std::vector<std::string>& keys) {
    QStringList out;
    for (const std::string& key : keys)
        out << QString::fromStdString(key);
    return out;
}

QStringList toStrings(const QJsonArray& array) {
    QStringList out;
    for (const QJsonValue& v : array)
        out << v.toString();
    return out;
}

// Anchored, so that a test of one key or text is a test of all of it (the schema's patterns carry their
// own ^ and $ where they mean them).
bool matches(const QString& pattern, const std::string& text) {
    const QRegularExpression re(pattern);
    return re.isValid() && re.match(QString::fromStdString(text)).hasMatch();
}

} // namespace

class TestSchema : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase();
    void topLevelKeys();
    void stepKeys();
    void questionKeys();
    void expectationKeys();
    void views();
    void kernelSysctls();
    void kernelVersions();
    void limits();
    void settingKeysHaveAPattern();
    void eventsCannotSetFixedKeys();
    void conditions_data();
    void conditions();
    void everyCounterIsACondition();
    void targets_data();
    void targets();

  private:
    // The object at a JSON pointer ("#/$defs/step"), following a $ref on the way and at the end.
    QJsonObject at(const QString& pointer) const;
    QJsonObject resolve(QJsonObject o) const;
    QStringList propertiesOf(const QString& pointer) const {
        return sorted(at(pointer)["properties"].toObject().keys());
    }

    QJsonObject schema_;
};

void TestSchema::initTestCase() {
    QFile file(QStringLiteral(BACKLOG_SOURCE_DIR "/resources/lesson.schema.json"));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName() + ": " + file.errorString()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError,
             qPrintable(QStringLiteral("offset %1: %2").arg(error.offset).arg(error.errorString())));
    QVERIFY(doc.isObject());
    schema_ = doc.object();
    QCOMPARE(schema_["$schema"].toString(), QStringLiteral("https://json-schema.org/draft/2020-12/schema"));
}

QJsonObject TestSchema::resolve(QJsonObject o) const {
    for (int hops = 0; o.contains(QStringLiteral("$ref")) && hops < 8; ++hops)
        o = at(o["$ref"].toString());
    return o;
}

QJsonObject TestSchema::at(const QString& pointer) const {
    if (!pointer.startsWith(QStringLiteral("#"))) return {};
    QJsonObject o = schema_;
    const QStringList parts = pointer.mid(1).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (QString part : parts) {
        part.replace(QStringLiteral("~1"), QStringLiteral("/"))
            .replace(QStringLiteral("~0"), QStringLiteral("~"));
        o = resolve(o[part].toObject());
    }
    return resolve(o);
}

void TestSchema::topLevelKeys() {
    QCOMPARE(sorted(schema_["properties"].toObject().keys()), sorted(toStrings(lessonKeys())));
    QCOMPARE(schema_["additionalProperties"].toBool(true), false);
    QCOMPARE(sorted(toStrings(schema_["required"].toArray())),
             sorted({QStringLiteral("format"), QStringLiteral("title"), QStringLiteral("scenario"),
                     QStringLiteral("steps")}));
}

void TestSchema::stepKeys() {
    const QJsonObject step = at(QStringLiteral("#/properties/steps/items"));
    QCOMPARE(sorted(step["properties"].toObject().keys()), sorted(toStrings(backlog::stepKeys())));
    QCOMPARE(step["additionalProperties"].toBool(true), false);
}

void TestSchema::questionKeys() {
    const QJsonObject question = at(QStringLiteral("#/properties/steps/items/properties/question"));
    QCOMPARE(sorted(question["properties"].toObject().keys()), sorted(toStrings(backlog::questionKeys())));
    QCOMPARE(question["additionalProperties"].toBool(true), false);
}

void TestSchema::expectationKeys() {
    const QJsonObject expectation = at(QStringLiteral("#/properties/expect/items"));
    QCOMPARE(sorted(expectation["properties"].toObject().keys()),
             sorted(toStrings(backlog::expectationKeys())));
    QCOMPARE(expectation["additionalProperties"].toBool(true), false);
}

void TestSchema::views() {
    QStringList names;
    for (int i = 0;; ++i) { // every LessonView, in order, up to the first value without a name
        const std::string_view name = lessonViewName(static_cast<LessonView>(i));
        if (name == "?") break;
        names << QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
    }
    QCOMPARE(names.size(), 8);
    // Then each view's pages as VIEW/PAGE (lessonViewPages), in the same order.
    for (int i = 0; i < 8; ++i)
        for (const std::string& page : backlog::lessonViewPages(static_cast<LessonView>(i)))
            names << names[i] + QLatin1Char('/') + QString::fromStdString(page);
    QCOMPARE(toStrings(at(QStringLiteral("#/properties/steps/items/properties/view"))["enum"].toArray()),
             names);
}

void TestSchema::kernelSysctls() {
    QStringList schemaSysctls;
    for (const QString& key : propertiesOf(QStringLiteral("#/properties/scenario/properties/kernel")))
        if (key.startsWith(QStringLiteral("net."))) schemaSysctls << key;
    QStringList readerSysctls;
    for (const std::string& key : settingKeys())
        if (key.starts_with("net.")) readerSysctls << QString::fromStdString(key);
    QVERIFY(!readerSysctls.isEmpty());
    QCOMPARE(sorted(schemaSysctls), sorted(readerSysctls));
    // and the rest of the section: kernel.version and kernel.hz
    QStringList rest;
    for (const std::string& key : settingKeys())
        if (key.starts_with("kernel.")) rest << QString::fromStdString(key).mid(7);
    for (const QString& key : propertiesOf(QStringLiteral("#/properties/scenario/properties/kernel")))
        if (!key.startsWith(QStringLiteral("net."))) QVERIFY2(rest.removeOne(key), qPrintable(key));
    QVERIFY2(rest.isEmpty(), qPrintable(rest.join(QStringLiteral(", "))));
}

void TestSchema::kernelVersions() {
    QStringList profiles;
    for (const KernelProfile& p : kernelProfiles())
        profiles << QString::fromUtf8(p.name);
    const QJsonArray anyOf =
        at(QStringLiteral("#/properties/scenario/properties/kernel/properties/version"))["anyOf"].toArray();
    QVERIFY(!anyOf.isEmpty());
    QCOMPARE(toStrings(anyOf[0].toObject()["enum"].toArray()), profiles);
}

void TestSchema::limits() {
    QCOMPARE(at(QStringLiteral("#/properties/steps"))["maxItems"].toInteger(),
             qint64(LessonLimits::maxSteps));
    QCOMPARE(at(QStringLiteral("#/properties/expect"))["maxItems"].toInteger(),
             qint64(LessonLimits::maxExpectations));
    const QString step = QStringLiteral("#/properties/steps/items/properties/");
    QCOMPARE(at(step + QStringLiteral("say"))["maxLength"].toInteger(), qint64(LessonLimits::maxTextBytes));
    QCOMPARE(at(step + QStringLiteral("notes"))["maxLength"].toInteger(), qint64(LessonLimits::maxTextBytes));
    QCOMPARE(at(step + QStringLiteral("question/properties/ask"))["maxLength"].toInteger(),
             qint64(LessonLimits::maxTextBytes));
    QCOMPARE(at(step + QStringLiteral("question/properties/explain"))["maxLength"].toInteger(),
             qint64(LessonLimits::maxTextBytes));
    QCOMPARE(at(QStringLiteral("#/properties/summary"))["maxLength"].toInteger(),
             qint64(LessonLimits::maxTextBytes));
    QCOMPARE(at(step + QStringLiteral("question/properties/choices"))["maxItems"].toInteger(),
             qint64(LessonLimits::maxChoices));
    QCOMPARE(at(step + QStringLiteral("highlight"))["anyOf"][1]["maxItems"].toInteger(),
             qint64(LessonLimits::maxTargets));
    for (const QString& speed : {QStringLiteral("#/properties/speed"), step + QStringLiteral("speed")}) {
        const QJsonObject factor = at(speed)["anyOf"][1].toObject();
        QCOMPARE(factor["minimum"].toDouble(), LessonLimits::minSpeed);
        QCOMPARE(factor["maximum"].toDouble(), LessonLimits::maxSpeed);
    }
    QCOMPARE(at(QStringLiteral("#/$defs/scenario/properties/traffic"))["maxItems"].toInteger(),
             qint64(Limits::maxTrafficEntries));
}

// Every key the reader takes in a step's set: (and in --set) is accepted by exactly one of the schema's
// patterns: each sysctl also with its kernel. prefix, each traffic field for an entry of any name.
void TestSchema::settingKeysHaveAPattern() {
    const QJsonObject patterns =
        at(QStringLiteral("#/properties/steps/items/properties/set"))["patternProperties"].toObject();
    QVERIFY(!patterns.isEmpty());
    std::vector<std::string> keys;
    for (std::string key : settingKeys()) {
        if (key.starts_with("traffic.NAME.")) key.replace(0, 13, "traffic.late_2-b.");
        QVERIFY2(canonicalSettingKey(key), key.c_str());
        keys.push_back(key);
        if (key.starts_with("net.")) keys.push_back("kernel." + key);
    }
    for (const std::string& key : keys) {
        int count = 0;
        for (const QString& pattern : patterns.keys())
            count += matches(pattern, key) ? 1 : 0;
        QVERIFY2(count == 1,
                 qPrintable(QString::fromStdString(key) + QStringLiteral(": %1 patterns").arg(count)));
    }
    // and nothing the reader refuses
    for (const std::string key : {"server.backlogg", "kernel.somaxconn", "traffic.x.y", "traffic..clients",
                                  "backlog", "kernel.kernel.hz", "net.ipv4.tcp_fin_timeout"}) {
        QVERIFY2(!canonicalSettingKey(key), key.c_str());
        for (const QString& pattern : patterns.keys())
            QVERIFY2(!matches(pattern, key), key.c_str());
    }
}

void TestSchema::eventsCannotSetFixedKeys() {
    const QJsonArray allOf =
        at(QStringLiteral("#/properties/scenario/properties/events/items/properties/set"))["allOf"].toArray();
    QCOMPARE(allOf.size(), 2);
    QCOMPARE(allOf[0]["$ref"].toString(), QStringLiteral("#/$defs/settings"));
    QCOMPARE(sorted(toStrings(allOf[1]["propertyNames"]["not"]["enum"].toArray())),
             sorted({QStringLiteral("kernel.version"), QStringLiteral("kernel.hz"), QStringLiteral("seed"),
                     QStringLiteral("until")}));
}

void TestSchema::conditions_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    const auto row = [](const char* text, bool valid) {
        QTest::newRow(text) << QString::fromUtf8(text) << valid;
    };
    // README "Conditions", and the spellings the parser allows around them
    for (const char* text : {"TcpExtListenOverflows >= 1",
                             "clients.TcpRetransSegs > 0",
                             "server.TcpExtListenDrops == 0",
                             "accept_queue == 129",
                             "accept_queue[1] != 0",
                             "syn_queue > 0",
                             "backlog == 4",
                             "backlog[2]<=3",
                             "accept_queue_full",
                             "accept_queue_full[1]",
                             "client 3 is ESTABLISHED",
                             "client 5 is SYN-SENT",
                             "client 0 is estab",
                             "client 7 is close_wait",
                             "server socket of client 3 is SYN-RECV",
                             "worker 0 is serving",
                             "worker 2 is blocked-in-accept",
                             "listener 1 is closed",
                             "listener 0 is open",
                             "clients in SYN-SENT >= 100",
                             "clients in ESTAB>0",
                             "clients connected == 200",
                             "clients accepted == 12",
                             "clients timed out > 0",
                             "clients reset == 0",
                             "clients refused == 0",
                             "clients slower than 2s >= 1",
                             "clients slower than 1.5s>=1",
                             "connect latency of client 3 >= 3s",
                             "connect latency of client 3 < 250\xC2\xB5s",
                             "wasted wakeups > 0",
                             "accept_queue==5",
                             "  accept_queue == 5  ",
                             "accept_queue == +5",
                             "TcpExtTCPReqQFullDoCookies>=1"})
        row(text, true);
    for (const char* text : {"",
                             "accept_queue = 5",
                             "accept_queue == -1",
                             "accept_queue == 5 5",
                             "accept_queue",
                             "accept_queue [1] == 1",
                             "accept_queue[x] == 1",
                             "accept_queue_full == 1",
                             "accept_queues == 1",
                             "TcpExtListenOverflow >= 1",
                             "tcpextlistenoverflows >= 1",
                             "client 3 is",
                             "client3 is ESTAB",
                             "client x is ESTAB",
                             "client 3 ESTAB",
                             "worker 0 is sleeping",
                             "listener 1 is shut",
                             "clients waiting > 1",
                             "clients slower than 2 >= 1",
                             "connect latency of client 3 >= 3",
                             "wasted wakeups",
                             "clients connected",
                             "clients timed == 1",
                             "Client 3 is ESTAB",
                             "TcpExtListenOverflows => 1"})
        row(text[0] ? text : "(empty)", false);
}

// The schema's pattern accepts everything the parser accepts, and refuses these common mistakes as the
// parser does. (It cannot check states case by case: a client's state is any word to it.)
void TestSchema::conditions() {
    QFETCH(QString, text);
    QFETCH(bool, valid);
    const std::string condition = text == QStringLiteral("(empty)") ? std::string() : text.toStdString();
    const ParsedCondition parsed = parseCondition(condition);
    QCOMPARE(parsed.condition.has_value(), valid);
    const QString pattern = at(QStringLiteral("#/$defs/condition"))["pattern"].toString();
    QVERIFY(QRegularExpression(pattern).isValid());
    QCOMPARE(matches(pattern, condition), valid);
}

void TestSchema::everyCounterIsACondition() {
    const QString pattern = at(QStringLiteral("#/$defs/condition"))["pattern"].toString();
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const std::string name(counterName(static_cast<Counter>(i)));
        for (const std::string& text :
             {name + " >= 1", "clients." + name + " == 0", "server." + name + ">0"}) {
            QVERIFY2(parseCondition(text).condition, text.c_str());
            QVERIFY2(matches(pattern, text), text.c_str());
        }
    }
}

void TestSchema::targets_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<bool>("valid");
    for (const char* t :
         {"accept-queue", "accept-queue 1", "syn-queue", "syn-queue 0", "listener 0", "client 3", "worker 12",
          "clients", "workers", "SYN", "SYN-ACK", "ACK", "data", "FIN", "RST", "client  3"})
        QTest::newRow(t) << QString::fromUtf8(t) << true;
    for (const char* t : {"queue", "listener", "client", "client x", "clients 2", "workers 1", "SYN 1", "syn",
                          "accept-queue 1 2", "client -1", "Data"})
        QTest::newRow(t) << QString::fromUtf8(t) << false;
}

// A target the schema's pattern accepts is one the lesson reader accepts in highlight: and zoom:.
void TestSchema::targets() {
    QFETCH(QString, target);
    QFETCH(bool, valid);
    const std::string lesson =
        "format: backlog-lesson/1\ntitle: t\n"
        "scenario: { server: { listeners: 2, workers: { count: 13 } }, traffic: [ { clients: 4 } ] }\n"
        "steps:\n  - say: s\n    highlight: \"" +
        target.toStdString() + "\"\n    zoom: \"" + target.toStdString() + "\"\n";
    const LessonReadResult read = readLessonText(lesson, "targets.yaml");
    QString errors;
    for (const ReadError& e : read.errors)
        errors += QString::fromStdString(e.text()) + QLatin1Char('\n');
    QVERIFY2(read.lesson.has_value() == valid, qPrintable(errors));
    QCOMPARE(matches(at(QStringLiteral("#/$defs/target"))["pattern"].toString(), target.toStdString()),
             valid);
}

QTEST_APPLESS_MAIN(TestSchema)
#include "tst_schema.moc"
