#pragma once
/// Asynchronous swap-in of a frame's tiles, for the await point of a streaming task.
///
/// A streaming task moves a buffer from element to element by plain calls; an element
/// that maps a swapped-out tile reads it back on the streaming thread (the pool's
/// threads are shared by every pipeline). The task's own await point is the place to
/// do that read without holding a thread: before a queue's task pushes a frame it took
/// out (the frames that waited are the ones the cache swapped), it awaits bring_in(),
/// which reads the frame's swapped-out tiles on the tile cache's I/O thread while the
/// streaming thread serves other tasks, and resumes on the task's executor.
///
/// At most half the budget's worth of tiles is brought in (the first ones the frame's
/// walk needs): bringing in more than fits would only swap its own tiles out again.
/// A tile swapped out again before it is used is read back by its map, as before.
///
/// Thread safety: the buffer is the caller's (one task); the tiles' own locks do the rest.

#include "core/memory/buffer.hpp"
#include "core/support/result.hpp"

#include <boost/asio/awaitable.hpp>

namespace tessera::core {

/// Whether any memory of `b` is a tile of the tile cache that is swapped out now:
/// the cheap test a task makes before awaiting bring_in().
bool needs_swap_in(const buffer& b) noexcept;

/// Reads the swapped-out tiles of `b` back on the tile cache's I/O thread (up to half
/// the budget, in the buffer's order) and resumes on the caller's executor. Errors:
/// the first swap-in that failed (that tile stays in the swap file).
boost::asio::awaitable<result<void>> bring_in(const buffer& b);

/// Starts reading memories [first, end) of `b` back on the tile cache's I/O thread if
/// they are swapped out, and returns at once: an element walking a frame band by band
/// asks for the next band while it works on this one, so the read overlaps the work.
/// Skipped when those tiles are more than a quarter of the budget (they would push out
/// what is in use). The job holds its own references until it is done; a read that
/// fails leaves the tile out, for the element's own map to report.
void prefetch(const buffer& b, std::size_t first, std::size_t end);

}  // namespace tessera::core
