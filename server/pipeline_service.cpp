// The registry of the API's pipelines. One mutex guards the name -> entry map; it is
// held for lookups and for create (building a pipeline is quick: it parses, makes
// elements and links pads, without starting threads), never across a state change,
// which runs on the caller's thread (the control pool) with only a shared_ptr to the
// entry. So a slow state change of one pipeline never blocks the listing or the
// control of another.
#include "server/pipeline_service.hpp"

#include "core/graph/pipeline_builder.hpp"
#include "core/memory/counters.hpp"
#include "server/factory_json.hpp"
#include "server/pipeline_json.hpp"
#include "server/stats_json.hpp"

#include <boost/json/array.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <cstdio>

namespace tessera::server {

namespace json = boost::json;

namespace {

// Names appear in URL paths and in "element.pad" references: keep them plain.
std::optional<std::string> check_pipeline_name(std::string_view name) {
  if (name.size() > 64) return "pipeline name is longer than 64 characters";
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return "pipeline name \"" + std::string(name) + "\" may only contain letters, digits, '_', '-' and '.'";
  return std::nullopt;
}

}  // namespace

// --- errors ---

unsigned service_error::http_status() const noexcept {
  switch (code) {
    case service_errc::invalid_params: return 400;
    case service_errc::forbidden: return 403;
    case service_errc::not_found: return 404;
    case service_errc::conflict: return 409;
    case service_errc::pipeline_failed: return 422;
    case service_errc::limit_exceeded: return 429;
    case service_errc::busy: return 503;
    case service_errc::timeout: return 504;
    case service_errc::internal: return 500;
  }
  return 500;
}

int service_error::rpc_code() const noexcept {
  switch (code) {
    case service_errc::invalid_params: return -32602;
    case service_errc::busy: return -32006;
    case service_errc::timeout: return -32007;
    case service_errc::internal: return -32000;
    case service_errc::not_found: return -32001;
    case service_errc::conflict: return -32002;
    case service_errc::limit_exceeded: return -32003;
    case service_errc::forbidden: return -32004;
    case service_errc::pipeline_failed: return -32005;
  }
  return -32000;
}

std::string_view service_error::name() const noexcept {
  switch (code) {
    case service_errc::invalid_params: return "invalid_params";
    case service_errc::forbidden: return "forbidden";
    case service_errc::not_found: return "not_found";
    case service_errc::conflict: return "conflict";
    case service_errc::limit_exceeded: return "limit_exceeded";
    case service_errc::pipeline_failed: return "pipeline_failed";
    case service_errc::busy: return "busy";
    case service_errc::timeout: return "timeout";
    case service_errc::internal: return "internal";
  }
  return "internal";
}

void throw_exception_from_error(const service_error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

// --- entries ---

pipeline_entry::pipeline_entry(std::unique_ptr<core::pipeline> p, std::chrono::steady_clock::time_point created)
    : created_(created), pipeline_(std::move(p)) {}

pipeline_entry::~pipeline_entry() {
  if (bus_subscription_ != 0) pipeline_->bus().unsubscribe(bus_subscription_);
}

bool pipeline_entry::removed() const {
  std::lock_guard lock(mutex_);
  return removed_;
}

std::uint64_t pipeline_entry::on_removed(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (!removed_) {
      const auto id = next_callback_id_++;
      removal_callbacks_.emplace_back(id, std::move(fn));
      return id;
    }
  }
  fn();
  return 0;
}

void pipeline_entry::cancel_on_removed(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(removal_callbacks_, [id](const auto& c) { return c.first == id; });
}

std::string pipeline_entry::last_error() const {
  std::lock_guard lock(errors_->mutex);
  return errors_->text;
}

service_result<pipeline_entry::control_lease> pipeline_entry::lock_control(std::string what,
                                                                          std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (!control_free_.wait_for(lock, wait, [this] { return !control_busy_; })) {
    const double held_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - control_since_).count();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", held_s);
    return make_error(service_errc::busy, "pipeline \"" + name() + "\" is busy: an earlier " + control_holder_ +
                                              " has run for " + seconds + " s and not finished; try again later");
  }
  control_busy_ = true;
  control_holder_ = std::move(what);
  control_since_ = std::chrono::steady_clock::now();
  return control_lease(*this);
}

void pipeline_entry::release_control() {
  {
    std::lock_guard lock(mutex_);
    control_busy_ = false;
  }
  control_free_.notify_one();
}

void pipeline_entry::mark_removed() {
  std::vector<std::pair<std::uint64_t, std::function<void()>>> callbacks;
  {
    std::lock_guard lock(mutex_);
    removed_ = true;
    callbacks.swap(removal_callbacks_);
  }
  for (auto& c : callbacks) c.second();
}

// --- the bus fan-out ---

struct pipeline_service::bus_hub {
  struct subscriber {
    std::uint64_t id;
    std::shared_ptr<bus_callback> on_message;
    std::shared_ptr<lifecycle_callback> on_lifecycle;  // null: not asked for
  };
  std::mutex mutex;
  std::uint64_t next_id = 1;
  std::vector<subscriber> subscribers;

  // Calls outside the lock, on copies, so a subscriber may unsubscribe from its callback.
  void dispatch(const std::string& pipeline, const core::message& m) {
    std::vector<std::shared_ptr<bus_callback>> targets;
    {
      std::lock_guard lock(mutex);
      targets.reserve(subscribers.size());
      for (auto& s : subscribers) targets.push_back(s.on_message);
    }
    for (auto& t : targets) (*t)(pipeline, m);
  }
  void dispatch_lifecycle(std::string_view method, const json::object& params) {
    std::vector<std::shared_ptr<lifecycle_callback>> targets;
    {
      std::lock_guard lock(mutex);
      for (auto& s : subscribers)
        if (s.on_lifecycle) targets.push_back(s.on_lifecycle);
    }
    for (auto& t : targets) (*t)(method, params);
  }
};

// --- the service ---

pipeline_service::pipeline_service(core::runtime& rt, service_options options)
    : options_(std::move(options)),
      runtime_(rt),
      hub_(std::make_shared<bus_hub>()),
      pool_(std::max<std::size_t>(1, options_.control_threads)) {}

pipeline_service::~pipeline_service() {
  shutdown();
  pool_.join();
}

json::value pipeline_service::factories() const {
  json::array list;
  for (const auto* f : runtime_.registry().list()) list.push_back(factory_summary_json(*f));
  return json::object{{"factories", std::move(list)}};
}

service_result<json::value> pipeline_service::factory(std::string_view name) const {
  const auto* f = runtime_.registry().find(name);
  if (!f) return make_error(service_errc::not_found, "no element factory \"" + std::string(name) + "\"");
  return json::value(factory_json(*f));
}

json::value pipeline_service::list() const {
  std::vector<std::shared_ptr<pipeline_entry>> entries;
  {
    std::lock_guard lock(mutex_);
    for (const auto& name : order_) entries.push_back(entries_.find(name)->second);
  }
  json::array list;
  for (const auto& e : entries) {
    json::object o{{"name", e->name()},
                   {"state", std::string(core::to_string(e->pipeline().current_state()))},
                   {"description", e->pipeline().description()}};
    add_stream_status(o, e->pipeline());
    list.push_back(std::move(o));
  }
  return json::object{{"pipelines", std::move(list)}};
}

std::string pipeline_service::next_name_locked() const {
  for (std::size_t i = 0;; ++i) {
    std::string name = "p" + std::to_string(i);
    if (!entries_.contains(name)) return name;
  }
}

service_result<json::value> pipeline_service::create(std::string name, std::string_view description) {
  if (auto bad = check_pipeline_name(name)) return make_error(service_errc::invalid_params, *bad);
  if (description.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return make_error(service_errc::invalid_params, "pipeline description is empty");
  core::pipeline_limits limits;
  limits.max_elements = options_.max_elements;
  limits.max_frame_pixels = options_.max_frame_pixels;
  limits.media_root = options_.media_root;
  limits.allowed_uri_prefixes = options_.allowed_uri_prefixes;
  limits.allowed_devices = options_.allowed_devices;

  std::shared_ptr<pipeline_entry> entry;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return make_error(service_errc::conflict, "the server is shutting down");
    if (entries_.size() >= options_.max_pipelines)
      return make_error(service_errc::limit_exceeded, "there are already " + std::to_string(entries_.size()) +
                                                          " pipelines (the limit is " +
                                                          std::to_string(options_.max_pipelines) + ")");
    if (name.empty()) name = next_name_locked();
    if (entries_.contains(name))
      return make_error(service_errc::conflict, "a pipeline named \"" + name + "\" already exists");
    auto built = core::build_pipeline(description, runtime_.registry(), name, limits);
    if (!built) {
      // Everything wrong with a description is the client's (400), except a refusal
      // by policy (403: a location outside the media root).
      const auto& e = built.error();
      return make_error(e == errc::permission_denied ? service_errc::forbidden : service_errc::invalid_params,
                        e.message);
    }
    for (core::element* e : (*built)->elements())
      if (auto* sink = dynamic_cast<core::websink*>(e)) {
        const auto current = sink->get_property("max-subscribers");
        if (current && std::get<std::int64_t>(*current) > static_cast<std::int64_t>(options_.max_subscribers_per_sink))
          (void)sink->set_property("max-subscribers",
                                   static_cast<std::int64_t>(options_.max_subscribers_per_sink));
      }
    entry = std::make_shared<pipeline_entry>(std::move(*built), std::chrono::steady_clock::now());
    entry->bus_subscription_ = entry->pipeline().bus().subscribe(
        [hub = hub_, errors = entry->errors_, name](const core::message& m) {
          if (m.type == core::message_type::error) {
            std::lock_guard error_lock(errors->mutex);
            // The text never names its element (element::post_error), the source does.
            errors->text = m.source + ": " + m.get_string("message").value_or("error");
          }
          hub->dispatch(name, m);
        });
    entries_.emplace(name, entry);
    order_.push_back(name);
  }
  spdlog::info("pipeline {} created: {}", entry->name(), entry->pipeline().description());
  hub_->dispatch_lifecycle("pipeline.created",
                           json::object{{"pipeline", entry->name()},
                                        {"description", entry->pipeline().description()},
                                        {"state", std::string(core::to_string(entry->pipeline().current_state()))}});
  return json::value(pipeline_json(entry->pipeline()));
}

service_error pipeline_service::timeout_error(std::string_view what) const {
  return make_error(service_errc::timeout,
                    std::string(what) + " did not finish within " +
                        std::to_string(options_.request_timeout.count()) +
                        " ms (--request-timeout); it goes on in the background: watch the bus or ask again");
}

service_result<std::shared_ptr<pipeline_entry>> pipeline_service::find_locked(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return make_error(service_errc::not_found, "no pipeline \"" + std::string(name) + "\"");
  return it->second;
}

service_result<std::shared_ptr<pipeline_entry>> pipeline_service::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  return find_locked(name);
}

service_result<json::value> pipeline_service::describe(std::string_view name) const {
  auto entry = find(name);
  if (!entry) return entry.error();
  return json::value(pipeline_json((*entry)->pipeline()));
}

void pipeline_service::finish_removal(const std::shared_ptr<pipeline_entry>& entry) {
  // NULL before the callbacks: viewers are told after the last frame was delivered.
  entry->pipeline().set_state(core::state::null_state);
  entry->mark_removed();
  spdlog::info("pipeline {} deleted", entry->name());
  hub_->dispatch_lifecycle("pipeline.deleted", json::object{{"pipeline", entry->name()}});
}

service_result<json::value> pipeline_service::remove(std::string_view name) {
  auto found = find(name);
  if (!found) return found.error();
  std::shared_ptr<pipeline_entry> entry = *found;
  auto control = entry->lock_control("delete", options_.control_wait);
  if (!control) return control.error();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(name);
    // Deleted by another request while this one waited for the control.
    if (it == entries_.end() || it->second != entry)
      return make_error(service_errc::not_found, "pipeline \"" + std::string(name) + "\" was deleted");
    entries_.erase(it);
    std::erase(order_, entry->name());
  }
  finish_removal(entry);
  return json::value(json::object{{"name", entry->name()}, {"deleted", true}});
}

std::size_t pipeline_service::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void pipeline_service::shutdown(const std::function<void(const std::string&)>& on_stopping) {
  std::vector<std::shared_ptr<pipeline_entry>> entries;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (const auto& name : order_) entries.push_back(entries_.find(name)->second);
    entries_.clear();
    order_.clear();
  }
  // One pipeline blocked for a while (a slow element, a full queue to free, a CPU
  // shared with the others) must not delay the others' stop: each goes to NULL on
  // its own thread, and the names still stopping are reported as they change.
  std::mutex left_mutex;
  std::vector<std::string> left;
  for (const auto& e : entries) left.push_back(e->name());
  auto report = [&] {
    if (!on_stopping || left.empty()) return;
    std::string names;
    for (const auto& name : left) names += (names.empty() ? "\"" : ", \"") + name + "\"";
    on_stopping(names);
  };
  {
    std::lock_guard lock(left_mutex);
    report();
  }
  std::vector<std::jthread> stoppers;
  stoppers.reserve(entries.size());
  for (const auto& e : entries) {
    stoppers.emplace_back([&, e] {
      finish_removal(e);
      std::lock_guard lock(left_mutex);
      std::erase(left, e->name());
      report();
    });
  }
}

service_result<sink_ref> pipeline_service::find_websink(std::string_view pipeline, std::string_view element) const {
  auto entry = find(pipeline);
  if (!entry) return entry.error();
  core::element* e = (*entry)->pipeline().find(element);
  if (!e)
    return make_error(service_errc::not_found,
                      "pipeline \"" + std::string(pipeline) + "\" has no element \"" + std::string(element) + "\"");
  auto* sink = dynamic_cast<core::websink*>(e);
  if (!sink)
    return make_error(service_errc::invalid_params, "element \"" + std::string(element) + "\" is a " +
                                                        e->factory().name + ", not a websink");
  return sink_ref{*entry, sink};
}

std::uint64_t pipeline_service::subscribe_bus(bus_callback fn, lifecycle_callback on_lifecycle) {
  std::lock_guard lock(hub_->mutex);
  const auto id = hub_->next_id++;
  hub_->subscribers.push_back({id, std::make_shared<bus_callback>(std::move(fn)),
                               on_lifecycle ? std::make_shared<lifecycle_callback>(std::move(on_lifecycle)) : nullptr});
  return id;
}

void pipeline_service::unsubscribe_bus(std::uint64_t id) {
  std::lock_guard lock(hub_->mutex);
  std::erase_if(hub_->subscribers, [id](const auto& s) { return s.id == id; });
}

json::object pipeline_service::message_json(const std::string& pipeline, const core::message& m) {
  return bus_message_json(pipeline, m);
}

service_result<std::string> pipeline_service::graph_dot(std::string_view name) const {
  auto entry = find(name);
  if (!entry) return entry.error();
  return pipeline_dot((*entry)->pipeline());
}

json::object pipeline_service::stats() const {
  std::vector<std::shared_ptr<pipeline_entry>> entries;
  {
    std::lock_guard lock(mutex_);
    for (const auto& name : order_) entries.push_back(entries_.find(name)->second);
  }
  const auto now = std::chrono::steady_clock::now();
  json::object per_pipeline;
  std::uint64_t buffers = 0, bytes = 0;
  for (const auto& e : entries) {
    auto s = pipeline_stats(e->pipeline(), std::chrono::duration<double>(now - e->created()).count());
    buffers += s["buffers"].as_uint64();
    bytes += s["bytes"].as_uint64();
    s["state"] = std::string(core::to_string(e->pipeline().current_state()));
    per_pipeline[e->name()] = std::move(s);
  }
  const auto mem = core::memory_counters_snapshot();
  json::object memory{{"allocated_bytes", mem.allocated_bytes}, {"copied_bytes", mem.copied_bytes},
                      {"copies", mem.copies},                   {"peak_bytes", mem.peak_bytes},
                      {"live_bytes", mem.live_bytes}};
  json::object o;
  o["pipelines"] = entries.size();
  o["max_pipelines"] = options_.max_pipelines;
  o["buffers"] = buffers;
  o["bytes"] = bytes;
  o["memory"] = std::move(memory);
  o["tiles"] = tile_cache_stats(runtime());
  o["budgets"] = to_json(options_.budgets);
  o["per_pipeline"] = std::move(per_pipeline);
  return o;
}

}  // namespace tessera::server
