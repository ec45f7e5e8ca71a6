#include "net/client_group.hpp"

#include <algorithm>
#include <string>

namespace tessera::net {

result<void> client_group::add(const std::shared_ptr<outbound_client>& client) {
  if (!client) return fail(errc::invalid_argument, "client_group::add: null client");
  if (!client->is_open()) return fail(errc::closed, "client_group::add: the client is closed");
  std::lock_guard lock(mutex_);
  std::erase_if(clients_, [](const auto& w) { return w.expired(); });
  if (clients_.size() >= max_) {
    return fail(errc::limit_exceeded,
                "client group is full: " + std::to_string(max_) + " clients");
  }
  clients_.push_back(client);
  return {};
}

void client_group::remove(const outbound_client* client) {
  std::lock_guard lock(mutex_);
  std::erase_if(clients_, [client](const auto& w) {
    auto c = w.lock();
    return !c || c.get() == client;
  });
}

std::vector<std::shared_ptr<outbound_client>> client_group::snapshot() {
  std::vector<std::shared_ptr<outbound_client>> live;
  std::lock_guard lock(mutex_);
  live.reserve(clients_.size());
  for (const auto& w : clients_) {
    if (auto c = w.lock()) live.push_back(std::move(c));
  }
  return live;
}

broadcast_result client_group::send(const shared_payload& payload, message_kind kind) {
  broadcast_result r;
  std::vector<const outbound_client*> closed;
  const auto live = snapshot();  // held until the end: keeps `closed` pointers unique
  for (const auto& c : live) {
    switch (c->try_send(payload, kind)) {
      case send_result::queued: ++r.queued; break;
      case send_result::queued_dropped_oldest:
        ++r.queued;
        ++r.dropped_oldest;
        break;
      case send_result::closed: closed.push_back(c.get()); break;
    }
  }
  if (!closed.empty()) {
    std::lock_guard lock(mutex_);
    const auto before = clients_.size();
    std::erase_if(clients_, [&](const auto& w) {
      auto c = w.lock();
      return !c || std::find(closed.begin(), closed.end(), c.get()) != closed.end();
    });
    r.removed = before - clients_.size();
  }
  return r;
}

void client_group::close_all() {
  std::vector<std::weak_ptr<outbound_client>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(clients_);
  }
  for (const auto& w : all) {
    if (auto c = w.lock()) c->close();
  }
}

std::size_t client_group::size() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

}  // namespace tessera::net
