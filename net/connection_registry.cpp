#include "net/connection_registry.hpp"

namespace tessera::net::detail {

std::optional<refusal> connection_registry::check_locked(const boost::asio::ip::address& from) const {
  if (closed_) return refusal::closed;
  if (connections_.size() >= max_) return refusal::server_full;
  if (auto it = per_address_.find(from); it != per_address_.end() && it->second >= max_per_address_)
    return refusal::address_full;
  return std::nullopt;
}

std::optional<refusal> connection_registry::check(const boost::asio::ip::address& from) const {
  std::lock_guard lock(mutex_);
  return check_locked(from);
}

std::optional<std::uint64_t> connection_registry::add(std::weak_ptr<connection_control> connection,
                                                      const boost::asio::ip::address& from) {
  std::lock_guard lock(mutex_);
  if (check_locked(from)) return std::nullopt;
  const auto id = next_id_++;
  connections_.emplace(id, entry{std::move(connection), from});
  ++per_address_[from];
  return id;
}

void connection_registry::remove(std::uint64_t id) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    if (auto count = per_address_.find(it->second.from); count != per_address_.end() && --count->second == 0)
      per_address_.erase(count);
    connections_.erase(it);
    if (closed_ && connections_.empty()) drained = on_drained_;
  }
  if (drained) drained();
}

std::size_t connection_registry::count_from(const boost::asio::ip::address& from) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(from);
  return it == per_address_.end() ? 0 : it->second;
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
  for (const auto& [id, e] : connections_) {
    if (auto c = e.connection.lock()) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tessera::net::detail
