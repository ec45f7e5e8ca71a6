#include "server/frame_routes.hpp"

#include "net/stream_writer.hpp"
#include "net/websocket_connection.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace tessera::server {

namespace asio = boost::asio;

// --- frame_forwarder ---

void frame_forwarder::attach(std::shared_ptr<net::outbound_client> client, std::optional<core::encoded_frame> first) {
  std::lock_guard lock(mutex_);
  client_ = std::move(client);
  if (first) send_locked(*first);
}

void frame_forwarder::close_client() {
  std::shared_ptr<net::outbound_client> client;
  {
    std::lock_guard lock(mutex_);
    client = std::move(client_);
  }
  if (client) client->close();
}

void frame_forwarder::on_frame(const core::encoded_frame& frame) {
  std::lock_guard lock(mutex_);
  send_locked(frame);
}

void frame_forwarder::send_locked(const core::encoded_frame& frame) {
  if (!client_ || frame.sequence <= last_sequence_) return;
  last_sequence_ = frame.sequence;
  // The frame's bytes are shared with every viewer and the sink's last frame: the
  // payload holds a reference, no copy.
  switch (client_->try_send(net::shared_payload::from_shared(frame.data, frame.size), net::message_kind::binary)) {
    case net::send_result::queued:
      ++queued_;
      stream_metrics::bump(metrics_.frames_streamed);
      break;
    case net::send_result::queued_dropped_oldest:
      ++queued_;
      ++dropped_;
      stream_metrics::bump(metrics_.frames_streamed);
      stream_metrics::bump(metrics_.dropped_frames);
      break;
    case net::send_result::closed: break;  // the client is going; the handler unsubscribes
  }
}

std::uint64_t frame_forwarder::frames_queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

std::uint64_t frame_forwarder::frames_dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

namespace {

net::response error_response(const service_error& e) {
  return net::response::error(static_cast<net::status>(e.http_status()), e.message);
}

/// One viewer's place on a websink, from admission to the client's departure: leaves
/// the websink (and the gauge) when destroyed. Holds the pipeline alive meanwhile.
class viewer_slot {
 public:
  viewer_slot(sink_ref sink, std::uint64_t id, std::shared_ptr<frame_forwarder> forwarder, stream_metrics& metrics)
      : sink_(std::move(sink)), id_(id), forwarder_(std::move(forwarder)), metrics_(metrics) {}
  ~viewer_slot() {
    if (removal_callback_ != 0) sink_.entry->cancel_on_removed(removal_callback_);
    sink_.sink->unsubscribe(id_);
    if (attached_) stream_metrics::drop(metrics_.subscribers);
  }
  viewer_slot(const viewer_slot&) = delete;
  viewer_slot& operator=(const viewer_slot&) = delete;

  /// Starts the frames to `client`, the sink's last frame first; the client is closed
  /// when the pipeline is deleted.
  void attach(std::shared_ptr<net::outbound_client> client) {
    forwarder_->attach(std::move(client), sink_.sink->last_frame());
    attached_ = true;
    stream_metrics::bump(metrics_.subscribers);
    removal_callback_ = sink_.entry->on_removed([fwd = forwarder_] { fwd->close_client(); });
  }

  const frame_forwarder& forwarder() const { return *forwarder_; }

 private:
  sink_ref sink_;
  std::uint64_t id_;
  std::shared_ptr<frame_forwarder> forwarder_;
  stream_metrics& metrics_;
  bool attached_ = false;
  std::uint64_t removal_callback_ = 0;
};

/// A slot on the websink the request names, or the response refusing it.
struct admission {
  std::unique_ptr<viewer_slot> slot;
  std::optional<net::response> refusal;
};

admission admit(pipeline_service& service, stream_metrics& metrics, const net::request_context& ctx) {
  auto sink = service.find_websink(ctx.param("p"), ctx.param("e"));
  if (!sink) return {nullptr, error_response(sink.error())};
  auto forwarder = std::make_shared<frame_forwarder>(metrics);
  auto id = sink->sink->subscribe(forwarder);
  if (!id) {
    // max-subscribers: a capacity limit, worth retrying later.
    auto refusal = net::response::error(net::status::service_unavailable, id.error().message);
    refusal.headers.set("Retry-After", "5");
    return {nullptr, std::move(refusal)};
  }
  return {std::make_unique<viewer_slot>(std::move(*sink), *id, std::move(forwarder), metrics), std::nullopt};
}

void log_viewer_end(std::string_view kind, const net::request_context& ctx, const viewer_slot& slot) {
  spdlog::debug("{} viewer {} of {}/{} left ({} frames queued, {} dropped)", kind, ctx.remote.address().to_string(),
                ctx.param("p"), ctx.param("e"), slot.forwarder().frames_queued(), slot.forwarder().frames_dropped());
}

asio::awaitable<void> serve_mjpeg(pipeline_service& service, stream_metrics& metrics, net::request_context& ctx,
                                  net::stream_start& start) {
  admission a = admit(service, metrics, ctx);
  if (!a.slot) {
    (void)start.refuse(std::move(*a.refusal));
    co_return;
  }
  // (net adds the no-cache fields every live stream needs.)
  auto writer = co_await start.begin(net::stream_format::multipart("image/jpeg"));
  if (!writer) co_return;  // the client is gone; the slot leaves the websink
  a.slot->attach(*writer);
  co_await (*writer)->wait_closed();
  log_viewer_end("mjpeg", ctx, *a.slot);
}

asio::awaitable<void> serve_ws_frames(pipeline_service& service, stream_metrics& metrics, net::request_context& ctx,
                                      net::websocket_upgrade& upgrade) {
  admission a = admit(service, metrics, ctx);
  if (!a.slot) {
    (void)upgrade.refuse(std::move(*a.refusal));
    co_return;
  }
  auto conn = co_await upgrade.accept();
  if (!conn) co_return;
  a.slot->attach(*conn);
  co_await (*conn)->wait_closed();  // the client sends nothing we need; pings are answered
  log_viewer_end("ws", ctx, *a.slot);
}

}  // namespace

result<void> add_frame_routes(net::router& router, pipeline_service& service, stream_metrics& metrics) {
  auto mjpeg = router.add_stream(net::verb::get, "/api/v1/pipelines/{p}/sinks/{e}/mjpeg",
                                 [&service, &metrics](net::request_context& ctx, net::stream_start& start) {
                                   return serve_mjpeg(service, metrics, ctx, start);
                                 });
  if (!mjpeg) return mjpeg;
  return router.add_websocket("/api/v1/pipelines/{p}/sinks/{e}/ws",
                              [&service, &metrics](net::request_context& ctx, net::websocket_upgrade& up) {
                                return serve_ws_frames(service, metrics, ctx, up);
                              });
}

}  // namespace tessera::server
