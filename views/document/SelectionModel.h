// What is selected, shared by every view (issue 5: "selecting a connection in one selects it in all").
// The current selection is one thing the inspector describes (a packet, a client, a worker, a
// listener); the connections are the clients the ladder diagram draws and the state diagram follows
// (the first of them). A selected packet of a real client selects that client's connection.
#pragma once

#include <QObject>

#include <cstdint>
#include <optional>
#include <vector>

namespace backlog {
class Simulation;
}

namespace backlog::views {

struct Selection {
    enum class Kind { None, Packet, Client, Worker, Listener } kind = Kind::None;
    std::uint32_t index = 0; // packet, client (flow) or worker index; listener index for Listener
    bool operator==(const Selection&) const = default;
};

// The connection a selection concerns: the client itself, or a real client's packet (a spoofed SYN
// has none).
std::optional<std::uint32_t> connectionOf(const Simulation& sim, const Selection& s);

class SelectionModel : public QObject {
    Q_OBJECT
  public:
    explicit SelectionModel(QObject* parent = nullptr) : QObject(parent) {}

    const Selection& current() const { return current_; }
    const std::vector<std::uint32_t>& connections() const { return connections_; }
    bool isSelected(std::uint32_t client) const;

    // Replaces the selection. `connection` is the client it concerns, if any (a packet's flow, the
    // client itself): it becomes the one selected connection.
    void select(const Selection& s, std::optional<std::uint32_t> connection);
    // Adds a connection (Ctrl+click), or removes it when it is already selected.
    void toggleConnection(std::uint32_t client);
    void clear();

  signals:
    void changed();

  private:
    Selection current_;
    std::vector<std::uint32_t> connections_;
};

} // namespace backlog::views
