// model/scenario/SourceTree.h: the yaml-free view of a parsed file that the lesson reader walks. What
// each kind of node answers, where each was written, what a lookup finds, what a message calls it, that a
// node outlives the ParsedSource it came from, and which texts are refused and where.
#ifndef Q_MOC_RUN
#include "model/scenario/SourceTree.h"
#endif

#include <QTest>

#include <string>
#include <vector>

using namespace backlog;

Q_DECLARE_METATYPE(SourceNode::Kind)

namespace {

SourceNode parsed(const std::string& text) {
    ParsedSource p = parseSource(text, "a lesson file");
    if (p.problem) qWarning("unexpected problem: %s", p.problem->message.c_str());
    return p.root;
}

// "line:column" counted from 0, as SourceMark counts.
QString at(const SourceNode& n) {
    return QStringLiteral("%1:%2").arg(n.mark().line).arg(n.mark().column);
}

} // namespace

class TestSourceTree : public QObject {
    Q_OBJECT
  private slots:
    void kinds_data();
    void kinds();
    void marksAreWhereTheNodeWasWritten();
    void lookupFindsTheFirstEntryAndNothingElse();
    void entriesKeepFileOrderAndDuplicates();
    void itemsOfAList();
    void describeNamesWhatWasFound_data();
    void describeNamesWhatWasFound();
    void aNodeOutlivesItsDocument();
    void refusedTexts_data();
    void refusedTexts();
};

void TestSourceTree::kinds_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<SourceNode::Kind>("kind");
    QTest::addColumn<QString>("scalar");
    QTest::addColumn<int>("size");
    QTest::newRow("empty file") << "" << SourceNode::Kind::Null << "" << 0;
    QTest::newRow("tilde") << "~" << SourceNode::Kind::Null << "" << 0;
    QTest::newRow("plain scalar") << "12ms" << SourceNode::Kind::Scalar << "12ms" << 0;
    QTest::newRow("quoted scalar, escapes resolved")
        << "\"a\\tb\"" << SourceNode::Kind::Scalar << "a\tb" << 0;
    QTest::newRow("block scalar, unindented") << "|\n  one\n  two\n"
                                              << SourceNode::Kind::Scalar << "one\ntwo\n"
                                              << 0;
    QTest::newRow("list") << "- 1\n- 2\n- 3\n" << SourceNode::Kind::List << "" << 3;
    QTest::newRow("flow list") << "[1, 2]" << SourceNode::Kind::List << "" << 2;
    QTest::newRow("map") << "a: 1\nb: 2\n" << SourceNode::Kind::Map << "" << 2;
    QTest::newRow("flow map") << "{ a: 1 }" << SourceNode::Kind::Map << "" << 1;
}

void TestSourceTree::kinds() {
    QFETCH(QString, text);
    QFETCH(SourceNode::Kind, kind);
    QFETCH(QString, scalar);
    QFETCH(int, size);
    const SourceNode n = parsed(text.toStdString());
    QCOMPARE(n.kind(), kind);
    QCOMPARE(QString::fromStdString(n.scalar()), scalar);
    QCOMPARE(n.size(), std::size_t(size));
    QCOMPARE(n.isMap(), kind == SourceNode::Kind::Map);
    QCOMPARE(n.isList(), kind == SourceNode::Kind::List);
    QCOMPARE(n.isScalar(), kind == SourceNode::Kind::Scalar);
    QCOMPARE(n.isNull(), kind == SourceNode::Kind::Null);
    QVERIFY(!n.isMissing());
}

void TestSourceTree::marksAreWhereTheNodeWasWritten() {
    const std::string text = "title: Two queues\nsteps:\n  - at: 0s\n    say: hello\n";
    const SourceNode root = parsed(text);
    QCOMPARE(at(root["title"]), QStringLiteral("0:7"));
    const SourceNode step = root["steps"].items().at(0);
    QCOMPARE(at(step), QStringLiteral("2:4"));
    QCOMPARE(at(step["say"]), QStringLiteral("3:9"));
    // The offset is into the text parsed: it finds the value itself.
    const SourceMark m = step["say"].mark();
    QCOMPARE(text.substr(static_cast<std::size_t>(m.offset), 5), std::string("hello"));
    // A node nobody wrote is nowhere.
    const SourceMark none = root["nothing"].mark();
    QCOMPARE(none.line, -1);
    QCOMPARE(none.column, -1);
    QCOMPARE(none.offset, -1);
}

void TestSourceTree::lookupFindsTheFirstEntryAndNothingElse() {
    const SourceNode root = parsed("a: 1\nb: [x]\na: 2\n");
    QCOMPARE(root["a"].scalar(), std::string("1")); // the first of duplicate keys
    QVERIFY(root["b"].isList());
    QVERIFY(root["c"].isMissing());
    // A lookup in anything but a map finds nothing, and does not throw.
    QVERIFY(root["a"]["x"].isMissing());
    QVERIFY(root["b"]["x"].isMissing());
    QVERIFY(root["c"]["x"]["y"].isMissing());
    QVERIFY(SourceNode()["x"].isMissing());
    QVERIFY(SourceNode().entries().empty());
    QVERIFY(SourceNode().items().empty());
    QCOMPARE(SourceNode().size(), std::size_t(0));
    QVERIFY(SourceNode().scalar().empty());
}

void TestSourceTree::entriesKeepFileOrderAndDuplicates() {
    const SourceNode root = parsed("z: 1\na: 2\nz: 3\n{ k: v }: 4\n");
    const std::vector<SourceEntry> e = root.entries();
    QCOMPARE(e.size(), std::size_t(4));
    QCOMPARE(e[0].key.scalar(), std::string("z"));
    QCOMPARE(e[1].key.scalar(), std::string("a"));
    QCOMPARE(e[2].key.scalar(), std::string("z"));
    QCOMPARE(e[2].value.scalar(), std::string("3"));
    QVERIFY(e[3].key.isMap()); // a key that is not a name: the readers' to refuse, with its place
    QCOMPARE(at(e[3].key), QStringLiteral("3:0"));
    QVERIFY(root["z"].entries().empty());
}

void TestSourceTree::itemsOfAList() {
    const SourceNode root = parsed("- a\n- [b, c]\n- { d: e }\n-\n");
    const std::vector<SourceNode> items = root.items();
    QCOMPARE(items.size(), std::size_t(4));
    QCOMPARE(items[0].scalar(), std::string("a"));
    QCOMPARE(items[1].size(), std::size_t(2));
    QCOMPARE(items[2]["d"].scalar(), std::string("e"));
    QVERIFY(items[3].isNull());
    QVERIFY(items[0].items().empty());
}

void TestSourceTree::describeNamesWhatWasFound_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("description");
    QTest::newRow("map") << "a: 1"
                         << "a map";
    QTest::newRow("list") << "[1]"
                          << "a list";
    QTest::newRow("scalar") << "twelve"
                            << "\"twelve\"";
    QTest::newRow("empty") << "~"
                           << "nothing";
}

void TestSourceTree::describeNamesWhatWasFound() {
    QFETCH(QString, text);
    QFETCH(QString, description);
    QCOMPARE(QString::fromStdString(parsed(text.toStdString()).describe()), description);
    QCOMPARE(QString::fromStdString(SourceNode().describe()), QStringLiteral("nothing"));
}

void TestSourceTree::aNodeOutlivesItsDocument() {
    SourceNode kept;
    {
        const ParsedSource p = parseSource("steps:\n  - say: still here\n", "a lesson file");
        kept = p.root["steps"].items().at(0)["say"];
    }
    QCOMPARE(kept.scalar(), std::string("still here"));
    QCOMPARE(at(kept), QStringLiteral("1:9"));
}

void TestSourceTree::refusedTexts_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    // Lines and columns from 1, as a ReadError gives them.
    QTest::newRow("syntax") << "a: [1, 2\nb: 3\n" << 2 << 2 << "YAML syntax";
    QTest::newRow("stray comma") << ",\n" << 1 << 1 << "unexpected ','"; // yaml-cpp 0.7 would never return
    QTest::newRow("second document") << "a: 1\n---\nb: 2\n" << 3 << 1 << "a lesson file";
}

void TestSourceTree::refusedTexts() {
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const ParsedSource p = parseSource(text.toStdString(), "a lesson file");
    QVERIFY(p.problem.has_value());
    QVERIFY(p.root.isMissing());
    QCOMPARE(p.problem->line, line);
    QCOMPARE(p.problem->column, column);
    QVERIFY2(QString::fromStdString(p.problem->message).contains(message), p.problem->message.c_str());
    // An empty second document is no second document.
    QVERIFY(!parseSource("a: 1\n---\n", "a lesson file").problem);
}

QTEST_APPLESS_MAIN(TestSourceTree)
#include "tst_sourcetree.moc"
