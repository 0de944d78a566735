#include "app/ui/ExportDialog.h"

#include "app/ui/AppSettings.h"
#include "model/lesson/Lesson.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"
#include "views/widgets/ChartsView.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <memory>

namespace backlog::app {

namespace {

// The preview's box: a 16:9 thumbnail, big enough to judge a layout, small enough to paint at once.
constexpr QSize kPreviewBox(400, 225);

struct SizePreset {
    QSize size;
    const char* label;
};
constexpr SizePreset kSizePresets[] = {
    {QSize(1280, 720), QT_TRANSLATE_NOOP("ExportDialog", "1280 × 720 (720p)")},
    {QSize(1920, 1080), QT_TRANSLATE_NOOP("ExportDialog", "1920 × 1080 (1080p)")},
    {QSize(3840, 2160), QT_TRANSLATE_NOOP("ExportDialog", "3840 × 2160 (4K)")},
};

// A lesson as a web page: ffmpeg makes its film too, but it is the whole lesson, like a handout.
bool isPage(const QString& format) {
    return format == QLatin1String("html");
}
bool isVideo(const QString& format) {
    return needsFfmpeg(format) && !isPage(format);
}
bool isHandout(const QString& format) {
    return format == QLatin1String("handout");
}

// The file name's extension for a format (a handout is a PDF).
QString suffixFor(const QString& format) {
    return isHandout(format) ? QStringLiteral("pdf") : format;
}

// Which "what" a format can be written for: a video shows a span of the run, a handout is one page per
// lesson step; single pictures and PDFs go with anything.
bool fits(const QString& format, ExportDialog::What what) {
    if (isVideo(format)) return what == ExportDialog::What::Range;
    if (isHandout(format) || isPage(format)) return what == ExportDialog::What::Steps;
    return true;
}

QString seconds(Time t) {
    return QString::fromStdString(formatSecondsTrimmed(t));
}

// A light and dark checkerboard under a transparent preview, as image editors show "no background".
QPixmap overCheckerboard(const QImage& image) {
    QPixmap out(image.size());
    out.setDevicePixelRatio(image.devicePixelRatio());
    QPainter p(&out);
    const int cell = 8;
    for (int y = 0; y < image.height(); y += cell)
        for (int x = 0; x < image.width(); x += cell)
            p.fillRect(QRect(x, y, cell, cell),
                       ((x / cell + y / cell) % 2) ? QColor(0xcc, 0xcc, 0xcc) : Qt::white);
    p.drawImage(0, 0, image);
    return out;
}

void enableItem(QComboBox* combo, int index, bool enabled, const QString& whyNot) {
    auto* model = qobject_cast<QStandardItemModel*>(combo->model());
    if (!model) return;
    QStandardItem* item = model->item(index);
    item->setEnabled(enabled);
    item->setToolTip(enabled ? QString() : whyNot);
}

// A row that is a layout gets no buddy from the form: its label is given one, so Alt+letter works.
QLabel* labelFor(QWidget* parent, const QString& text, QWidget* buddy) {
    auto* label = new QLabel(text, parent);
    label->setBuddy(buddy);
    return label;
}

bool itemEnabled(const QComboBox* combo, int index) {
    const auto* model = qobject_cast<const QStandardItemModel*>(combo->model());
    return !model || (model->item(index) && model->item(index)->isEnabled());
}

} // namespace

ExportDialog::ExportDialog(views::SimulationDocument* document, QWidget* window,
                           std::function<void(Time)> seekWindow, QWidget* parent)
    : QDialog(parent), doc_(document), window_(window), seekWindow_(std::move(seekWindow)) {
    setObjectName(QStringLiteral("ExportDialog"));
    setWindowTitle(tr("Export"));
    previewTimer_ = new QTimer(this);
    previewTimer_->setSingleShot(true);
    previewTimer_->setInterval(150); // typing a size or spinning a value repaints once, when it settles
    connect(previewTimer_, &QTimer::timeout, this, &ExportDialog::paintPreview);
    buildForm();
    restoreSettings();
    documentChanged();
    if (doc_) {
        // A lesson saved in an editor is read again by the window: the range and the steps follow it.
        connect(doc_, &views::SimulationDocument::loaded, this, &ExportDialog::documentChanged);
        connect(doc_, &views::SimulationDocument::historyChanged, this, &ExportDialog::documentChanged);
        // The window answers while the dialog is open: "this moment" follows its playhead.
        connect(doc_, &views::SimulationDocument::playheadChanged, this, &ExportDialog::playheadChanged);
    }
}

// The jobs first, while the dialog they report to is whole: each cancels and waits for its thread.
ExportDialog::~ExportDialog() {
    delete exportJob_.data();
    delete previewJob_.data();
}

void ExportDialog::buildForm() {
    form_ = new QWidget(this);
    auto* formLayout = new QFormLayout(form_);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    buildWhat(formLayout);
    buildFormatAndView(formLayout);
    buildLook(formLayout);
    buildOutput(formLayout);
    buildBelowTheForm();
    connectForm();
}

void ExportDialog::buildWhat(QFormLayout* formLayout) {
    // What: the moment at the playhead, a span of the run, or the lesson's steps.
    auto* what = new QWidget(form_);
    auto* whatLayout = new QGridLayout(what);
    whatLayout->setContentsMargins(0, 0, 0, 0);
    whatGroup_ = new QButtonGroup(this);
    moment_ = new QRadioButton(what);
    moment_->setObjectName(QStringLiteral("whatMoment"));
    range_ = new QRadioButton(tr("A &range"), what);
    range_->setObjectName(QStringLiteral("whatRange"));
    steps_ = new QRadioButton(what);
    steps_->setObjectName(QStringLiteral("whatSteps"));
    whatGroup_->addButton(moment_, int(What::Moment));
    whatGroup_->addButton(range_, int(What::Range));
    whatGroup_->addButton(steps_, int(What::Steps));
    from_ = new QDoubleSpinBox(what);
    from_->setObjectName(QStringLiteral("from"));
    to_ = new QDoubleSpinBox(what);
    to_->setObjectName(QStringLiteral("to"));
    for (QDoubleSpinBox* box : {from_, to_}) {
        box->setDecimals(6); // microseconds: a handshake on a LAN is over in a few of them
        box->setSuffix(tr(" s"));
        box->setSingleStep(0.1);
        box->setAccelerated(true);
    }
    from_->setAccessibleName(tr("From"));
    to_->setAccessibleName(tr("To"));
    fps_ = new QSpinBox(what);
    fps_->setObjectName(QStringLiteral("fps"));
    fps_->setRange(1, ExportLimits::maxFps);
    fps_->setSuffix(tr(" fps"));
    fps_->setAccessibleName(tr("Frames per second of film"));
    fps_->setToolTip(tr("Frames per second of film (at ×1, per second of the run)"));
    // How the film's time runs through the run: the window's paced clock, or one speed (slow motion
    // for a handshake that is over in microseconds).
    clock_ = new QComboBox(what);
    clock_->setObjectName(QStringLiteral("clock"));
    clock_->setAccessibleName(tr("Speed of the film"));
    clock_->addItem(tr("paced, as a lesson plays"), QStringLiteral("paced"));
    for (const char* speed : {"1", "1/10", "1/100", "1/1000", "1/10000", "10"})
        clock_->addItem(QStringLiteral("×") + QString::fromLatin1(speed), QString::fromLatin1(speed));
    clock_->setToolTip(
        tr("Paced: every packet's flight takes at least 0.8 s of film and a quiet gap at most 0.6 s, "
           "as in the window. ×1/1000: a millisecond of the run is a second of film."));
    frameCount_ = new QLabel(what);
    frameCount_->setObjectName(QStringLiteral("frameCount"));
    // Room for the longest count, so the dialog does not widen when the range is chosen.
    frameCount_->setMinimumWidth(frameCount_->fontMetrics().horizontalAdvance(
        tr("(more than %1 frames)").arg(ExportLimits::maxFrames)));
    auto* rangeRow = new QHBoxLayout;
    rangeRow->addWidget(new QLabel(tr("from"), what));
    rangeRow->addWidget(from_);
    rangeRow->addWidget(new QLabel(tr("to"), what));
    rangeRow->addWidget(to_);
    rangeRow->addWidget(new QLabel(tr("at"), what));
    rangeRow->addWidget(fps_);
    rangeRow->addWidget(clock_);
    rangeRow->addWidget(frameCount_);
    rangeRow->addStretch(1);
    whatLayout->addWidget(moment_, 0, 0, 1, 2);
    whatLayout->addWidget(range_, 1, 0);
    whatLayout->addLayout(rangeRow, 1, 1);
    whatLayout->addWidget(steps_, 2, 0, 1, 2);
    whatLayout->setColumnStretch(1, 1);
    formLayout->addRow(tr("What:"), what);
}

void ExportDialog::buildFormatAndView(QFormLayout* formLayout) {
    format_ = new QComboBox(form_);
    format_->setObjectName(QStringLiteral("format"));
    const auto formatLabel = [this](const QString& f) {
        if (f == QLatin1String("png")) return tr("PNG image");
        if (f == QLatin1String("svg")) return tr("SVG drawing");
        if (f == QLatin1String("pdf")) return tr("PDF");
        if (f == QLatin1String("gif")) return tr("GIF animation");
        if (f == QLatin1String("mp4")) return tr("MP4 video");
        if (f == QLatin1String("webm")) return tr("WebM video");
        if (f == QLatin1String("handout")) return tr("PDF handout (one page per step, with its narration)");
        if (isPage(f))
            return tr("Web page (the lesson for any browser, offline: film, narration, questions)");
        return f.toUpper();
    };
    for (const QString& f : exportFormats())
        format_->addItem(formatLabel(f), f);
    formLayout->addRow(tr("&Format:"), format_);

    view_ = new QComboBox(form_);
    view_->setObjectName(QStringLiteral("view"));
    const auto viewLabel = [this](const QString& v) {
        if (v == QLatin1String("stage")) return tr("Stage");
        if (v == QLatin1String("ladder")) return tr("Ladder diagram");
        if (v == QLatin1String("states")) return tr("TCP states (the selected connection)");
        if (v == QLatin1String("charts")) return tr("Charts");
        if (v == QLatin1String("window")) return tr("Window (as on screen)");
        return v;
    };
    for (const QString& v : exportViews())
        view_->addItem(viewLabel(v), v);
    chart_ = new QComboBox(form_);
    chart_->setObjectName(QStringLiteral("chart"));
    // The engine's keys in the charts dock's order, under the names the dock's selector shows.
    const QStringList keys = chartKeys();
    const QList<views::ChartsView::Chart> charts = views::ChartsView::charts();
    for (int i = 0; i < keys.size(); ++i)
        chart_->addItem(keys.size() == charts.size() ? views::ChartsView::chartName(charts[i]) : keys[i],
                        keys[i]);
    auto* viewRow = new QHBoxLayout;
    viewRow->addWidget(view_);
    chartLabel_ = new QLabel(tr("&Chart:"), form_);
    chartLabel_->setBuddy(chart_);
    viewRow->addWidget(chartLabel_);
    viewRow->addWidget(chart_, 1);
    formLayout->addRow(labelFor(form_, tr("&View:"), view_), viewRow);
}

void ExportDialog::buildLook(QFormLayout* formLayout) {
    theme_ = new QComboBox(form_);
    theme_->setObjectName(QStringLiteral("theme"));
    for (const QString& name : views::Theme::names()) {
        QString label = name;
        if (!label.isEmpty()) label[0] = label[0].toUpper();
        theme_->addItem(label, name);
    }
    formLayout->addRow(tr("T&heme:"), theme_);

    width_ = new QSpinBox(form_);
    width_->setObjectName(QStringLiteral("width"));
    height_ = new QSpinBox(form_);
    height_->setObjectName(QStringLiteral("height"));
    for (QSpinBox* box : {width_, height_})
        box->setRange(16, ExportLimits::maxSide);
    width_->setAccessibleName(tr("Width"));
    height_->setAccessibleName(tr("Height"));
    sizePreset_ = new QComboBox(form_);
    sizePreset_->setObjectName(QStringLiteral("sizePreset"));
    for (const SizePreset& p : kSizePresets)
        sizePreset_->addItem(tr(p.label), p.size);
    sizePreset_->addItem(tr("Custom"));
    scale_ = new QComboBox(form_);
    scale_->setObjectName(QStringLiteral("scale"));
    scale_->addItem(tr("1×"), 1.0);
    scale_->addItem(tr("2× (sharp on high-density screens)"), 2.0);
    scale_->setToolTip(tr("Pixels per point: 2× paints the same layout with twice the pixels each way"));
    pixels_ = new QLabel(form_);
    pixels_->setObjectName(QStringLiteral("pixels"));
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(width_);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), form_));
    sizeRow->addWidget(height_);
    sizeRow->addWidget(sizePreset_);
    sizeRow->addStretch(1);
    formLayout->addRow(labelFor(form_, tr("Si&ze:"), width_), sizeRow);
    auto* scaleRow = new QHBoxLayout;
    scaleRow->addWidget(scale_);
    scaleRow->addWidget(pixels_);
    scaleRow->addStretch(1);
    formLayout->addRow(labelFor(form_, tr("Sc&ale:"), scale_), scaleRow);

    transparent_ = new QCheckBox(tr("&Transparent background (for slides with their own)"), form_);
    transparent_->setObjectName(QStringLiteral("transparent"));
    formLayout->addRow(QString(), transparent_);
    emphasis_ = new QCheckBox(tr("The lesson step's &highlights and zoom, as the window shows them"), form_);
    emphasis_->setObjectName(QStringLiteral("emphasis"));
    formLayout->addRow(QString(), emphasis_);
    annotations_ = new QCheckBox(tr("Include &annotations (the strokes drawn on the stage)"), form_);
    annotations_->setObjectName(QStringLiteral("annotations"));
    annotations_->setChecked(true);
    annotations_->setVisible(false); // until there are strokes: setAnnotations()
    formLayout->addRow(QString(), annotations_);
}

void ExportDialog::buildOutput(QFormLayout* formLayout) {
    out_ = new QLineEdit(form_);
    out_->setObjectName(QStringLiteral("out"));
    out_->setClearButtonEnabled(true);
    browse_ = new QPushButton(tr("&Browse…"), form_);
    browse_->setObjectName(QStringLiteral("browse"));
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(out_, 1);
    outRow->addWidget(browse_);
    formLayout->addRow(labelFor(form_, tr("Save t&o:"), out_), outRow);
}

// The preview beside the form, and under both the progress, the result and the buttons.
void ExportDialog::buildBelowTheForm() {
    // The preview beside the form: the first frame, as the engine paints it.
    preview_ = new QLabel(this);
    preview_->setObjectName(QStringLiteral("preview"));
    preview_->setFixedSize(kPreviewBox + QSize(2, 2));
    preview_->setFrameShape(QFrame::StyledPanel);
    preview_->setAlignment(Qt::AlignCenter);
    preview_->setWordWrap(true);
    auto* previewColumn = new QVBoxLayout;
    previewColumn->addWidget(preview_);
    auto* previewCaption = new QLabel(tr("The first frame"), this);
    previewCaption->setAlignment(Qt::AlignCenter);
    previewCaption->setForegroundRole(QPalette::PlaceholderText);
    previewColumn->addWidget(previewCaption);
    previewColumn->addStretch(1);

    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("progress"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(QString()); // no count until there is an export to count
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName(QStringLiteral("cancel"));
    cancel_->setEnabled(false);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(progress_, 1);
    progressRow->addWidget(cancel_);

    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("status"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("error"));
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The alert colour of the window's theme: red that reads on light and dark panels alike.
    QPalette errorPalette = error_->palette();
    errorPalette.setColor(QPalette::WindowText, views::Theme::byName(settings::theme.get()).alert);
    error_->setPalette(errorPalette);
    error_->hide();

    openFolder_ = new QPushButton(tr("Open Fol&der"), this);
    openFolder_->setObjectName(QStringLiteral("openFolder"));
    openFolder_->hide();
    auto* buttons = new QDialogButtonBox(this);
    export_ = buttons->addButton(tr("&Export"), QDialogButtonBox::ActionRole);
    export_->setObjectName(QStringLiteral("export"));
    export_->setDefault(true);
    close_ = buttons->addButton(QDialogButtonBox::Close);
    close_->setObjectName(QStringLiteral("close"));
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addWidget(openFolder_);
    buttonRow->addStretch(1);
    buttonRow->addWidget(buttons);

    auto* top = new QHBoxLayout;
    top->addWidget(form_, 1);
    top->addSpacing(12);
    top->addLayout(previewColumn);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addSpacing(8);
    layout->addLayout(progressRow);
    layout->addWidget(status_);
    layout->addWidget(error_);
    layout->addLayout(buttonRow);
}

void ExportDialog::connectForm() {
    connect(whatGroup_, &QButtonGroup::idToggled, this, [this](int, bool checked) {
        if (checked) whatChanged();
    });
    connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChanged);
    const auto changed = [this] {
        if (updating_) return;
        updateForm();
        updateDefaultPath();
        schedulePreview();
    };
    connect(view_, &QComboBox::currentIndexChanged, this, changed);
    connect(chart_, &QComboBox::currentIndexChanged, this, changed);
    connect(theme_, &QComboBox::currentIndexChanged, this, changed);
    connect(scale_, &QComboBox::currentIndexChanged, this, changed);
    connect(transparent_, &QCheckBox::toggled, this, changed);
    connect(emphasis_, &QCheckBox::toggled, this, changed);
    connect(annotations_, &QCheckBox::toggled, this, changed);
    const auto sizeChanged = [this] {
        if (updating_) return;
        updating_ = true;
        const QSize size(width_->value(), height_->value());
        int preset = sizePreset_->count() - 1; // Custom
        for (int i = 0; i < sizePreset_->count() - 1; ++i)
            if (sizePreset_->itemData(i).toSize() == size) preset = i;
        sizePreset_->setCurrentIndex(preset);
        updating_ = false;
        updateForm();
        schedulePreview();
    };
    connect(width_, &QSpinBox::valueChanged, this, sizeChanged);
    connect(height_, &QSpinBox::valueChanged, this, sizeChanged);
    connect(sizePreset_, &QComboBox::activated, this, [this](int index) {
        const QSize size = sizePreset_->itemData(index).toSize();
        if (!size.isValid()) return; // Custom: the boxes keep what they have
        width_->setValue(size.width());
        height_->setValue(size.height());
    });
    const auto rangeChanged = [this] {
        if (updating_) return;
        updateFrameCount();
        schedulePreview(); // the first frame is at `from`
    };
    connect(from_, &QDoubleSpinBox::valueChanged, this, rangeChanged);
    connect(to_, &QDoubleSpinBox::valueChanged, this, rangeChanged);
    connect(fps_, &QSpinBox::valueChanged, this, rangeChanged);
    connect(clock_, &QComboBox::currentIndexChanged, this, rangeChanged);
    connect(out_, &QLineEdit::textEdited, this, [this] {
        // Cleared, it takes the default name again at the next change of the form (not at once: the
        // user is about to type another).
        pathEdited_ = !out_->text().isEmpty();
        pathConfirmed_ = false;
    });
    connect(browse_, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(export_, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(cancel_, &QPushButton::clicked, this, &ExportDialog::cancelExport);
    connect(close_, &QPushButton::clicked, this, &ExportDialog::reject);
    connect(openFolder_, &QPushButton::clicked, this, [this] {
        const QFileInfo info(lastOut_);
        const QString folder = info.isDir() ? info.absoluteFilePath() : info.absolutePath();
        QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
    });
}

void ExportDialog::restoreSettings() {
    updating_ = true;
    const auto select = [](QComboBox* combo, const QVariant& value) {
        const int i = combo->findData(value);
        if (i >= 0) combo->setCurrentIndex(i);
    };
    select(format_, settings::exportFormat.get());
    select(view_, settings::exportView.get());
    select(chart_, settings::exportChart.get());
    const QString theme = settings::exportTheme.get();
    select(theme_, theme.isEmpty() ? settings::theme.get() : theme);
    const QSize size = settings::exportSize.get();
    width_->setValue(size.isValid() ? size.width() : 1920);
    height_->setValue(size.isValid() ? size.height() : 1080);
    select(scale_, settings::exportScale.get());
    transparent_->setChecked(settings::exportTransparent.get());
    emphasis_->setChecked(settings::exportEmphasis.get());
    fps_->setValue(std::clamp(settings::exportFps.get(), 1, ExportLimits::maxFps));
    // A lesson is seen paced in the window, so its film is paced unless another speed was chosen.
    const QString clock = settings::exportClock.get();
    const views::SimulationDocument* doc = run();
    const bool lesson = doc != nullptr && doc->lesson() != nullptr;
    const int clockIndex = clock_->findData(!clock.isEmpty() ? clock
                                            : lesson         ? QStringLiteral("paced")
                                                             : QStringLiteral("1"));
    clock_->setCurrentIndex(std::max(0, clockIndex));
    const QString what = settings::exportWhat.get();
    (what == QLatin1String("range")   ? range_
     : what == QLatin1String("steps") ? steps_
                                      : moment_)
        ->setChecked(true);
    for (int i = 0; i < sizePreset_->count(); ++i)
        if (sizePreset_->itemData(i).toSize() == QSize(width_->value(), height_->value()) ||
            i == sizePreset_->count() - 1) {
            sizePreset_->setCurrentIndex(i);
            break;
        }
    updating_ = false;
}

void ExportDialog::saveSettings() const {
    settings::exportWhat.set(what() == What::Range   ? QStringLiteral("range")
                             : what() == What::Steps ? QStringLiteral("steps")
                                                     : QStringLiteral("moment"));
    settings::exportFormat.set(format());
    settings::exportView.set(view_->currentData().toString());
    settings::exportChart.set(chart_->currentData().toString());
    settings::exportTheme.set(theme_->currentData().toString());
    settings::exportSize.set(QSize(width_->value(), height_->value()));
    settings::exportScale.set(scale_->currentData().toDouble());
    settings::exportTransparent.set(transparent_->isChecked());
    settings::exportEmphasis.set(emphasis_->isChecked());
    settings::exportFps.set(fps_->value());
    settings::exportClock.set(clock_->currentData().toString());
}

// A run was loaded or cut: what the form offers follows it (the span of the run, whether it has steps).
void ExportDialog::documentChanged() {
    // An export paints its own copy of the run, whatever the window does; the form follows when it ends.
    if (exporting_) {
        documentChangedMeanwhile_ = true;
        return;
    }
    const views::SimulationDocument* doc = run();
    const Lesson* lesson = doc ? doc->lesson() : nullptr;
    const Time end = doc ? doc->end() : Time();
    const Time playhead = doc ? std::min(doc->playhead(), end) : Time();
    updating_ = true;
    moment_->setText(tr("This &moment (at %1 s, the playhead)").arg(seconds(playhead)));
    const double endSeconds = static_cast<double>(end.count()) / 1e9;
    for (QDoubleSpinBox* box : {from_, to_})
        box->setRange(0, endSeconds);
    // From the playhead to the end, or the whole run when the playhead is at either end of it.
    const Time from = playhead > Time() && playhead < end ? playhead : Time();
    from_->setValue(static_cast<double>(from.count()) / 1e9);
    to_->setValue(endSeconds);
    if (lesson) {
        const auto n = static_cast<int>(lesson->steps.size());
        steps_->setText(n == 1 ? tr("One frame per lesson &step (1 step)")
                               : tr("One frame per lesson &step (%1 steps)").arg(n));
        steps_->setToolTip({});
    } else {
        steps_->setText(tr("One frame per lesson &step"));
        steps_->setToolTip(tr("Only a lesson has steps; this is a scenario"));
    }
    steps_->setEnabled(lesson != nullptr);
    if (!lesson && steps_->isChecked()) moment_->setChecked(true);
    updating_ = false;
    whatChanged();
}

bool ExportDialog::canBeTransparent() const {
    const QString view = view_->currentData().toString();
    return format() == QLatin1String("png") &&
           (view == QLatin1String("stage") || view == QLatin1String("ladder") ||
            view == QLatin1String("states"));
}

// The frame in points: the form's size, or the window's own when the window paints itself.
QSize ExportDialog::frameSize() const {
    const QWidget* window = window_.data();
    if (window && view_->currentData().toString() == QLatin1String("window")) return window->size();
    return QSize(width_->value(), height_->value());
}

ExportDialog::What ExportDialog::what() const {
    const int id = whatGroup_->checkedId();
    return id < 0 ? What::Moment : static_cast<What>(id);
}

QString ExportDialog::format() const {
    return format_->currentData().toString();
}

// A format that cannot be written for the new choice gives way to the nearest one that can: a handout
// to a PDF, a video to single PNG frames.
void ExportDialog::whatChanged() {
    if (updating_) return;
    const QString f = format();
    if (!fits(f, what())) {
        updating_ = true;
        format_->setCurrentIndex(
            format_->findData(isHandout(f) || isPage(f) ? QStringLiteral("pdf") : QStringLiteral("png")));
        updating_ = false;
    }
    updateForm();
    updateFrameCount();
    updateDefaultPath();
    schedulePreview();
}

// The other way round: a video is of a range, a handout of the steps; the choice above follows.
void ExportDialog::formatChanged() {
    if (updating_) return;
    const QString f = format();
    if (!fits(f, what())) {
        updating_ = true;
        (isVideo(f) ? range_ : steps_)->setChecked(true);
        updating_ = false;
    }
    if (isPage(f) && view_->currentData().toString() != QLatin1String("stage"))
        view_->setCurrentIndex(view_->findData(QStringLiteral("stage"))); // a page films the stage
    updateForm();
    updateFrameCount();
    updateDefaultPath();
    schedulePreview();
}

void ExportDialog::updateForm() {
    const views::SimulationDocument* doc = run();
    const bool loaded = doc != nullptr;
    const bool lesson = doc && doc->lesson();
    const bool ffmpeg = ffmpegAvailable();
    for (int i = 0; i < format_->count(); ++i) {
        const QString f = format_->itemData(i).toString();
        if (isVideo(f))
            enableItem(format_, i, ffmpeg, tr("needs ffmpeg (Debian package ffmpeg)"));
        else if (isHandout(f))
            enableItem(format_, i, lesson, tr("needs a lesson: a handout has one page per lesson step"));
        else if (isPage(f))
            enableItem(format_, i, lesson && ffmpeg,
                       lesson ? tr("needs ffmpeg (Debian package ffmpeg) for the page's film")
                              : tr("needs a lesson: the page plays its steps"));
    }
    // The remembered format may be one this machine or this run cannot write.
    if (!itemEnabled(format_, format_->currentIndex()))
        format_->setCurrentIndex(format_->findData(QStringLiteral("png")));
    // The window view is painted by the window: a dialog without one (a test's) cannot offer it.
    if (const int windowItem = view_->findData(QStringLiteral("window")); windowItem >= 0) {
        enableItem(view_, windowItem, !window_.isNull(), tr("needs the window, which paints itself"));
        if (!itemEnabled(view_, view_->currentIndex()))
            view_->setCurrentIndex(view_->findData(QStringLiteral("stage")));
    }

    const QString f = format();
    const bool range = what() == What::Range;
    from_->setEnabled(range);
    to_->setEnabled(range);
    fps_->setEnabled(range);
    clock_->setEnabled(range);
    frameCount_->setEnabled(range);
    view_->setEnabled(!isPage(f));
    view_->setToolTip(isPage(f) ? tr("A lesson page films the stage") : QString());
    const bool charts = view_->currentData().toString() == QLatin1String("charts");
    chartLabel_->setVisible(charts);
    chart_->setVisible(charts);
    const bool pixels = f == QLatin1String("png") || isVideo(f) || isPage(f);
    scale_->setEnabled(pixels);
    scale_->setToolTip(pixels
                           ? tr("Pixels per point: 2× paints the same layout with twice the pixels each way")
                           : tr("SVG and PDF are drawn in points and stay sharp at any size"));
    const double scale = scale_->currentData().toDouble();
    const QSize frame = frameSize();
    pixels_->setText(pixels ? tr("= %1 × %2 pixels")
                                  .arg(std::lround(frame.width() * scale))
                                  .arg(std::lround(frame.height() * scale))
                            : tr("(drawn in points)"));
    // The window's own view is painted as it stands: its size and its theme.
    const bool ownWindow = view_->currentData().toString() == QLatin1String("window") && window_;
    for (QWidget* w : std::initializer_list<QWidget*>{width_, height_, sizePreset_, theme_}) {
        w->setEnabled(!ownWindow);
        w->setToolTip(ownWindow ? tr("The window is exported as it is: at its size, in its theme")
                                : QString());
    }
    // Only the stage of a lesson has steps to show (the window shows its own).
    const views::SimulationDocument* shown = run();
    const bool lessonStage = shown != nullptr && shown->lesson() != nullptr &&
                             view_->currentData().toString() == QLatin1String("stage");
    emphasis_->setEnabled(lessonStage);
    emphasis_->setToolTip(lessonStage ? QString() : tr("A lesson's stage only"));
    transparent_->setEnabled(canBeTransparent());
    transparent_->setToolTip(canBeTransparent() ? QString()
                                                : tr("PNG of the stage or the ladder only (the charts and "
                                                     "the window paint their own background)"));
    // GIF frame delays are hundredths of a second: players slow down past 50 frames a second.
    fps_->setMaximum(f == QLatin1String("gif") ? 50 : ExportLimits::maxFps);
    export_->setEnabled(loaded && !exporting_);
}

void ExportDialog::setAnnotations(views::AnnotationStore* store) {
    if (store_) disconnect(store_, nullptr, this, nullptr);
    store_ = store;
    const auto follow = [this] {
        const views::AnnotationStore* s = store_.data();
        const bool any = s && !s->isEmpty();
        const bool shown = !annotations_->isHidden();
        annotations_->setVisible(any);
        // The preview shows the strokes as they are now (a stroke more, one erased).
        if (any != shown || (any && annotations_->isChecked())) schedulePreview();
    };
    if (store) connect(store, &views::AnnotationStore::changed, this, follow);
    follow();
}

void ExportDialog::updateFrameCount() {
    if (what() != What::Range) {
        frameCount_->clear();
        return;
    }
    const Time from = fromTime();
    const Time to = toTime();
    if (from > to) {
        frameCount_->setText(tr("(from is after to)"));
        return;
    }
    // The engine's own moments, so the label agrees with what is written.
    const views::SimulationDocument* doc = run();
    if (!doc) return;
    const ExportOptions o = options();
    const auto n =
        static_cast<std::int64_t>(rangeMoments(from, to, fps_->value(), o.speed, o.paced,
                                               doc->simulation().history(), ExportLimits::maxFrames + 1)
                                      .size());
    frameCount_->setText(n > ExportLimits::maxFrames
                             ? tr("(more than %1 frames)").arg(ExportLimits::maxFrames)
                         : n == 1 ? tr("(1 frame)")
                                  : tr("(%1 frames)").arg(n));
}

// The boxes hold seconds as doubles; the run's end is an exact count of nanoseconds. The box at its
// maximum means the end itself, so a default range never lands a rounding error past the end.
Time ExportDialog::fromTime() const {
    const views::SimulationDocument* doc = run();
    const Time end = doc ? doc->end() : Time();
    if (from_->value() >= from_->maximum()) return end;
    return std::clamp(Time::ns(std::llround(from_->value() * 1e9)), Time(), end);
}

Time ExportDialog::toTime() const {
    const views::SimulationDocument* doc = run();
    const Time end = doc ? doc->end() : Time();
    if (to_->value() >= to_->maximum()) return end;
    return std::clamp(Time::ns(std::llround(to_->value() * 1e9)), Time(), end);
}

void ExportDialog::setLadderConnections(std::vector<std::int64_t> clients) {
    clients_ = std::move(clients);
    schedulePreview();
}

void ExportDialog::playheadChanged() {
    if (exporting_ || updating_ || !run()) return;
    const views::SimulationDocument* doc = run();
    moment_->setText(
        tr("This &moment (at %1 s, the playhead)").arg(seconds(std::min(doc->playhead(), doc->end()))));
    if (what() == What::Moment) schedulePreview();
}

// The window's run as the export's own copy (ExportRun::copyOf), one for each state of the run: made
// when the run has changed since the last, and shared by the previews and the exports of that state.
std::shared_ptr<const ExportRun> ExportDialog::exportRun() const {
    const views::SimulationDocument* doc = run();
    if (!doc) return nullptr;
    if (!runCopy_ || runCopyRevision_ != doc->revision()) {
        runCopy_ = ExportRun::copyOf(*doc);
        otherCopy_ = ExportRun::copyOfComparison(*doc);
        runCopyRevision_ = doc->revision();
    }
    return runCopy_;
}

// How the window view is painted: by the window itself, on the GUI thread, at the frame's moment, its
// playhead put back before anything else happens (the user may be dragging it). The window must still
// show the run the export started with, at the size it started with: otherwise the export stops.
std::function<QString(QPainter&, Time)> ExportDialog::windowPainter() const {
    const views::SimulationDocument* doc = run();
    QWidget* window = window_.data();
    if (!doc || !window) return {};
    return [window = QPointer<QWidget>(window), document = doc_, seek = seekWindow_,
            revision = doc->revision(), size = window->size()](QPainter& p, Time t) -> QString {
        QWidget* w = window.data();
        views::SimulationDocument* d = document.data();
        if (!w || !d) return tr("the window was closed during the export");
        if (d->revision() != revision)
            return tr("the window's run changed during the export (a change or another file); export the "
                      "window again");
        if (w->size() != size)
            return tr("the window was resized during the export; export it again at its new size");
        const Time before = d->playhead();
        if (seek) seek(t);
        // The views follow the playhead at once, but their layouts (a label's new text) are requests
        // posted to the event queue: those alone are delivered first, so the picture is laid out.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        w->render(&p, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
        if (seek) seek(before);
        return {};
    };
}

ExportOptions ExportDialog::options() const {
    ExportOptions o;
    const views::SimulationDocument* doc = run();
    o.run = exportRun();
    o.out = out_->text().trimmed();
    switch (what()) {
    case What::Moment:
        o.at = doc ? std::min(doc->playhead(), doc->end()) : Time();
        break;
    case What::Range:
        o.from = fromTime();
        o.to = toTime();
        o.fps = fps_->value();
        if (clock_->currentData().toString() == QLatin1String("paced"))
            o.paced = true;
        else if (const auto speed = parseSpeed(clock_->currentData().toString()))
            o.speed = *speed;
        break;
    case What::Steps:
        o.steps = !isPage(format()); // a page is the whole lesson by itself
        break;
    }
    o.size = QSize(width_->value(), height_->value());
    o.format = format();
    o.scale = o.format == QLatin1String("png") || isVideo(o.format) || isPage(o.format)
                  ? scale_->currentData().toDouble()
                  : 1.0;
    o.view = isPage(o.format) ? QStringLiteral("stage")
                              : view_->currentData().toString(); // a page films the stage
    o.transparent = canBeTransparent() && transparent_->isChecked();
    o.plain = !emphasis_->isChecked();
    if (const views::AnnotationStore* store = store_.data();
        store && !annotations_->isHidden() && annotations_->isChecked() && o.view == QLatin1String("stage"))
        o.annotations = store->strokes();
    if (o.view == QLatin1String("charts")) o.chart = chart_->currentData().toString();
    o.theme = theme_->currentData().toString();
    if (o.view == QLatin1String("ladder")) o.clients = clients_;
    if (o.view == QLatin1String("states") && !clients_.empty()) o.clients = {clients_.front()};
    // Comparing (Parameters › Compare with…, a lesson's compare:): the stage's frames show both runs, as
    // the window's split stage does.
    if (doc && o.view == QLatin1String("stage") && !isPage(o.format) && otherCopy_) {
        o.otherRun = otherCopy_;
        o.title = doc->title();
        o.otherTitle = doc->comparisonTitle();
    }
    if (o.view == QLatin1String("window") && window_) {
        o.paintWindow = windowPainter();
        o.windowSize = frameSize();
    }
    return o;
}

// Next to the lesson file, named after it and what is exported; a folder of frames gets a name not yet
// taken, so exporting twice does not trip over the first export's frames.
QString ExportDialog::defaultPath() const {
    const views::SimulationDocument* doc = run();
    const QFileInfo lesson(doc ? doc->path() : QString());
    QString dir = lesson.absolutePath();
    if (lesson.fileName().isEmpty() || !QFileInfo(dir).isWritable()) {
        // Shipped lessons may sit in a read-only install folder.
        dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
        if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
    }
    QString stem =
        lesson.completeBaseName().isEmpty() ? QStringLiteral("backlog") : lesson.completeBaseName();
    const QString view = view_->currentData().toString();
    if (view == QLatin1String("charts"))
        stem += QLatin1Char('-') + chart_->currentData().toString();
    else if (view != QLatin1String("stage"))
        stem += QLatin1Char('-') + view;
    const QString f = format();
    if (isHandout(f))
        stem += QStringLiteral("-handout");
    else if (isPage(f))
        ; // the lesson's own name: 01-two-queues.html
    else if (what() == What::Steps)
        stem += QStringLiteral("-steps");
    else if (what() == What::Range && !isVideo(f))
        stem += QStringLiteral("-frames");
    const QDir folder(dir);
    if (!writesFolder(f, what() == What::Moment))
        return QDir::toNativeSeparators(folder.filePath(stem + QLatin1Char('.') + suffixFor(f)));
    QString name = stem;
    for (int n = 2; QFileInfo(folder.filePath(name)).exists() && !QDir(folder.filePath(name)).isEmpty(); ++n)
        name = stem + QLatin1Char('-') + QString::number(n);
    return QDir::toNativeSeparators(folder.filePath(name));
}

void ExportDialog::updateDefaultPath() {
    if (pathEdited_) {
        // A path the user chose keeps its folder and name; only whether it is a file or a folder follows.
        out_->setText(retargeted(out_->text()));
        return;
    }
    out_->setText(defaultPath());
}

// `path` with the extension the current format and choice want: "talk.png" becomes "talk.gif", or
// "talk" for a folder of frames, and "frames" becomes "frames.pdf".
QString ExportDialog::retargeted(const QString& path) const {
    if (path.isEmpty()) return path;
    QString base = path;
    static const QStringList known{QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf"),
                                   QStringLiteral("gif"), QStringLiteral("mp4"), QStringLiteral("webm"),
                                   QStringLiteral("html")};
    const QString suffix = QFileInfo(path).suffix();
    if (known.contains(suffix, Qt::CaseInsensitive)) base.chop(suffix.size() + 1);
    const QString f = format();
    if (writesFolder(f, what() == What::Moment)) return base;
    return base + QLatin1Char('.') + suffixFor(f);
}

void ExportDialog::browse() {
    const QString f = format();
    const QString current = out_->text().trimmed();
    if (writesFolder(f, what() == What::Moment)) {
        const QString start = QFileInfo(current).absolutePath();
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export frames into a folder"), start);
        if (dir.isEmpty()) return;
        // The frames go into a new or empty folder: a chosen folder that holds files gets one inside it.
        QString target = dir;
        if (!QDir(dir).isEmpty()) target = QDir(dir).filePath(QFileInfo(defaultPath()).fileName());
        out_->setText(QDir::toNativeSeparators(target));
        pathConfirmed_ = false;
    } else {
        QString filter;
        if (f == QLatin1String("png"))
            filter = tr("PNG images (*.png)");
        else if (f == QLatin1String("svg"))
            filter = tr("SVG drawings (*.svg)");
        else if (f == QLatin1String("gif"))
            filter = tr("GIF animations (*.gif)");
        else if (f == QLatin1String("mp4"))
            filter = tr("MP4 videos (*.mp4)");
        else if (f == QLatin1String("webm"))
            filter = tr("WebM videos (*.webm)");
        else
            filter = tr("PDF documents (*.pdf)");
        const QString file = QFileDialog::getSaveFileName(this, tr("Export to"), current, filter);
        if (file.isEmpty()) return;
        out_->setText(QDir::toNativeSeparators(retargeted(file)));
        pathConfirmed_ = QFileInfo(file).suffix().compare(suffixFor(f), Qt::CaseInsensitive) == 0;
    }
    pathEdited_ = true;
}

void ExportDialog::schedulePreview() {
    if (exporting_ || updating_) return;
    previewTimer_->start();
}

// The first frame through the engine itself (a one-frame PNG in a temporary folder), so the preview
// cannot drift from what is exported; painted on a thread of its own like an export, so the first one
// (which simulates the run's copy) does not hold up the window.
void ExportDialog::paintPreview() {
    const views::SimulationDocument* doc = run();
    if (exporting_ || !doc) return;
    if (const ExportJob* running = previewJob_.data(); running != nullptr && running->isRunning()) {
        previewAgain_ = true; // the form changed meanwhile: once more when this one is done
        return;
    }
    auto dir = std::make_unique<QTemporaryDir>();
    if (!dir->isValid()) return;
    ExportOptions o = options();
    o.out = dir->filePath(QStringLiteral("preview.png"));
    o.format = QStringLiteral("png");
    o.transparent = canBeTransparent() && transparent_->isChecked();
    const Time first =
        what() == What::Range ? fromTime()
        : what() == What::Steps && !doc->stepTimes().empty() && !doc->stepTimes().front().isNever()
            ? doc->stepTimes().front()
            : o.at.value_or(doc->playhead());
    o.at = std::min(first, doc->end());
    // One frame has no clock: a range's pace or speed (which go with --from and --to only) is left out,
    // or the engine refuses the preview of a paced or slowed film.
    o.from.reset();
    o.to.reset();
    o.fps.reset();
    o.paced = false;
    o.speed = {1, 1};
    o.steps = false;
    o.threads = 1;
    // One pixel per point, shrunk here: the engine's fractional scales (below 1) do not shrink the
    // frame yet, they crop it. A 1920×1080 frame costs a few tens of milliseconds, once the form settles.
    o.scale = 1.0;
    if (ExportJob* over = previewJob_.data(); over != nullptr) over->deleteLater(); // its thread has ended
    previewDir_ = std::move(dir);
    previewAgain_ = false;
    auto* job = new ExportJob(std::move(o), this);
    previewJob_ = job;
    connect(job, &ExportJob::finished, this, &ExportDialog::previewPainted);
    job->start();
}

void ExportDialog::previewPainted(const ExportResult& r) {
    const ExportJob* job = previewJob_.data();
    const QString path = job != nullptr ? job->options().out : QString();
    const bool transparent = job != nullptr && job->options().transparent;
    QImage image;
    if (r.ok() && !path.isEmpty()) image.load(path);
    previewDir_.reset();
    if (previewAgain_ || exporting_) {
        if (!exporting_) schedulePreview();
        return;
    }
    const qreal dpr = devicePixelRatioF();
    const QSizeF box = QSizeF(kPreviewBox) * dpr;
    if (image.isNull()) {
        preview_->setPixmap({});
        preview_->setText(r.ok() || r.cancelled ? tr("No preview")
                                                : tr("No preview: %1").arg(r.errors.value(0)));
        emit previewUpdated();
        return;
    }
    if (image.width() > box.width() || image.height() > box.height())
        image = image.scaled(box.toSize(), Qt::KeepAspectRatio, Qt::SmoothTransformation);
    image.setDevicePixelRatio(dpr);
    preview_->setText({});
    preview_->setPixmap(transparent ? overCheckerboard(image) : QPixmap::fromImage(image));
    emit previewUpdated();
}

QPixmap ExportDialog::preview() const {
    return preview_->pixmap();
}

void ExportDialog::setExporting(bool on) {
    exporting_ = on;
    form_->setEnabled(!on);
    export_->setEnabled(!on && run());
    cancel_->setEnabled(on);
    if (on) {
        previewTimer_->stop();
        progress_->setRange(0, 0); // busy until the engine says how many frames there are
        progress_->setFormat(tr("%v of %m frames"));
        status_->setText(tr("Exporting…"));
        error_->hide();
        openFolder_->hide();
        cancel_->setFocus();
    }
}

void ExportDialog::startExport() {
    if (exporting_ || !run()) return;
    ExportOptions o = options();
    if (o.out.isEmpty()) {
        status_->clear();
        error_->setText(tr("Choose where to save the export."));
        error_->show();
        out_->setFocus();
        return;
    }
    // Never over the file being exported (by any spelling or link): refused before asking to replace it.
    if (const QString refused = outIsTheInput(o.out, o.run != nullptr ? o.run->path() : QString());
        !refused.isEmpty()) {
        ExportResult result;
        result.errors << refused;
        lastResult_ = result;
        showResult(result, o.out);
        out_->setFocus();
        return;
    }
    // A file dialog has asked already; a typed or default name that is taken is asked about here.
    const QFileInfo target(o.out);
    if (!writesFolder(o.format, o.at.has_value()) && target.isFile() && !pathConfirmed_) {
        const auto answer =
            QMessageBox::question(this, tr("Replace %1?").arg(target.fileName()),
                                  tr("%1 already exists. Replace it?").arg(QDir::toNativeSeparators(o.out)),
                                  QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) return;
    }
    saveSettings();
    setExporting(true);
    // On a thread of its own, from the run's copy: the window answers meanwhile (its playhead may move,
    // its run may change), and the export paints the run as it was when it started.
    // The last export's, over (its signal may still be on the stack).
    if (ExportJob* over = exportJob_.data(); over != nullptr) over->deleteLater();
    auto* job = new ExportJob(std::move(o), this);
    exportJob_ = job;
    connect(job, &ExportJob::advanced, this, [this](int done, int total) {
        if (!exporting_) return;
        progress_->setRange(0, std::max(1, total));
        progress_->setValue(std::min(done, std::max(1, total)));
        emit progressed(done, total);
    });
    connect(job, &ExportJob::finished, this, &ExportDialog::exportDone);
    job->start();
}

void ExportDialog::exportDone(const ExportResult& result) {
    const ExportJob* job = exportJob_.data();
    const QString out = job != nullptr ? job->options().out : QString();
    setExporting(false);
    lastResult_ = result;
    showResult(result, out);
    if (documentChangedMeanwhile_) {
        documentChangedMeanwhile_ = false;
        documentChanged();
    } else {
        playheadChanged(); // moved meanwhile: "This moment" is where the playhead is now
    }
    if (closeAfterExport_) {
        closeAfterExport_ = false;
        QDialog::reject();
    }
}

void ExportDialog::cancelExport() {
    if (!exporting_) return;
    if (ExportJob* job = exportJob_.data()) job->cancel();
    cancel_->setEnabled(false);
    status_->setText(tr("Cancelling…"));
}

void ExportDialog::showResult(const ExportResult& result, const QString& out) {
    if (progress_->maximum() == 0) progress_->setRange(0, 1); // the engine never reported: not busy any more
    if (result.cancelled) {
        progress_->setValue(0);
        progress_->setFormat(QString());
        status_->setText(tr("Cancelled; nothing was written."));
        error_->hide();
        openFolder_->hide();
    } else if (!result.ok()) {
        progress_->setValue(0);
        progress_->setFormat(QString());
        status_->clear();
        error_->setText(result.errors.join(QLatin1Char('\n')));
        error_->show();
        openFolder_->hide();
    } else {
        progress_->setRange(0, std::max(1, result.frames));
        progress_->setValue(result.frames);
        lastOut_ = QFileInfo(out).absoluteFilePath();
        const QString frames = result.frames == 1 ? tr("1 frame") : tr("%1 frames").arg(result.frames);
        status_->setText(tr("Exported %1 to %2 in %3 s")
                             .arg(frames, QDir::toNativeSeparators(lastOut_))
                             .arg(result.seconds, 0, 'f', result.seconds < 10 ? 2 : 1));
        error_->hide();
        openFolder_->show();
        // The next export should not silently replace this one: a folder gets a new default name, and
        // a file is asked about.
        pathConfirmed_ = false;
        if (!pathEdited_) updateDefaultPath();
    }
    emit exportFinished(result.ok());
    schedulePreview();
}

// Closing while exporting cancels, and the dialog closes once the export has stopped and said so (the
// status line is not lost to a dialog that has gone).
void ExportDialog::closeEvent(QCloseEvent* event) {
    if (exporting_) {
        closeAfterExport_ = true;
        cancelExport();
        event->ignore();
        return;
    }
    QDialog::closeEvent(event);
}

void ExportDialog::reject() {
    if (exporting_) {
        closeAfterExport_ = true;
        cancelExport();
        return;
    }
    QDialog::reject();
}

} // namespace backlog::app
