// The listening TCP sockets of the current network namespace as `ss -lnt` shows them, read the way ss
// reads them: a NETLINK_SOCK_DIAG dump (inet_diag_req_v2, state TCP_LISTEN), IPv4 then IPv6. For a
// listener the kernel reports the accept queue in the queue fields (KERNEL.md M1): idiag_rqueue is its
// current length (ss's Recv-Q) and idiag_wqueue the effective backlog, min(listen()'s argument,
// somaxconn) (ss's Send-Q). The queue holds one more than that backlog (M2).
#pragma once

#include "app/lab/LabResult.h"

#include <cstdint>
#include <string>
#include <vector>

namespace backlog::lab {

struct ListeningSocket {
    int family = 0;           // AF_INET or AF_INET6
    std::string localAddress; // as inet_ntop writes it: "127.0.0.1", "::"
    std::uint16_t port = 0;   // in host order
    std::uint32_t recvQ = 0;  // connections waiting in the accept queue now (M1)
    std::uint32_t sendQ = 0;  // the effective backlog (M1)
    std::uint64_t inode = 0;  // the socket's inode, as in /proc/PID/fd's "socket:[INODE]"
};

// Every listener of the namespace, IPv4 ones first, each family in the kernel's order. A kernel without
// IPv6 has no IPv6 listeners, which is not an error; a socket or netlink failure is, with its errno.
LabResult<std::vector<ListeningSocket>> readListeningSockets();

} // namespace backlog::lab
