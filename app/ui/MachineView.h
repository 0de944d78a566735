// The "This machine" dock (issue 14, "Observe this machine"): what the kernel Backlog runs on says about
// its listen queues, read live. Listeners as `ss -lnt` shows them (pick one to follow its accept queue
// against its backlog over time), the listen-related counters as totals and rates per second with the
// rates of the last five minutes plotted, and the sysctls that decide what a full queue does. Read-only:
// it never writes a sysctl or touches a socket. It reads only while shown (at once, then every
// second), so a closed dock costs nothing; a read that fails shows the lab's message in place of its
// data. Where the lab is not built (it needs Linux) the dock says so and reads nothing.
#pragma once

#include <QWidget>

#include <chrono>
#include <functional>
#include <memory>

namespace backlog::views {
struct Theme;
}

namespace backlog::app {

class MachineSampler;
struct MachineReading; // MachineSampler.h

class MachineView : public QWidget {
    Q_OBJECT
  public:
    explicit MachineView(QWidget* parent = nullptr);
    ~MachineView() override;

    void setTheme(const views::Theme& theme);
    // Time between two reads while shown (1 s unless a test asks for less).
    void setInterval(std::chrono::milliseconds interval);
    bool isSampling() const;
    // Whether this build can read the machine (the lab is Linux only).
    static bool labAvailable();
    // What was read, for tests; nullptr where the lab is not built.
    const MachineSampler* sampler() const;
#ifdef BACKLOG_HAS_LAB
    // Reads with `reader` instead of the machine (tests: fixed values, failed reads); from the next sample.
    void setReader(std::function<MachineReading()> reader);
#endif

  protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

  private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace backlog::app
