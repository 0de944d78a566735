#include "model/lesson/Condition.h"

#include "model/kernel/Simulation.h"
#include "model/scenario/Settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace backlog {

namespace {

struct Token {
    std::string text;
    std::size_t offset = 0;
};

bool isOpChar(char c) {
    return c == '<' || c == '>' || c == '=' || c == '!';
}

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        // ( and ) are tokens of their own; so is a side, "a:" or "b:", before what it reads.
        if (text[i] == '(' || text[i] == ')') {
            out.push_back({std::string(1, text[i]), i});
            ++i;
            continue;
        }
        if ((text[i] == 'a' || text[i] == 'b') && i + 1 < text.size() && text[i + 1] == ':') {
            out.push_back({std::string(text.substr(i, 2)), i});
            i += 2;
            continue;
        }
        const bool op = isOpChar(text[i]);
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) && text[i] != '(' &&
               text[i] != ')' && isOpChar(text[i]) == op)
            ++i;
        out.push_back({std::string(text.substr(start, i - start)), start});
    }
    return out;
}

constexpr std::array<std::pair<std::string_view, WorkerState>, kWorkerStateCount> workerStates{{
    {"not-started", WorkerState::NotStarted},
    {"blocked-in-accept", WorkerState::BlockedInAccept},
    {"in-epoll-wait", WorkerState::InEpollWait},
    {"woken", WorkerState::Woken},
    {"serving", WorkerState::Serving},
    {"slept-again", WorkerState::SleptAgain},
    {"got-eagain", WorkerState::GotEagain},
    {"stopped", WorkerState::Stopped},
}};

constexpr std::array<TcpState, 11> tcpStates{TcpState::Closed,   TcpState::Listen,      TcpState::SynSent,
                                             TcpState::SynRecv,  TcpState::Established, TcpState::FinWait1,
                                             TcpState::FinWait2, TcpState::CloseWait,   TcpState::LastAck,
                                             TcpState::Closing,  TcpState::TimeWait};

// ss's names (ESTAB, SYN-RECV, UNCONN), plus the RFC 793 spellings a lesson author is likely to write.
std::optional<TcpState> parseTcpState(std::string text) {
    for (char& c : text)
        c = c == '_' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (text == "ESTABLISHED") return TcpState::Established;
    if (text == "SYN-RECEIVED") return TcpState::SynRecv;
    if (text == "CLOSED") return TcpState::Closed;
    for (TcpState s : tcpStates)
        if (ssStateName(s) == text) return s;
    return std::nullopt;
}

std::vector<std::string> counterNames() {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < kCounterCount; ++i)
        names.emplace_back(counterName(static_cast<Counter>(i)));
    return names;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text), tokens_(tokenize(text)) {}

    ParsedCondition parse();

  private:
    // condition := both ("or" both)* ; both := operand ("and" operand)* ;
    // operand := ["a:" | "b:"] ( "(" condition ")" | quantity comparison ). A side before a parenthesis is
    // the side of every quantity inside that names none.
    Condition either(int side);
    Condition both(int side);
    Condition operand(int side);
    void quantity(Condition& c);
    std::string spanOf(std::size_t fromToken) const; // the text of tokens [fromToken, pos_)
    bool atEnd() const { return pos_ >= tokens_.size(); }
    const Token& peek() const { return tokens_[pos_]; }
    std::size_t here() const { return atEnd() ? text_.size() : peek().offset; }
    bool accept(std::string_view word) {
        if (atEnd() || peek().text != word) return false;
        ++pos_;
        return true;
    }
    void expect(std::string_view word, std::string_view what);
    int number(std::string_view what);
    void stateAfterIs(Condition& c);
    void comparison(Condition& c);
    void quantityWithIndex(Condition& c, const std::string& word, std::size_t offset);
    // The forms of a condition, after its first word: "client|worker|listener N is STATE", "server
    // socket of client N is STATE", "clients …", "accept_queue[N] …" and the like, and a counter.
    void objectIsState(Condition& c, const std::string& word);
    void serverSocketIsState(Condition& c);
    void clientsCount(Condition& c);
    void queueQuantity(Condition& c, const Token& first);
    void counterQuantity(Condition& c, const Token& first);
    void fail(std::size_t offset, std::string message) {
        if (!failed_) error_ = {offset, std::move(message)};
        failed_ = true;
    }

    std::string_view text_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    bool failed_ = false;
    ConditionError error_;
};

void Parser::expect(std::string_view word, std::string_view what) {
    if (failed_) return;
    if (accept(word)) return;
    fail(here(), "expected " + std::string(what) + (atEnd() ? " at the end" : ", got " + peek().text));
}

int Parser::number(std::string_view what) {
    if (failed_) return 0;
    if (atEnd()) {
        fail(here(), "expected " + std::string(what));
        return 0;
    }
    const Parsed<std::int64_t> n = parseInteger(peek().text, 0, 100'000'000);
    if (!n) {
        fail(here(), "expected " + std::string(what) + ", got " + peek().text);
        return 0;
    }
    ++pos_;
    return static_cast<int>(*n.value);
}

void Parser::stateAfterIs(Condition& c) {
    expect("is", "is");
    if (failed_) return;
    if (atEnd()) return fail(here(), "expected a state after is");
    const Token state = peek();
    ++pos_;
    if (c.quantity == Condition::Quantity::WorkerState) {
        for (const auto& [name, ws] : workerStates)
            if (name == state.text) c.workerState = ws;
        if (state.text == "woken-for-nothing")
            fail(state.offset,
                 "woken-for-nothing is two states now (M20): slept-again (woken, found the queue "
                 "empty inside epoll_wait() or accept() and slept again) and got-eagain "
                 "(returned to user space, accept() said EAGAIN)");
        else if (std::none_of(workerStates.begin(), workerStates.end(),
                              [&](const auto& w) { return w.first == state.text; }))
            fail(state.offset,
                 "expected a worker state (not-started, blocked-in-accept, in-epoll-wait, woken, serving, "
                 "slept-again, got-eagain or stopped), got " +
                     state.text);
    } else if (c.quantity == Condition::Quantity::ListenerOpen) {
        if (state.text == "closed")
            c.op = Condition::Op::Eq, c.value = 0;
        else if (state.text != "open")
            fail(state.offset, "expected open or closed, got " + state.text);
        return;
    } else if (const std::optional<TcpState> s = parseTcpState(state.text)) {
        c.state = *s;
    } else {
        fail(state.offset, "expected a TCP state as ss prints it (SYN-SENT, SYN-RECV, ESTAB or ESTABLISHED, "
                           "CLOSE-WAIT …), got " +
                               state.text);
    }
}

void Parser::comparison(Condition& c) {
    if (failed_) return;
    static const std::map<std::string, Condition::Op, std::less<>> ops{
        {"==", Condition::Op::Eq}, {"!=", Condition::Op::Ne}, {"<", Condition::Op::Lt},
        {"<=", Condition::Op::Le}, {">", Condition::Op::Gt},  {">=", Condition::Op::Ge}};
    if (atEnd()) return fail(here(), "expected a comparison (==, !=, <, <=, >, >=) and a value");
    const auto op = ops.find(peek().text);
    if (op == ops.end())
        return fail(here(), "expected a comparison (==, !=, <, <=, >, >=), got " + peek().text);
    c.op = op->second;
    ++pos_;
    if (atEnd())
        return fail(here(), c.valueIsTime() ? "expected a duration such as 3s" : "expected a number");
    const Token value = peek();
    ++pos_;
    if (c.valueIsTime()) {
        const Parsed<Time> t = parseRunTime(value.text);
        if (!t) return fail(value.offset, t.error);
        c.value = t.value->count();
    } else {
        const Parsed<std::int64_t> n =
            parseInteger(value.text, 0, std::numeric_limits<std::int64_t>::max() / 2);
        if (!n) return fail(value.offset, "expected a whole number, got " + value.text);
        c.value = *n.value;
    }
}

// accept_queue, syn_queue, backlog, accept_queue_full with an optional [LISTENER].
void Parser::quantityWithIndex(Condition& c, const std::string& word, std::size_t offset) {
    const std::size_t bracket = word.find('[');
    const std::string base = word.substr(0, bracket);
    if (base == "accept_queue")
        c.quantity = Condition::Quantity::AcceptQueue;
    else if (base == "syn_queue")
        c.quantity = Condition::Quantity::SynQueue;
    else if (base == "backlog")
        c.quantity = Condition::Quantity::Backlog;
    else
        c.quantity = Condition::Quantity::AcceptQueueFull;
    c.index = c.quantity == Condition::Quantity::Backlog ? 0 : -1;
    if (bracket == std::string::npos) return;
    if (word.back() != ']') return fail(offset + word.size(), "expected ] after the listener's number");
    const Parsed<std::int64_t> n = parseInteger(word.substr(bracket + 1, word.size() - bracket - 2), 0, 255);
    if (!n) return fail(offset + bracket + 1, "expected a listener number from 0 to 255 inside [ ]");
    c.index = static_cast<int>(*n.value);
}

void Parser::objectIsState(Condition& c, const std::string& w) {
    c.quantity = w == "client"   ? Condition::Quantity::ClientState
                 : w == "worker" ? Condition::Quantity::WorkerState
                                 : Condition::Quantity::ListenerOpen;
    c.index = number(w == "client"   ? "a client's number (from 0)"
                     : w == "worker" ? "a worker's number (from 0)"
                                     : "a listener's number (from 0)");
    c.op = Condition::Op::Eq; // "X is Y": holds while the quantity is 1
    c.value = 1;
    stateAfterIs(c);
}

void Parser::serverSocketIsState(Condition& c) {
    c.quantity = Condition::Quantity::ServerState;
    expect("socket", "socket of client N is STATE");
    expect("of", "of");
    expect("client", "client");
    c.index = number("a client's number (from 0)");
    c.op = Condition::Op::Eq;
    c.value = 1;
    stateAfterIs(c);
}

void Parser::clientsCount(Condition& c) {
    if (atEnd())
        return fail(here(), "expected in STATE, connected, accepted, timed out, reset, refused "
                            "or slower than DURATION after clients");
    const Token what = peek();
    ++pos_;
    if (what.text == "in") {
        c.quantity = Condition::Quantity::ClientsIn;
        if (atEnd())
            fail(here(), "expected a TCP state after in");
        else if (const auto s = parseTcpState(peek().text))
            c.state = *s, ++pos_;
        else
            fail(here(), "expected a TCP state as ss prints it (SYN-SENT, ESTAB …), got " + peek().text);
    } else if (what.text == "connected") {
        c.quantity = Condition::Quantity::ClientsConnected;
    } else if (what.text == "accepted") {
        c.quantity = Condition::Quantity::ClientsAccepted;
    } else if (what.text == "timed") {
        c.quantity = Condition::Quantity::ClientsTimedOut;
        expect("out", "out");
    } else if (what.text == "reset") {
        c.quantity = Condition::Quantity::ClientsReset;
    } else if (what.text == "refused") {
        c.quantity = Condition::Quantity::ClientsRefused;
    } else if (what.text == "slower") {
        c.quantity = Condition::Quantity::ClientsSlowerThan;
        expect("than", "than");
        if (!failed_ && atEnd()) fail(here(), "expected a duration such as 2s");
        if (!failed_) {
            const Parsed<Time> d = parseRunTime(peek().text);
            if (!d)
                fail(here(), d.error);
            else
                c.duration = *d.value, ++pos_;
        }
    } else {
        fail(what.offset, "expected in STATE, connected, accepted, timed out, reset, refused or slower than "
                          "DURATION after clients, got " +
                              what.text);
    }
    comparison(c);
}

void Parser::queueQuantity(Condition& c, const Token& first) {
    const std::string& w = first.text;
    const std::string base = w.substr(0, w.find('['));
    if (base != "accept_queue" && base != "syn_queue" && base != "backlog" && base != "accept_queue_full")
        return fail(first.offset,
                    "unknown quantity " + base + "; did you mean " +
                        suggestKey(base, {"accept_queue", "syn_queue", "backlog", "accept_queue_full"})
                            .value_or("accept_queue") +
                        "?");
    quantityWithIndex(c, w, first.offset);
    if (c.quantity == Condition::Quantity::AcceptQueueFull) {
        c.op = Condition::Op::Eq; // a yes/no quantity: holds while it is 1
        c.value = 1;
    } else {
        comparison(c);
    }
}

void Parser::counterQuantity(Condition& c, const Token& first) {
    const std::string& w = first.text;
    std::string name = w;
    if (name.starts_with("clients."))
        c.host = Host::Clients, name = name.substr(8);
    else if (name.starts_with("server."))
        name = name.substr(7);
    const std::vector<std::string> names = counterNames();
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
        std::vector<std::string> candidates = names;
        for (const char* q : {"accept_queue", "accept_queue_full", "syn_queue", "backlog", "client",
                              "clients", "worker", "listener", "server", "connect", "wasted"})
            candidates.emplace_back(q);
        std::string message = "unknown quantity " + w;
        if (const auto close = suggestKey(name, candidates))
            message += "; did you mean " + *close + "?";
        else
            message += "; expected a counter (TcpExtListenOverflows …), accept_queue, syn_queue, backlog, "
                       "accept_queue_full, client N is STATE, clients connected … (see the README)";
        return fail(first.offset, message);
    }
    c.quantity = Condition::Quantity::Counter;
    c.counter = static_cast<Counter>(found - names.begin());
    comparison(c);
}

ParsedCondition Parser::parse() {
    if (tokens_.empty())
        return {std::nullopt, {0, "expected a condition such as TcpExtListenOverflows >= 1"}};
    Condition c = either(0);
    if (!failed_ && !atEnd())
        fail(peek().offset, peek().text == ")" ? std::string("unmatched ): no ( before it")
                                               : "unexpected " + peek().text + " after the condition");
    if (failed_) return {std::nullopt, error_};
    c.text = std::string(text_);
    return {std::move(c), {}};
}

std::string Parser::spanOf(std::size_t fromToken) const {
    if (fromToken >= pos_) return {};
    const std::size_t begin = tokens_[fromToken].offset;
    const Token& last = tokens_[pos_ - 1];
    return std::string(text_.substr(begin, last.offset + last.text.size() - begin));
}

// Joined conditions hold (1) or not (0): compared with 1 like a state, so every function below that
// reads a value reads theirs the same way.
Condition joined(Condition::Join join, std::vector<Condition> parts) {
    Condition c;
    c.join = join;
    c.op = Condition::Op::Eq;
    c.value = 1;
    for (const Condition& part : parts)
        c.side = std::max(c.side, part.side);
    c.parts = std::move(parts);
    return c;
}

Condition Parser::either(int side) {
    const std::size_t from = pos_;
    std::vector<Condition> parts{both(side)};
    while (!failed_ && accept("or"))
        parts.push_back(both(side));
    if (parts.size() == 1) return std::move(parts.front());
    Condition c = joined(Condition::Join::Or, std::move(parts));
    c.text = spanOf(from);
    return c;
}

Condition Parser::both(int side) {
    const std::size_t from = pos_;
    std::vector<Condition> parts{operand(side)};
    while (!failed_ && accept("and"))
        parts.push_back(operand(side));
    if (parts.size() == 1) return std::move(parts.front());
    Condition c = joined(Condition::Join::And, std::move(parts));
    c.text = spanOf(from);
    return c;
}

Condition Parser::operand(int side) {
    Condition c;
    if (failed_) return c;
    const std::size_t from = pos_;
    if (accept("a:"))
        side = 0;
    else if (accept("b:"))
        side = 1;
    if (atEnd()) {
        fail(here(), pos_ == 0 ? "expected a condition such as TcpExtListenOverflows >= 1"
                               : "expected a condition after " + tokens_[pos_ - 1].text);
        return c;
    }
    if (peek().text == "(") {
        const std::size_t open = peek().offset;
        ++pos_;
        c = either(side);
        if (!failed_ && !accept(")"))
            fail(here(), "expected ) to close the ( at character " + std::to_string(open + 1) +
                             (atEnd() ? "" : ", got " + peek().text));
        c.text = spanOf(from);
        return c;
    }
    if (peek().text == "and" || peek().text == "or" || peek().text == ")") {
        fail(here(), "expected a condition, got " + peek().text);
        return c;
    }
    quantity(c);
    c.side = side;
    c.text = spanOf(from);
    return c;
}

// One quantity and its comparison (or a state): "accept_queue >= 5", "client 3 is ESTAB".
void Parser::quantity(Condition& c) {
    const Token first = peek();
    ++pos_;
    const std::string& w = first.text;
    if (w == "client" || w == "worker" || w == "listener") {
        objectIsState(c, w);
    } else if (w == "server") {
        serverSocketIsState(c);
    } else if (w == "clients") {
        clientsCount(c);
    } else if (w == "connect") {
        c.quantity = Condition::Quantity::ConnectLatency;
        expect("latency", "latency of client N");
        expect("of", "of");
        expect("client", "client");
        c.index = number("a client's number (from 0)");
        comparison(c);
    } else if (w == "wasted") {
        c.quantity = Condition::Quantity::WastedWakeups;
        expect("wakeups", "wakeups");
        comparison(c);
    } else if (w.starts_with("accept_queue") || w.starts_with("syn_queue") || w.starts_with("backlog")) {
        queueQuantity(c, first);
    } else {
        counterQuantity(c, first);
    }
}

// ---- Evaluating ------------------------------------------------------------------------------------

// A quantity over time: its value before the first point (nullopt: undefined) and every change after,
// in time order, one point per instant (the value once everything at that instant has happened).
struct Series {
    std::optional<std::int64_t> initial;
    std::vector<std::pair<Time, std::int64_t>> points;

    void add(Time t, std::int64_t v) {
        if (!points.empty() && points.back().first == t)
            points.back().second = v;
        else
            points.emplace_back(t, v);
    }
};

// A count that goes up by one at each of `times` (any order).
Series cumulative(std::vector<Time> times) {
    std::sort(times.begin(), times.end());
    Series s{0, {}};
    std::int64_t n = 0;
    for (Time t : times)
        s.add(t, ++n);
    return s;
}

// Sums (or, with `any`, ORs) a per-listener value over every listener, from each listener's changes.
template <class F> Series overListeners(const History& h, int index, F value, bool any) {
    Series s{0, {}};
    struct Change {
        Time at;
        std::size_t listener;
        std::int64_t v;
    };
    std::vector<Change> changes;
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        if (index >= 0 && static_cast<std::size_t>(index) != l) continue;
        for (const ListenerRecord::Change& ch : h.listeners[l].changes)
            changes.push_back({ch.at, l, value(ch)});
    }
    std::stable_sort(changes.begin(), changes.end(),
                     [](const Change& a, const Change& b) { return a.at < b.at; });
    std::vector<std::int64_t> current(h.listeners.size(), 0);
    std::int64_t total = 0;
    std::int64_t anyCount = 0;
    for (const Change& ch : changes) {
        std::int64_t& cur = current[ch.listener];
        total += ch.v - cur;
        anyCount += (ch.v != 0) - (cur != 0);
        cur = ch.v;
        s.add(ch.at, any ? (anyCount > 0 ? 1 : 0) : total);
    }
    return s;
}

Series seriesOf(const Condition& c, const Simulation& sim) {
    const History& h = sim.history();
    using Q = Condition::Quantity;
    const auto client = [&]() -> const ClientRecord* {
        return c.index >= 0 && static_cast<std::size_t>(c.index) < h.clients.size()
                   ? &h.clients[static_cast<std::size_t>(c.index)]
                   : nullptr;
    };
    switch (c.quantity) {
    case Q::Counter: {
        Series s{0, {}};
        for (const auto& [t, v] : h.counters[static_cast<std::size_t>(c.host)].series(c.counter))
            s.add(t, v);
        return s;
    }
    case Q::AcceptQueue:
        return overListeners(
            h, c.index, [](const ListenerRecord::Change& ch) { return std::int64_t{ch.accept}; }, false);
    case Q::SynQueue:
        return overListeners(
            h, c.index, [](const ListenerRecord::Change& ch) { return std::int64_t{ch.syn}; }, false);
    case Q::Backlog:
        return overListeners(
            h, c.index, [](const ListenerRecord::Change& ch) { return ch.maxBacklog; }, false);
    case Q::AcceptQueueFull: // Q1: sk_acceptq_is_full() := sk_ack_backlog > sk_max_ack_backlog
        return overListeners(
            h, c.index,
            [](const ListenerRecord::Change& ch) {
                return std::int64_t{ch.open && ch.accept > ch.maxBacklog};
            },
            true);
    case Q::ListenerOpen:
        return overListeners(
            h, c.index, [](const ListenerRecord::Change& ch) { return std::int64_t{ch.open}; }, true);
    case Q::ClientState:
    case Q::ServerState: {
        // Before the client's connect() there is no socket to be in any state: every comparison is false.
        const ClientRecord* r = client();
        Series s;
        if (!r) return s;
        s.add(r->connectAt, c.state == TcpState::Closed ? 1 : 0); // the server has none until the SYN arrives
        for (const auto& [t, st] : c.quantity == Q::ClientState ? r->states : r->serverStates)
            s.add(t, st == c.state ? 1 : 0);
        return s;
    }
    case Q::WorkerState: {
        Series s{c.workerState == WorkerState::NotStarted ? 1 : 0, {}};
        if (c.index < 0 || static_cast<std::size_t>(c.index) >= h.workers.size()) return s;
        for (const WorkerRecord::Change& ch : h.workers[static_cast<std::size_t>(c.index)].changes)
            s.add(ch.at, ch.state == c.workerState ? 1 : 0);
        return s;
    }
    case Q::ClientsIn: {
        std::vector<std::pair<Time, int>> steps; // +1 entering the state, -1 leaving it
        for (const ClientRecord& r : h.clients) {
            bool in = false;
            for (const auto& [t, st] : r.states) {
                if ((st == c.state) != in) steps.emplace_back(t, in ? -1 : +1);
                in = st == c.state;
            }
        }
        std::stable_sort(steps.begin(), steps.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        Series s{0, {}};
        std::int64_t n = 0;
        for (const auto& [t, d] : steps)
            s.add(t, n += d);
        return s;
    }
    case Q::ClientsConnected:
    case Q::ClientsAccepted:
    case Q::ClientsTimedOut:
    case Q::ClientsReset:
    case Q::ClientsRefused:
    case Q::ClientsSlowerThan: {
        std::vector<Time> times;
        for (const ClientRecord& r : h.clients) {
            switch (c.quantity) {
            case Q::ClientsConnected:
                times.push_back(r.connectedAt);
                break;
            case Q::ClientsAccepted:
                times.push_back(r.acceptedAt);
                break;
            case Q::ClientsTimedOut:
                if (r.error == ClientError::TimedOut) times.push_back(r.errorAt);
                break;
            case Q::ClientsReset:
                if (r.error == ClientError::ConnectionReset) times.push_back(r.errorAt);
                break;
            case Q::ClientsRefused:
                if (r.error == ClientError::ConnectionRefused) times.push_back(r.errorAt);
                break;
            default:
                if (!r.connectedAt.isNever() && r.connectedAt - r.connectAt > c.duration)
                    times.push_back(r.connectedAt);
                break;
            }
        }
        std::erase_if(times, [](Time t) { return t.isNever(); });
        return cumulative(std::move(times));
    }
    case Q::ConnectLatency: {
        Series s;
        if (const ClientRecord* r = client(); r && !r->connectedAt.isNever())
            s.add(r->connectedAt, (r->connectedAt - r->connectAt).count());
        return s;
    }
    case Q::WastedWakeups: {
        std::vector<Time> times;
        for (const std::vector<Time>& w : h.wastedWakeups)
            times.insert(times.end(), w.begin(), w.end());
        return cumulative(std::move(times));
    }
    }
    return {};
}

std::optional<std::int64_t> valueIn(const Series& s, Time t) {
    const auto after =
        std::upper_bound(s.points.begin(), s.points.end(), t,
                         [](Time x, const std::pair<Time, std::int64_t>& p) { return x < p.first; });
    if (after == s.points.begin()) return s.initial;
    return std::prev(after)->second;
}

} // namespace

bool satisfies(const Condition& c, std::optional<std::int64_t> v) {
    if (!v) return false;
    switch (c.op) {
    case Condition::Op::Eq:
        return *v == c.value;
    case Condition::Op::Ne:
        return *v != c.value;
    case Condition::Op::Lt:
        return *v < c.value;
    case Condition::Op::Le:
        return *v <= c.value;
    case Condition::Op::Gt:
        return *v > c.value;
    case Condition::Op::Ge:
        return *v >= c.value;
    }
    return false;
}

ParsedCondition parseCondition(std::string_view text) {
    return Parser(text).parse();
}

bool readsTheOtherRun(const Condition& c) {
    if (!c.joined()) return c.side == 1;
    return std::any_of(c.parts.begin(), c.parts.end(), readsTheOtherRun);
}

std::string checkCondition(const Condition& c, int clients, int listeners, int workers) {
    for (const Condition& part : c.parts)
        if (std::string problem = checkCondition(part, clients, listeners, workers); !problem.empty())
            return problem;
    if (c.joined()) return {};
    using Q = Condition::Quantity;
    const auto beyond = [&](const char* what, int count) {
        return std::string(what) + " " + std::to_string(c.index) + " does not exist: the scenario has " +
               std::to_string(count) + " (numbered from 0)";
    };
    switch (c.quantity) {
    case Q::ClientState:
    case Q::ServerState:
    case Q::ConnectLatency:
        if (c.index >= clients) return beyond("client", clients);
        break;
    case Q::WorkerState:
        if (c.index >= workers) return beyond("worker", workers);
        break;
    case Q::AcceptQueue:
    case Q::SynQueue:
    case Q::Backlog:
    case Q::AcceptQueueFull:
    case Q::ListenerOpen:
        if (c.index >= listeners) return beyond("listener", listeners);
        break;
    default:
        break;
    }
    return {};
}

std::optional<std::int64_t> valueAt(const Condition& c, const Simulation& sim, Time t,
                                    const Simulation* other) {
    if (c.joined()) {
        const auto holds = [&](const Condition& part) { return holdsAt(part, sim, t, other); };
        return c.join == Condition::Join::And ? std::all_of(c.parts.begin(), c.parts.end(), holds)
                                              : std::any_of(c.parts.begin(), c.parts.end(), holds);
    }
    const Simulation* run = c.side == 1 ? other : &sim;
    if (!run) return std::nullopt; // b: with no other run: undefined, so false
    // A counter at one moment is a direct read of its log (O(log n)); the series of every change is
    // only worth building to search for the first moment a condition holds.
    if (c.quantity == Condition::Quantity::Counter)
        return get(run->history().countersAt(c.host, t), c.counter);
    return valueIn(seriesOf(c, *run), t);
}

bool holdsAt(const Condition& c, const Simulation& sim, Time t, const Simulation* other) {
    return satisfies(c, valueAt(c, sim, t, other));
}

namespace {

// Whether a condition holds (1) or not (0) over time. A quantity's series compared; a joined condition's
// parts combined at every instant at which one of them changes.
Series holdingSeries(const Condition& c, const Simulation& sim, const Simulation* other) {
    if (!c.joined()) {
        const Simulation* run = c.side == 1 ? other : &sim;
        if (!run) return Series{0, {}};
        const Series values = seriesOf(c, *run);
        Series s{satisfies(c, values.initial) ? 1 : 0, {}};
        for (const auto& [t, v] : values.points)
            s.add(t, satisfies(c, v) ? 1 : 0);
        return s;
    }
    std::vector<Series> parts;
    std::vector<Time> instants;
    for (const Condition& part : c.parts) {
        parts.push_back(holdingSeries(part, sim, other));
        for (const auto& point : parts.back().points)
            instants.push_back(point.first);
    }
    std::sort(instants.begin(), instants.end());
    instants.erase(std::unique(instants.begin(), instants.end()), instants.end());
    std::vector<std::int64_t> now(parts.size());
    std::vector<std::size_t> next(parts.size(), 0);
    for (std::size_t i = 0; i < parts.size(); ++i)
        now[i] = parts[i].initial.value_or(0);
    const auto combined = [&] {
        const auto holds = [](std::int64_t v) { return v == 1; };
        return std::int64_t{c.join == Condition::Join::And ? std::all_of(now.begin(), now.end(), holds)
                                                           : std::any_of(now.begin(), now.end(), holds)};
    };
    Series s{combined(), {}};
    for (Time t : instants) {
        for (std::size_t i = 0; i < parts.size(); ++i)
            for (; next[i] < parts[i].points.size() && parts[i].points[next[i]].first <= t; ++next[i])
                now[i] = parts[i].points[next[i]].second;
        const std::int64_t v = combined();
        if (v != (s.points.empty() ? *s.initial : s.points.back().second)) s.add(t, v);
    }
    return s;
}

} // namespace

Time firstTimeHolding(const Condition& c, const Simulation& sim, Time from, const Simulation* other) {
    const Time end = sim.history().end;
    if (from > end) return Time::never();
    const Series s = holdingSeries(c, sim, other);
    if (valueIn(s, from) == 1) return from;
    const auto after =
        std::upper_bound(s.points.begin(), s.points.end(), from,
                         [](Time x, const std::pair<Time, std::int64_t>& p) { return x < p.first; });
    for (auto it = after; it != s.points.end() && it->first <= end; ++it)
        if (it->second == 1) return it->first;
    return Time::never();
}

std::string formatValue(const Condition& c, std::optional<std::int64_t> value) {
    if (!value) return "undefined";
    if (c.joined()) return *value ? "true" : "false";
    if (c.valueIsTime()) return formatDuration(Time::ns(*value));
    using Q = Condition::Quantity;
    const bool boolean = c.quantity == Q::AcceptQueueFull || c.quantity == Q::ListenerOpen ||
                         c.quantity == Q::ClientState || c.quantity == Q::ServerState ||
                         c.quantity == Q::WorkerState;
    if (boolean) return *value ? "true" : "false";
    return std::to_string(*value);
}

} // namespace backlog
