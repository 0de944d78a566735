#include "views/document/SelectionModel.h"

#include "model/kernel/Simulation.h"

#include <algorithm>

namespace backlog::views {

std::optional<std::uint32_t> connectionOf(const Simulation& sim, const Selection& s) {
    if (s.kind == Selection::Kind::Client) return s.index;
    if (s.kind == Selection::Kind::Packet) {
        const FlowId flow = sim.history().packet(s.index).flow;
        if (!isSpoofed(flow)) return flow;
    }
    return std::nullopt;
}

bool SelectionModel::isSelected(std::uint32_t client) const {
    return std::find(connections_.begin(), connections_.end(), client) != connections_.end();
}

void SelectionModel::select(const Selection& s, std::optional<std::uint32_t> connection) {
    std::vector<std::uint32_t> connections;
    if (connection) connections.push_back(*connection);
    if (s == current_ && connections == connections_) return;
    current_ = s;
    connections_ = std::move(connections);
    emit changed();
}

void SelectionModel::toggleConnection(std::uint32_t client) {
    const auto it = std::find(connections_.begin(), connections_.end(), client);
    if (it != connections_.end())
        connections_.erase(it);
    else
        connections_.push_back(client);
    current_ = connections_.empty() ? Selection{} : Selection{Selection::Kind::Client, connections_.front()};
    emit changed();
}

void SelectionModel::clear() {
    if (current_ == Selection{} && connections_.empty()) return;
    current_ = {};
    connections_.clear();
    emit changed();
}

} // namespace backlog::views
