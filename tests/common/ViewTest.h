// What the view tests share: a shipped lesson, simulated to its end, and the golden-image comparison.
#pragma once

#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"

#include <QDir>
#include <QImage>
#include <QString>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace backlog::test {

// The flood the stage is measured and golden-tested with (tst_stage, bench_view_stage): thousands of
// packets in flight at once.
inline constexpr const char* kStageFlood = R"(
title: "A 100,000 SYN/s flood"
network:
  rtt: 40ms
server:
  backlog: 128
  workers:
    count: 8
    accept: blocking
    service: 50ms
traffic:
  - { name: attack, flood: { rate: 100000/s, from: 0s, to: 5s } }
  - { name: c, clients: 200, spacing: 20ms }
seed: 1
)";

inline std::unique_ptr<Simulation> runLesson(const char* file, const std::vector<std::string>& sets = {}) {
    const ReadResult read = readScenarioFile(std::string(BACKLOG_SOURCE_DIR) + "/lessons/" + file, sets);
    if (!read.scenario) return nullptr;
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

// The largest difference of a channel between two colours.
inline int colourDistance(QRgb a, QRgb b) {
    return std::max(
        {std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
}

// Compares a picture with tests/views/golden/NAME.png; with BACKLOG_UPDATE_GOLDEN=1 writes it there instead.
// Small differences (a FreeType or rasteriser release) pass: at most 0.5% of the pixels may differ by
// more than 16 levels in a channel. Returns why it does not match (the actual picture and a map of the
// differing pixels are then saved in the temp folder), or an empty string.
inline QString checkGolden(const QString& name, QImage actual) {
    const QString dir = QStringLiteral(BACKLOG_SOURCE_DIR "/tests/views/golden");
    const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
    actual = actual.convertToFormat(QImage::Format_RGB32);
    if (qEnvironmentVariableIntValue("BACKLOG_UPDATE_GOLDEN") == 1) {
        QDir().mkpath(dir);
        return actual.save(path) ? QString() : QStringLiteral("cannot write ") + path;
    }
    QImage golden(path);
    if (golden.isNull()) return path + QStringLiteral(" is missing: run with BACKLOG_UPDATE_GOLDEN=1");
    golden = golden.convertToFormat(QImage::Format_RGB32);
    if (golden.size() != actual.size())
        return QStringLiteral("%1 is %2×%3, the picture %4×%5")
            .arg(path)
            .arg(golden.width())
            .arg(golden.height())
            .arg(actual.width())
            .arg(actual.height());
    qint64 off = 0;
    QImage diff(actual.size(), QImage::Format_RGB32);
    diff.fill(Qt::white);
    for (int y = 0; y < actual.height(); ++y)
        for (int x = 0; x < actual.width(); ++x)
            if (colourDistance(actual.pixel(x, y), golden.pixel(x, y)) > 16) {
                ++off;
                diff.setPixel(x, y, qRgb(255, 0, 0));
            }
    const qint64 allowed = static_cast<qint64>(actual.width()) * actual.height() / 200;
    if (off <= allowed) return {};
    const QString out = QDir::temp().filePath(QStringLiteral("golden-") + name);
    actual.save(out + QStringLiteral("-actual.png"));
    diff.save(out + QStringLiteral("-diff.png"));
    return QStringLiteral("%1 pixels differ (%2 allowed); see %3-actual.png and -diff.png")
        .arg(off)
        .arg(allowed)
        .arg(out);
}

} // namespace backlog::test
