// The lab's sandbox: a function run in a fresh network namespace, in a child process, so that whatever
// it does to sockets and to the net.* sysctls (per namespace, KERNEL.md section 1: a new namespace starts
// at somaxconn 4096 whatever the host says) happens there and nowhere else. The host's sysctls and
// sockets are never touched (issue 14, "Safety is part of the feature"). Only the loopback exists in
// the new namespace; it is brought up before the function runs.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace backlog::lab {

struct NamespaceRun {
    enum class Outcome {
        Ran,         // the function ran to its end; `output` is what it returned
        Unavailable, // no namespace could be made here (not root, no CAP_SYS_ADMIN, no netns support)
        Failed,      // the namespace was made but the run did not finish: timeout, a crash, an exception
    };
    Outcome outcome = Outcome::Failed;
    std::string output;
    std::string reason; // Unavailable and Failed: why, in one line
    int child = -1;     // the process that ran it, already reaped (tests check that it is gone)
};

// Forks a child that unshares its network namespace, brings lo up, runs `function` and sends back the
// string it returns through a pipe, then _exits. The parent waits at most `timeout` (the child is killed
// with SIGKILL when it overruns) and always reaps the child before returning: no zombie, no stray process.
// The child dies with the parent too (PR_SET_PDEATHSIG). `function` runs in a copy of this process made
// by fork(): it must start no process it does not end itself, and must not rely on other threads.
// Without CAP_SYS_ADMIN, where the system allows unprivileged user namespaces (user.max_user_namespaces,
// no distribution switch against them), the child makes a user namespace with it and is root only there.
NamespaceRun runInNetworkNamespace(const std::function<std::string()>& function,
                                   std::chrono::milliseconds timeout);
// Inside runInNetworkNamespace()'s function: how its namespace was made, in words for a report ("as
// root", or "as user 1000, through an unprivileged user namespace").
std::string namespacePrivilege();
// Whether the network namespace with this /proc/.../ns/net device and inode is one this process made
// (runInNetworkNamespace()'s child, or enterFreshNetworkNamespace()).
bool madeByLab(unsigned long long device, unsigned long long inode);

// Moves the calling thread (unshare() acts on the caller only) into a fresh network namespace of its own
// and brings its lo up: empty, or why not (the reasons runInNetworkNamespace() gives as Unavailable).
// For a test that opens its own sockets: they then live on a loopback nobody else shares, and go with
// the namespace when the process ends. The host's namespace is not touched.
std::string enterFreshNetworkNamespace();

} // namespace backlog::lab
