#include "core/sched/element_task.hpp"

#include "core/graph/runtime.hpp"

namespace tessera::core {

void start_streaming(element& e, streaming_task& task, task_body& body) {
  task_reports reports;
  reports.failed = [&e](const std::string& what) {
    e.post_error(errc::bad_state, e.name() + ": streaming task failed: " + what);
  };
  // A swap-out of the tile cache failed while the task ran (disk full): say so on the
  // bus, once; nothing is lost, the tiles stay in memory.
  reports.at_boundary = [&e] {
    if (auto warning = e.runtime().take_tile_cache_warning()) e.post_warning(*warning);
  };
  task.start(e.executor(), body, std::move(reports));
}

}  // namespace tessera::core
