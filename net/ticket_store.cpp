#include "net/ticket_store.hpp"

#include "net/auth.hpp"

#include <algorithm>
#include <random>

namespace tessera::net {

namespace {

std::string random_ticket() {
  // random_device is the kernel's CSPRNG with libstdc++ on Linux; 4 x 32 bits = 128.
  thread_local std::random_device device;
  constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (int word = 0; word < 4; ++word) {
    std::uint32_t bits = device();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4) out.push_back(hex[bits & 0xf]);
  }
  return out;
}

}  // namespace

ticket_store::ticket_store(std::chrono::seconds lifetime, std::size_t max_outstanding)
    : lifetime_(lifetime), max_outstanding_(std::max<std::size_t>(max_outstanding, 1)) {}

void ticket_store::drop_expired_locked(clock::time_point now) {
  std::erase_if(entries_, [now](const entry& e) { return e.expires <= now; });
}

std::string ticket_store::issue(clock::time_point now) {
  std::string ticket = random_ticket();
  std::lock_guard lock(mutex_);
  drop_expired_locked(now);
  while (entries_.size() >= max_outstanding_) entries_.pop_front();
  entries_.push_back({ticket, now + lifetime_});
  return ticket;
}

bool ticket_store::redeem(std::string_view ticket, clock::time_point now) {
  std::lock_guard lock(mutex_);
  drop_expired_locked(now);
  // Compare with every entry, never stopping at a match, so the time taken says
  // nothing about whether or where the ticket was found.
  auto found = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (constant_time_equal(it->ticket, ticket) && found == entries_.end()) found = it;
  if (found == entries_.end()) return false;
  entries_.erase(found);
  return true;
}

std::size_t ticket_store::outstanding() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tessera::net
