// What the lab's real-kernel tests share (tst_labexperiment, tst_labfaults): a scenario read from YAML
// text, and that scenario run both ways — in the model, and on this machine's kernel in the calling
// process's namespace (runExperimentHere) — with the measurement made into the model's shape.
#pragma once

#include "app/lab/Experiment.h"
#include "app/lab/LabPlan.h"
#include "app/lab/MeasuredRun.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"

#include <QtGlobal>

#include <memory>
#include <string>

namespace backlog::labtest {

inline Scenario read(const std::string& yaml) {
    const ReadResult r = readScenarioText(yaml, "test.yaml");
    if (!r.errors.empty()) qFatal("%s", r.errors.front().message.c_str());
    return *r.scenario;
}

struct Both {
    std::unique_ptr<Simulation> model;
    lab::Measurement measurement;
    std::unique_ptr<Simulation> measured;
};

// The model's run of `yaml`, then the lab's plan of it (until `until`) run on the kernel; a refusal or a
// failure ends the test program with its reason.
inline Both runBoth(const std::string& yaml, Time until) {
    Both b;
    b.model = std::make_unique<Simulation>(read(yaml));
    b.model->run();
    const lab::LabResult<lab::LabPlan> plan = lab::planExperiment(*b.model, lab::kernelRelease(), until);
    if (!plan.ok()) qFatal("plan: %s", plan.error().c_str());
    lab::LabResult<lab::Measurement> m = lab::runExperimentHere(plan.value());
    if (!m.ok()) qFatal("experiment: %s", m.error().c_str());
    b.measurement = m.value();
    lab::LabResult<std::unique_ptr<Simulation>> run = lab::measuredRun(plan.value().scenario, b.measurement);
    if (!run.ok()) qFatal("measured run: %s", run.error().c_str());
    b.measured = std::move(run.value());
    return b;
}

} // namespace backlog::labtest
