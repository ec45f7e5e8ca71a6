#include "server/shutdown_deadline.hpp"

#include <cstdio>
#include <cstdlib>

namespace tessera::server {

shutdown_deadline::~shutdown_deadline() {
  finished();
  if (watchdog_.joinable()) watchdog_.join();
}

void shutdown_deadline::arm() {
  std::lock_guard lock(mutex_);
  if (armed_ || finished_) return;
  armed_ = true;
  watchdog_ = std::thread([this] { watch(); });
}

void shutdown_deadline::stopping(std::string what) {
  std::lock_guard lock(mutex_);
  doing_ = std::move(what);
}

void shutdown_deadline::finished() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  cv_.notify_all();
}

void shutdown_deadline::watch() {
  std::unique_lock lock(mutex_);
  if (cv_.wait_for(lock, limit_, [this] { return finished_; })) return;
  // Straight to stderr with stdio (no logger, whose thread or lock the blocked
  // shutdown may hold), then out without running destructors.
  std::fprintf(stderr,
               "tessera serve: shutdown did not finish within %lld ms (--shutdown-timeout): still %s; exiting "
               "now\n",
               static_cast<long long>(limit_.count()), doing_.c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

}  // namespace tessera::server
