#include "net/connection_registry.hpp"

namespace tessera::net::detail {

std::optional<std::uint64_t> connection_registry::add(std::weak_ptr<connection_control> connection) {
  std::lock_guard lock(mutex_);
  if (closed_ || connections_.size() >= max_) return std::nullopt;
  const auto id = next_id_++;
  connections_.emplace(id, std::move(connection));
  return id;
}

void connection_registry::remove(std::uint64_t id) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex_);
    if (connections_.erase(id) == 0) return;
    if (closed_ && connections_.empty()) drained = on_drained_;
  }
  if (drained) drained();
}

void connection_registry::close() {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (connections_.empty()) drained = on_drained_;
  }
  if (drained) drained();
}

void connection_registry::set_on_drained(std::function<void()> on_drained) {
  std::lock_guard lock(mutex_);
  on_drained_ = std::move(on_drained);
}

std::size_t connection_registry::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

std::vector<std::shared_ptr<connection_control>> connection_registry::live() const {
  std::vector<std::shared_ptr<connection_control>> out;
  std::lock_guard lock(mutex_);
  out.reserve(connections_.size());
  for (const auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tessera::net::detail
