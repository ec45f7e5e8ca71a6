#pragma once
/// How an element runs its streaming task (sched/streaming_task.hpp) on its runtime:
/// base_src, queue and rawvideoparse call it, and so does any element that drives
/// data itself (a demuxer's loop, a pull-mode parser).

#include "core/graph/element.hpp"
#include "core/sched/streaming_task.hpp"

namespace tessera::core {

/// Starts `task` running `body` on `e`'s runtime pool. An exception leaving the body
/// is posted as an error of `e` ("<name>: streaming task failed: ..."); at every
/// boundary the runtime's warnings (a failed swap-out of the tile cache) are posted
/// from `e`. `body` (usually `e` itself) outlives the run: the element joins the task
/// before it goes.
void start_streaming(element& e, streaming_task& task, task_body& body);

}  // namespace tessera::core
