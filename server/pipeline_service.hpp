#pragma once
/// The one registry of pipelines behind the remote API (docs/api.md), shared by the
/// REST routes and the JSON-RPC endpoint so both see the same pipelines and give the
/// same answers and errors.
///
/// Every operation is a plain synchronous call that is safe from any thread. Some of
/// them block (a state change joins streaming tasks, deleting a pipeline sets it to
/// NULL first), so coroutines on the net io threads call them through `run()`, which
/// executes the call on the service's own small control thread pool and resumes the
/// caller on its own executor: an io thread never waits on core, and a slow state
/// change holds one control thread, not a connection strand's thread. (We chose a pool
/// over bounding each call with a timeout because a core state change cannot be
/// abandoned half-way; the pool bounds how many run at once instead.)
///
///   auto job = [&svc, name] { return svc.set_state(name, "playing"); };
///   service_result<boost::json::value> r = co_await svc.run(std::move(job));
///
/// Errors are `service_error`: a kind plus a message naming the problem; the kind maps
/// to an HTTP status (REST) and to a JSON-RPC error code (rpc). The JSON-RPC codes:
///   invalid_params   -32602 (standard)   HTTP 400
///   internal         -32000              HTTP 500
///   not_found        -32001              HTTP 404
///   conflict         -32002              HTTP 409 (duplicate name, wrong state)
///   limit_exceeded   -32003              HTTP 429 (too many pipelines)
///   forbidden        -32004              HTTP 403 (outside --media-root)
///   pipeline_failed  -32005              HTTP 422 (a state change failed; the reason
///                                                   is the pipeline's error message)
///
/// Ownership: the service owns its pipelines through `shared_ptr<pipeline_entry>`; a
/// handler (or a stream) that holds an entry keeps its pipeline alive after it was
/// deleted from the registry; `pipeline_entry::removed()` and `on_removed()` tell it.
/// The service must outlive every io thread that calls it (serve_command destroys the
/// net server and joins the io threads first).

#include "core/elements/web/websink.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/message.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/runtime.hpp"
#include "server/memory_budgets.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tessera::server {

/// What went wrong, as the API's clients need to tell it apart.
enum class service_errc {
  invalid_params,
  forbidden,
  not_found,
  conflict,
  limit_exceeded,
  pipeline_failed,
  busy,     ///< an earlier control request of the same pipeline still runs (503)
  timeout,  ///< not done within the request timeout; it goes on in the background (504)
  internal
};

struct service_error {
  service_errc code = service_errc::internal;
  std::string message;

  unsigned http_status() const noexcept;
  int rpc_code() const noexcept;
  std::string_view name() const noexcept;  ///< "not_found", ...
};

inline service_error make_error(service_errc code, std::string message) {
  return service_error{code, std::move(message)};
}

/// Thrown only by service_result::value() on an error.
[[noreturn]] void throw_exception_from_error(const service_error& e, const boost::source_location& loc);

template <class T>
using service_result = boost::system::result<T, service_error>;

/// Bounds and policy for the API's pipelines (docs/deploy.md), from `tessera serve`.
struct service_options {
  std::size_t max_pipelines = 64;
  std::size_t max_elements = 256;                         ///< per pipeline
  std::uint64_t max_frame_pixels = 64ull * 1024 * 1024;   ///< per frame
  std::size_t max_subscribers_per_sink = 256;             ///< caps each websink's max-subscribers
  std::size_t max_batch_entries = 64;                     ///< JSON-RPC requests in one batch
  std::size_t max_reply_bytes = std::size_t{8} << 20;     ///< JSON-RPC reply text of one message
  std::optional<std::filesystem::path> media_root;        ///< filesrc/filesink confinement
  std::vector<std::string> allowed_uri_prefixes;          ///< avsrc uri= (--allow-uri)
  std::vector<std::string> allowed_devices;               ///< avsrc device= (--allow-device)
  std::size_t control_threads = 4;                        ///< the pool `run()` uses
  /// How long set_state waits for an asynchronous change (preroll) before answering
  /// with the state reached so far.
  std::chrono::milliseconds state_wait{std::chrono::seconds(5)};
  /// How long a control request (state, seek, EOS, delete) waits for an earlier one of
  /// the same pipeline to finish before it is refused as busy.
  std::chrono::milliseconds control_wait{std::chrono::seconds(5)};
  /// The longest a request run on the control pool is waited for; past it the client
  /// gets a timeout error and the work goes on in the background (--request-timeout).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(15)};
  /// The memory budgets serve started with, reported by stats() ("budgets").
  memory_budgets budgets;
};

/// One pipeline of the registry. Thread safety: every member from any thread.
/// Neither copyable nor movable; shared by the registry and whoever uses it.
class pipeline_entry {
 public:
  pipeline_entry(std::unique_ptr<core::pipeline> p, std::chrono::steady_clock::time_point created);
  ~pipeline_entry();
  pipeline_entry(const pipeline_entry&) = delete;
  pipeline_entry& operator=(const pipeline_entry&) = delete;

  const std::string& name() const noexcept { return pipeline_->name(); }
  core::pipeline& pipeline() const noexcept { return *pipeline_; }
  std::chrono::steady_clock::time_point created() const noexcept { return created_; }

  /// True once deleted from the registry (the pipeline is then in NULL, or going there).
  bool removed() const;
  /// Calls `fn` once when the entry is deleted (on the deleting thread, after the
  /// pipeline reached NULL), or at once if it already was. `fn` must not block.
  /// Returns an id for cancel_on_removed (0 when called at once).
  std::uint64_t on_removed(std::function<void()> fn);
  void cancel_on_removed(std::uint64_t id);
  /// The text of the last error message on this pipeline's bus ("" if none).
  std::string last_error() const;

  /// Takes this pipeline's control for `what` ("set_state playing", "seek", ...), waiting
  /// at most `wait` for the request that holds it; refused (busy) naming that request
  /// and how long it has run. Control requests of one pipeline run one at a time, so
  /// one that hangs inside the pipeline holds one control thread, not all of them.
  class control_lease;
  service_result<control_lease> lock_control(std::string what, std::chrono::milliseconds wait);

 private:
  friend class pipeline_service;
  /// Shared with the bus subscription, which may run on a streaming thread while the
  /// entry goes away.
  struct error_slot {
    std::mutex mutex;
    std::string text;
  };
  void mark_removed();

  std::chrono::steady_clock::time_point created_;
  std::uint64_t bus_subscription_ = 0;
  const std::shared_ptr<error_slot> errors_ = std::make_shared<error_slot>();
  mutable std::mutex mutex_;  // removed_, removal_callbacks_, the control
  bool removed_ = false;
  std::uint64_t next_callback_id_ = 1;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> removal_callbacks_;
  // The control (lock_control): a flag and a condition rather than a timed_mutex,
  // whose timed lock (pthread_mutex_clocklock) ThreadSanitizer does not follow.
  void release_control();
  std::condition_variable control_free_;
  bool control_busy_ = false;                // guarded by mutex_
  std::string control_holder_;               // guarded by mutex_: what holds the control
  std::chrono::steady_clock::time_point control_since_;
  std::unique_ptr<core::pipeline> pipeline_;  // last: destroyed first, while the rest is alive
};

/// Holds a pipeline's control (pipeline_entry::lock_control) until it ends.
class pipeline_entry::control_lease {
 public:
  explicit control_lease(pipeline_entry& e) noexcept : entry_(&e) {}
  control_lease(control_lease&& o) noexcept : entry_(std::exchange(o.entry_, nullptr)) {}
  control_lease& operator=(control_lease&&) = delete;
  ~control_lease() {
    if (entry_) entry_->release_control();
  }

 private:
  pipeline_entry* entry_;
};

/// A websink of a pipeline, for the streaming routes. `entry` keeps the pipeline (and
/// so `sink`) alive while held.
struct sink_ref {
  std::shared_ptr<pipeline_entry> entry;
  core::websink* sink = nullptr;
};

/// Parameters of a seek (position_ns, optional stop_ns, flags, rate).
struct seek_params {
  std::int64_t position_ns = 0;
  std::optional<std::int64_t> stop_ns;  ///< where the stream ends (EOS or segment-done)
  std::vector<std::string> flags{"flush"};  ///< "flush", "accurate", "key-unit", "segment"
  double rate = 1.0;
};

/// A JSON request value as a property value: numbers, booleans, strings (fractions as
/// "30/1", enums by nick). Objects, arrays and null are invalid_params.
service_result<core::property_value> property_value_from_json(simdjson::dom::element v);

/// The registry. See the file comment. Not copyable or movable.
class pipeline_service {
 public:
  using bus_callback = std::function<void(const std::string& pipeline, const core::message& m)>;
  /// A pipeline was created or deleted: `method` is "pipeline.created" or
  /// "pipeline.deleted", `params` the notification's params (see subscribe_bus).
  using lifecycle_callback = std::function<void(std::string_view method, const boost::json::object& params)>;

  /// Pipelines are made by `rt`'s registry and stream on `rt`, which outlives the
  /// service.
  explicit pipeline_service(core::runtime& rt, service_options options = {});
  /// Calls shutdown(), then joins the control pool.
  ~pipeline_service();
  pipeline_service(const pipeline_service&) = delete;
  pipeline_service& operator=(const pipeline_service&) = delete;

  const service_options& options() const noexcept { return options_; }
  core::runtime& runtime() const noexcept { return runtime_; }

  /// Runs `fn()` on the control pool and resumes the caller on its executor with the
  /// result, or with `on_timeout()` when `fn` has not returned within
  /// options().request_timeout (it then goes on in the background and its result is
  /// dropped). `fn` is moved into the pool; capture by value. An exception of `fn`
  /// reaches the caller.
  template <class F, class T>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F fn, T on_timeout) {
    using R = std::invoke_result_t<F&>;
    // The timer lives in this frame, not in the state the job shares: a job that
    // outlives its caller (timed out, then the caller's io_context went away) must not
    // touch that executor. `waiter` is non-null exactly while this frame waits, and the
    // job posts the wake-up only then, under the same mutex.
    struct outcome {
      std::mutex mutex;
      std::optional<R> result;
      std::exception_ptr failure;
      boost::asio::steady_timer* waiter = nullptr;
    };
    auto out = std::make_shared<outcome>();
    boost::asio::steady_timer done(co_await boost::asio::this_coro::executor, options_.request_timeout);
    {
      std::lock_guard lock(out->mutex);
      out->waiter = &done;
    }
    struct leave_on_exit {
      outcome& state;
      ~leave_on_exit() {
        std::lock_guard lock(state.mutex);
        state.waiter = nullptr;
      }
    } leave{*out};
    boost::asio::post(pool_, [out, fn = std::move(fn)]() mutable {
      std::optional<R> result;
      std::exception_ptr failure;
      try {
        result.emplace(fn());
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard lock(out->mutex);
      out->result = std::move(result);
      out->failure = failure;
      if (out->waiter)
        boost::asio::post(out->waiter->get_executor(), [out] {
          std::lock_guard wake_lock(out->mutex);
          if (out->waiter) out->waiter->cancel();
        });
    });
    co_await done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    std::lock_guard lock(out->mutex);
    if (out->failure) std::rethrow_exception(out->failure);
    if (out->result) co_return std::move(*out->result);
    co_return on_timeout();
  }

  /// The timeout error of run(): names the request and says it goes on.
  service_error timeout_error(std::string_view what) const;

  // --- factories (GET /api/v1/factories[/{f}], factory.list/describe) ---
  /// {"factories":[{name, long_name, klass, description}, ...]}
  boost::json::value factories() const;
  service_result<boost::json::value> factory(std::string_view name) const;

  // --- pipelines ---
  /// {"pipelines":[{name, state, description, eos, error, position_ns, duration_ns,
  /// latency_ns}, ...]} in creation order.
  boost::json::value list() const;
  /// Builds and registers a pipeline (state NULL). An empty name picks p0, p1, ...
  /// Returns the description (as describe()).
  service_result<boost::json::value> create(std::string name, std::string_view description);
  /// docs/api.md's pipeline object: name, state, description, elements with properties and pads.
  service_result<boost::json::value> describe(std::string_view pipeline) const;
  /// Sets the pipeline to NULL, removes it and runs its removal callbacks.
  /// Returns {"name":..,"deleted":true}.
  service_result<boost::json::value> remove(std::string_view pipeline);
  /// `state` is null|ready|paused|playing. Waits up to options().state_wait for an
  /// asynchronous change. Returns {"name", "state", "pending", "result"}.
  service_result<boost::json::value> set_state(std::string_view pipeline, std::string_view state);
  /// Checks everything it can before the pipeline sees the seek. After a flushing seek
  /// in PAUSED, waits (at most options().state_wait) for the sinks to preroll the new
  /// position or reach EOS. Returns {"name", "position_ns", "stop_ns", "rate", "flags",
  /// "state"}.
  service_result<boost::json::value> seek(std::string_view pipeline, const seek_params& params);
  /// Returns {"name", "position_ns", "duration_ns" (N or null), "state"}.
  service_result<boost::json::value> position(std::string_view pipeline) const;
  /// Returns {"name", "eos": true}.
  service_result<boost::json::value> send_eos(std::string_view pipeline);

  // --- element properties ---
  /// Returns {"pipeline", "element", "property", "value"}.
  service_result<boost::json::value> get_property(std::string_view pipeline, std::string_view element,
                                                  std::string_view property) const;
  /// Type, range and mutability are checked by core; returns as get_property, with the
  /// value as stored.
  service_result<boost::json::value> set_property(std::string_view pipeline, std::string_view element,
                                                  std::string_view property, const core::property_value& value);

  /// The pipeline as a Graphviz digraph (elements, pads, links with negotiated caps).
  service_result<std::string> graph_dot(std::string_view pipeline) const;

  /// {"pipelines": N, "memory": {...}, "per_pipeline": {name: launch --stats object}}
  boost::json::object stats() const;
  std::size_t size() const;

  // --- for the streaming and JSON-RPC parts ---
  service_result<std::shared_ptr<pipeline_entry>> find(std::string_view pipeline) const;
  /// The websink called `element` in `pipeline`; not_found for an unknown pipeline or
  /// element, invalid_params for an element that is not a websink.
  service_result<sink_ref> find_websink(std::string_view pipeline, std::string_view element) const;

  /// Every bus message of every pipeline (present and future) goes to `fn`, on the
  /// posting (streaming or control) thread: it must be quick, thread-safe and must not
  /// block. Messages of a pipeline stop once it is deleted (its last ones, the state
  /// changes to NULL, are still delivered). `fn` may call unsubscribe_bus. A call
  /// already under way on another thread may still finish after unsubscribe_bus
  /// returns, so `fn` should hold what it uses by value or weak_ptr.
  /// `on_lifecycle` (optional, same rules) hears of every pipeline created, with
  /// params {"pipeline", "description", "state"}, once it is registered, and of every
  /// pipeline deleted, with {"pipeline"}, once it reached NULL and left the registry
  /// (REST and JSON-RPC alike, and at shutdown).
  std::uint64_t subscribe_bus(bus_callback fn, lifecycle_callback on_lifecycle = {});
  void unsubscribe_bus(std::uint64_t id);
  /// {"pipeline", "type", "source", "timestamp_ns", <the message's fields>}: the params
  /// of JSON-RPC's bus.message notification.
  static boost::json::object message_json(const std::string& pipeline, const core::message& m);

  /// Refuses new pipelines, sets every pipeline to NULL and removes them all, all
  /// pipelines at once (each on its own thread), so the shutdown takes as long as
  /// the slowest pipeline rather than the sum of all. Idempotent; blocking (call from
  /// the main thread or via run()).
  /// `on_stopping`, if given, hears the names of the pipelines still stopping, as
  /// `"a"` or `"a", "b"`, each time that set changes (the shutdown deadline names
  /// the ones that did not stop).
  void shutdown(const std::function<void(const std::string&)>& on_stopping = {});

 private:
  struct bus_hub;

  service_result<std::shared_ptr<pipeline_entry>> find_locked(std::string_view pipeline) const;
  std::string next_name_locked() const;
  void finish_removal(const std::shared_ptr<pipeline_entry>& entry);

  const service_options options_;
  core::runtime& runtime_;  // borrowed: the owner (serve, a test) keeps it longer
  const std::shared_ptr<bus_hub> hub_;
  mutable std::mutex mutex_;  // entries_, order_, shut_down_
  std::map<std::string, std::shared_ptr<pipeline_entry>, std::less<>> entries_;
  std::vector<std::string> order_;  // creation order, for list()
  bool shut_down_ = false;
  boost::asio::thread_pool pool_;  // last: joined first on destruction
};

}  // namespace tessera::server
