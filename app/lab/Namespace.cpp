#include "app/lab/Namespace.h"

#include "app/lab/ProcFile.h"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <exception>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

// The child's message starts with one of these, then the text.
constexpr char ranMark = 'R';
constexpr char unavailableMark = 'U';
constexpr char failedMark = 'F';
// A function's answer is a report, not a capture: more than this is a mistake, not a result.
constexpr std::size_t outputLimit = 16U << 20;

using Clock = std::chrono::steady_clock;

void writeAll(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; // the parent has gone or stopped listening: nobody to tell
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string unshareFailure(int error) {
    const std::string call = " (unshare: " + errnoText(error) + ")";
    switch (error) {
    case EPERM:
        return "creating a network namespace needs root or CAP_SYS_ADMIN" + call;
    case EINVAL:
        return "this kernel has no network namespaces (CONFIG_NET_NS)" + call;
    case ENOSPC:
    case EUSERS:
        return "no more network namespaces may be created here (user.max_net_namespaces)" + call;
    default:
        return "creating a network namespace failed" + call;
    }
}

// Empty, or why lo could not be brought up. A new namespace's lo is down: nothing reaches 127.0.0.1.
std::string bringLoopbackUp() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "bringing up lo: socket: " + errnoText(errno);
    ifreq request{};
    std::memcpy(request.ifr_name, "lo", 3);
    std::string why;
    if (::ioctl(fd, SIOCGIFFLAGS, &request) < 0) {
        why = "bringing up lo: ioctl(SIOCGIFFLAGS): " + errnoText(errno);
    } else {
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
        if (::ioctl(fd, SIOCSIFFLAGS, &request) < 0)
            why = "bringing up lo: ioctl(SIOCSIFFLAGS): " + errnoText(errno);
    }
    ::close(fd);
    return why;
}

// How this process made its namespace (namespacePrivilege()): set in the child only.
std::string privilege = "as root";
// The namespace it made (madeByLab()): /proc/thread-self/ns/net's device and inode, 0 0 for none.
std::pair<unsigned long long, unsigned long long> made{0, 0};

void recordMade() {
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) == 0) made = {st.st_dev, st.st_ino};
}

// Writes `text` to a /proc file of this process (a user namespace's maps): empty, or why not.
std::string writeProcSelf(const char* name, const std::string& text) {
    const int fd = ::open((std::string("/proc/self/") + name).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return std::string("opening /proc/self/") + name + ": " + errnoText(errno);
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int error = errno;
    ::close(fd);
    return ok ? std::string() : std::string("writing /proc/self/") + name + ": " + errnoText(error);
}

// A network namespace for this (single-threaded) process: directly with CAP_SYS_ADMIN, or else inside a
// new user namespace where the system allows unprivileged ones (this user is root there, and owns the
// network namespace: it may set its net.* sysctls, open raw and packet sockets in it, and nothing
// outside). Empty, or why neither could be made.
std::string unshareNetwork() {
    if (::unshare(CLONE_NEWNET) == 0) {
        recordMade();
        return {};
    }
    const int direct = errno;
    if (direct != EPERM) return unshareFailure(direct);
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return unshareFailure(direct) + "; an unprivileged user namespace could not be made either (" +
               errnoText(errno) + ")";
    if (std::string why = writeProcSelf("setgroups", "deny"); !why.empty()) return why;
    if (std::string why = writeProcSelf("uid_map", "0 " + std::to_string(uid) + " 1"); !why.empty())
        return why;
    if (std::string why = writeProcSelf("gid_map", "0 " + std::to_string(gid) + " 1"); !why.empty())
        return why;
    privilege = "as user " + std::to_string(uid) + ", through an unprivileged user namespace";
    recordMade();
    return {};
}

// The child's whole life. It never returns: _exit skips the parent's atexit handlers and destructors,
// which belong to the parent (and LeakSanitizer's exit check, which would see the parent's objects).
[[noreturn]] void childMain(int parent, int out, const std::function<std::string()>& function) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) // the parent died before the line above took effect
        ::_exit(1);
    std::signal(SIGPIPE, SIG_IGN);
    std::string message;
    if (std::string unshared = unshareNetwork(); !unshared.empty()) {
        message = unavailableMark + unshared;
    } else if (std::string why = bringLoopbackUp(); !why.empty()) {
        message = unavailableMark + why;
    } else {
        try {
            message = ranMark + function();
        } catch (const std::exception& e) {
            message = failedMark + std::string("the lab's function threw: ") + e.what();
        } catch (...) {
            message =
                failedMark + std::string("the lab's function threw an exception that is not std::exception");
        }
    }
    writeAll(out, message);
    ::close(out);
    ::_exit(0);
}

// Reads the child's message until end of file or the deadline. False: the deadline came first.
bool readUntil(int fd, Clock::time_point deadline, std::string& text, std::string& error) {
    std::array<char, 4096> chunk{};
    while (true) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            error = "poll: " + errnoText(errno);
            return true;
        }
        if (ready == 0) continue; // the loop's first line decides whether time is up
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = "read: " + errnoText(errno);
            return true;
        }
        if (n == 0) return true;
        text.append(chunk.data(), static_cast<std::size_t>(n));
        if (text.size() > outputLimit) {
            error = "the lab's function returned more than " + std::to_string(outputLimit) + " bytes";
            return true;
        }
    }
}

// Waits for the child until the deadline, then kills it; always reaps it. Its wait status.
int reap(pid_t child, Clock::time_point deadline, bool killNow, bool& killed) {
    killed = false;
    int status = 0;
    while (!killNow) {
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child) return status;
        if (done < 0 && errno != EINTR) return 0; // ECHILD: not ours to reap any more; nothing is left behind
        if (Clock::now() >= deadline) break;
        const timespec pause{0, 1'000'000}; // the child is between its last write and _exit: a moment
        ::nanosleep(&pause, nullptr);
    }
    ::kill(child, SIGKILL);
    killed = true;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) break;
    return status;
}

std::string describeStatus(int status) {
    if (WIFSIGNALED(status))
        return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
               ::strsignal(WTERMSIG(status)) + ")";
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "ended";
}

NamespaceRun fromMessage(NamespaceRun run, const std::string& message, int status) {
    if (message.empty()) {
        run.reason = "the lab's process " + describeStatus(status) + " without sending a result";
        return run;
    }
    const std::string text = message.substr(1);
    if (message[0] == ranMark) {
        run.outcome = NamespaceRun::Outcome::Ran;
        run.output = text;
    } else if (message[0] == unavailableMark) {
        run.outcome = NamespaceRun::Outcome::Unavailable;
        run.reason = text;
    } else {
        run.reason = text;
    }
    return run;
}

} // namespace

NamespaceRun runInNetworkNamespace(const std::function<std::string()>& function,
                                   std::chrono::milliseconds timeout) {
    NamespaceRun run;
    std::array<int, 2> pipeFds{-1, -1};
    if (::pipe2(pipeFds.data(), O_CLOEXEC) != 0) {
        run.reason = "pipe: " + errnoText(errno);
        return run;
    }
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        run.reason = "fork: " + errnoText(errno);
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        return run;
    }
    if (child == 0) {
        ::close(pipeFds[0]);
        childMain(parent, pipeFds[1], function);
    }
    run.child = child;
    ::close(pipeFds[1]);
    const Clock::time_point deadline = Clock::now() + timeout;
    std::string message;
    std::string error;
    const bool finished = readUntil(pipeFds[0], deadline, message, error);
    ::close(pipeFds[0]);
    bool killed = false;
    const int status = reap(child, deadline, !finished || !error.empty(), killed);
    if (!finished) {
        run.reason = "the lab's run took longer than " + std::to_string(timeout.count()) +
                     " ms and was stopped (SIGKILL)";
        return run;
    }
    if (!error.empty()) {
        run.reason = error;
        return run;
    }
    if (killed) {
        run.reason = "the lab's process sent its result but did not exit within " +
                     std::to_string(timeout.count()) + " ms and was stopped (SIGKILL)";
        return run;
    }
    return fromMessage(std::move(run), message, status);
}

std::string namespacePrivilege() {
    return privilege;
}

bool madeByLab(unsigned long long device, unsigned long long inode) {
    return made.second != 0 && made == std::make_pair(device, inode);
}

std::string enterFreshNetworkNamespace() {
    if (::unshare(CLONE_NEWNET) != 0) return unshareFailure(errno);
    recordMade();
    return bringLoopbackUp();
}

} // namespace backlog::lab
