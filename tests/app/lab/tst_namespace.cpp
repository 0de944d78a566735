// app/lab/Namespace.h: a function run in a fresh network namespace. It runs and its string comes back;
// the namespace is new (a listener of this process is not in it; its somaxconn is the kernel's default
// whatever the host's, KERNEL.md section 1) and writing a sysctl there leaves the host's alone. An
// overrunning function is killed at its timeout and reported, an exception or an _exit without a result
// is reported, and in every case the child is reaped: kill(pid, 0) then says ESRCH. QSKIP with the reason
// where no namespace can be made (not root).
#include "app/lab/ListeningSockets.h"
#include "app/lab/Namespace.h"
#include "app/lab/Sysctls.h"

#include <QTest>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using backlog::lab::NamespaceRun;
using backlog::lab::readListeningSockets;
using backlog::lab::readSysctls;
using backlog::lab::runInNetworkNamespace;
using backlog::lab::sysctlValue;
using namespace std::chrono_literals;

namespace {

// The child is gone: reaped (no zombie, waitpid says ECHILD) and no process has its pid (ESRCH).
bool childIsGone(int pid) {
    if (pid <= 0) return false;
    const bool reaped = ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
    const bool absent = ::kill(pid, 0) < 0 && errno == ESRCH;
    return reaped && absent;
}

std::string somaxconnHere() {
    const auto sysctls = readSysctls();
    if (!sysctls.ok()) return "error: " + sysctls.error();
    const auto value = sysctlValue(sysctls.value(), "net.core.somaxconn");
    return value ? std::to_string(*value) : "absent";
}

bool writeSomaxconn(const char* value) {
    const int fd = ::open("/proc/sys/net/core/somaxconn", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const auto length = static_cast<ssize_t>(std::char_traits<char>::length(value));
    const bool written = ::write(fd, value, static_cast<std::size_t>(length)) == length;
    ::close(fd);
    return written;
}

#define SKIP_IF_UNAVAILABLE(run)                                                                             \
    if ((run).outcome == NamespaceRun::Outcome::Unavailable)                                                 \
        QSKIP(qPrintable("no network namespace here: " + QString::fromStdString((run).reason)));

} // namespace

class TestNamespace : public QObject {
    Q_OBJECT

  private slots:
    void runsAndAnswers();
    void freshNamespace();
    void sysctlStaysInside();
    void timeoutKills();
    void exceptionReported();
    void exitWithoutResult();
    void unprivilegedThroughUserNamespace();
};

void TestNamespace::runsAndAnswers() {
    const NamespaceRun run =
        runInNetworkNamespace([] { return std::string("hello from the namespace"); }, 5s);
    SKIP_IF_UNAVAILABLE(run);
    QCOMPARE(int(run.outcome), int(NamespaceRun::Outcome::Ran));
    QCOMPARE(run.output, std::string("hello from the namespace"));
    QVERIFY(childIsGone(run.child));
}

// Inside: no listener at all (this process's sockets live in the host's namespace), somaxconn 4096.
void TestNamespace::freshNamespace() {
    const NamespaceRun run = runInNetworkNamespace(
        [] {
            const auto listeners = readListeningSockets();
            if (!listeners.ok()) return "error: " + listeners.error();
            return std::to_string(listeners.value().size()) + " listeners, somaxconn " + somaxconnHere();
        },
        5s);
    SKIP_IF_UNAVAILABLE(run);
    QCOMPARE(int(run.outcome), int(NamespaceRun::Outcome::Ran));
    QCOMPARE(run.output, std::string("0 listeners, somaxconn 4096"));
    QVERIFY(childIsGone(run.child));
}

// somaxconn is per namespace: 16 inside, the host's unchanged outside.
void TestNamespace::sysctlStaysInside() {
    const std::string before = somaxconnHere();
    const NamespaceRun run = runInNetworkNamespace(
        [] { return writeSomaxconn("16") ? somaxconnHere() : std::string("error: write failed"); }, 5s);
    SKIP_IF_UNAVAILABLE(run);
    QCOMPARE(run.output, std::string("16"));
    QCOMPARE(somaxconnHere(), before);
    QVERIFY(childIsGone(run.child));
}

void TestNamespace::timeoutKills() {
    const auto start = std::chrono::steady_clock::now();
    const NamespaceRun run = runInNetworkNamespace(
        [] {
            std::this_thread::sleep_for(10s);
            return std::string("too late");
        },
        200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    SKIP_IF_UNAVAILABLE(run);
    QCOMPARE(int(run.outcome), int(NamespaceRun::Outcome::Failed));
    QCOMPARE(run.reason, std::string("the lab's run took longer than 200 ms and was stopped (SIGKILL)"));
    QVERIFY(run.output.empty());
    QVERIFY2(took < 2s, "the parent waited for the child instead of killing it");
    QVERIFY(childIsGone(run.child));
}

void TestNamespace::exceptionReported() {
    const NamespaceRun run =
        runInNetworkNamespace([]() -> std::string { throw std::runtime_error("no such listener"); }, 5s);
    SKIP_IF_UNAVAILABLE(run);
    QCOMPARE(int(run.outcome), int(NamespaceRun::Outcome::Failed));
    QCOMPARE(run.reason, std::string("the lab's function threw: no such listener"));
    QVERIFY(childIsGone(run.child));
}

void TestNamespace::exitWithoutResult() {
    const NamespaceRun run = runInNetworkNamespace([]() -> std::string { ::_exit(3); }, 5s);
    SKIP_IF_UNAVAILABLE(run);
    QCOMPARE(int(run.outcome), int(NamespaceRun::Outcome::Failed));
    QCOMPARE(run.reason, std::string("the lab's process exited with status 3 without sending a result"));
    QVERIFY(childIsGone(run.child));
}

// Without CAP_SYS_ADMIN the child makes a user namespace too, where the system allows it, and says so.
// Checked as root by dropping to nobody in a process of the test's own first (exit status: 0 it ran and
// said so, 2 no user namespace here, 1 anything else).
void TestNamespace::unprivilegedThroughUserNamespace() {
    if (::geteuid() != 0) QSKIP("needs root, to become another user");
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(1);
        // A process that changed its user without exec() is not dumpable, so its /proc files stay root's
        // and it could not write its user namespace's maps; a user's own process (after exec) is.
        ::prctl(PR_SET_DUMPABLE, 1);
        const NamespaceRun run = runInNetworkNamespace([] { return backlog::lab::namespacePrivilege(); }, 5s);
        if (run.outcome == NamespaceRun::Outcome::Unavailable) ::_exit(2);
        const bool said = run.outcome == NamespaceRun::Outcome::Ran &&
                          run.output == "as user 65534, through an unprivileged user namespace";
        ::_exit(said ? 0 : 1);
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status));
    if (WEXITSTATUS(status) == 2) QSKIP("this system allows no unprivileged user namespaces");
    QCOMPARE(WEXITSTATUS(status), 0);
}

QTEST_APPLESS_MAIN(TestNamespace)
#include "tst_namespace.moc"
