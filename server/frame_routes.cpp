#include "server/frame_routes.hpp"

#include "net/stream_writer.hpp"
#include "net/websocket_connection.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
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

namespace {

std::string base64(const std::vector<std::uint8_t>& in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t n = static_cast<std::uint32_t>(in[i]) << 16 |
                            (i + 1 < in.size() ? static_cast<std::uint32_t>(in[i + 1]) << 8 : 0) |
                            (i + 2 < in.size() ? in[i + 2] : 0);
    out.push_back(table[n >> 18 & 63]);
    out.push_back(table[n >> 12 & 63]);
    out.push_back(i + 1 < in.size() ? table[n >> 6 & 63] : '=');
    out.push_back(i + 2 < in.size() ? table[n & 63] : '=');
  }
  return out;
}

}  // namespace

std::string decoder_config_json(const core::encoded_video_config& c) {
  boost::json::object o;
  o["codec"] = c.codec;
  o["width"] = c.width;
  o["height"] = c.height;
  if (!c.description.empty()) o["description"] = base64(c.description);
  return boost::json::serialize(o);
}

bool frame_forwarder::wants_key_frame() const {
  std::lock_guard lock(mutex_);
  return client_ && waiting_key_;
}

void frame_forwarder::send_encoded_locked(const core::encoded_frame& frame) {
  if (waiting_key_ && !frame.key) return;  // a decoder cannot start here
  const bool new_config = kind_ == core::stream_kind::frames && frame.config != sent_config_;
  const bool new_init = kind_ == core::stream_kind::mse && frame.init_segment != sent_init_;
  if ((new_config || new_init) && !frame.key) {
    waiting_key_ = true;  // a new stream: from its first key frame
    return;
  }
  // Room for everything without the queue dropping an older message (which would
  // leave a hole the decoder cannot bridge): else skip to the next key frame.
  const net::send_queue& q = client_->queue();
  if (q.size() + 1 + ((new_config || new_init) ? 1 : 0) > q.capacity()) {
    waiting_key_ = true;
    ++dropped_;
    stream_metrics::bump(metrics_.dropped_frames);
    return;
  }
  if (new_config) {
    sent_config_ = frame.config;
    (void)client_->try_send(net::shared_payload::from_string(decoder_config_json(*frame.config)),
                            net::message_kind::text);
  }
  if (new_init) {
    sent_init_ = frame.init_segment;
    // Aliasing pointer: the payload keeps the shared initialisation segment alive.
    std::shared_ptr<const std::byte[]> bytes(frame.init_segment,
                                             reinterpret_cast<const std::byte*>(frame.init_segment->data()));
    (void)client_->try_send(net::shared_payload::from_shared(std::move(bytes), frame.init_segment->size()),
                            net::message_kind::binary);
  }
  waiting_key_ = false;
  count_locked(client_->try_send(net::shared_payload::from_shared(frame.data, frame.size), net::message_kind::binary));
}

void frame_forwarder::send_locked(const core::encoded_frame& frame) {
  if (!client_ || frame.sequence <= last_sequence_) return;
  last_sequence_ = frame.sequence;
  if (frame.config || frame.init_segment) return send_encoded_locked(frame);
  if (jpeg_timestamps_ && core::is_valid_time(frame.pts))
    (void)client_->try_send(net::shared_payload::from_string("{\"pts_us\":" + std::to_string(frame.pts / 1000) + "}"),
                            net::message_kind::text);
  // The frame's bytes are shared with every viewer and the sink's last frame: the
  // payload holds a reference, no copy.
  count_locked(client_->try_send(net::shared_payload::from_shared(frame.data, frame.size), net::message_kind::binary));
}

void frame_forwarder::count_locked(net::send_result r) {
  switch (r) {
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
    forwarder_->attach(std::move(client), sink_.sink->last_frame(id_));
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

/// `kind`: which stream of an encoded websink; the MJPEG route (`jpeg_only`) and the
/// fMP4 route (mse) refuse a sink whose input does not suit them.
admission admit(pipeline_service& service, stream_metrics& metrics, const net::request_context& ctx,
                core::stream_kind kind = core::stream_kind::frames, bool jpeg_only = false) {
  auto sink = service.find_websink(ctx.param("p"), ctx.param("e"));
  if (!sink) return {nullptr, error_response(sink.error())};
  const auto config = sink->sink->video_config();
  if (jpeg_only && config)
    return {nullptr, net::response::error(net::status::bad_request,
                                          std::string(ctx.param("e")) + " streams " + config->media_type +
                                              ", not JPEG: watch it through .../ws or .../fmp4")};
  if (kind == core::stream_kind::mse && !config)
    return {nullptr, net::response::error(net::status::bad_request,
                                          std::string(ctx.param("e")) +
                                              " has no encoded video (H.264, VP8, VP9) to stream as fMP4/WebM; "
                                              "watch it through .../mjpeg or .../ws")};
  // A viewer's own quality/size (view_request.hpp), checked before any upgrade.
  auto request = core::parse_view_request(ctx.query.get("quality"), ctx.query.get("width"), ctx.query.get("height"));
  if (!request) return {nullptr, net::response::error(net::status::bad_request, request.error().message)};
  const auto timestamps = ctx.query.get("timestamps");
  if (timestamps && (jpeg_only || kind == core::stream_kind::mse))
    return {nullptr, net::response::error(net::status::bad_request,
                                          "timestamps is a parameter of .../ws only (MJPEG parts and MSE segments "
                                          "have no room for a text message)")};
  if (timestamps && *timestamps != "1")
    return {nullptr, net::response::error(net::status::bad_request,
                                          "timestamps must be 1 (a text message with the pts before each JPEG "
                                          "frame), not \"" + std::string(*timestamps) + "\"")};
  auto forwarder = std::make_shared<frame_forwarder>(metrics, kind, timestamps.has_value());
  auto id = sink->sink->subscribe(forwarder, *request);
  if (!id) {
    if (id.error() == errc::invalid_argument)  // a request this sink cannot serve
      return {nullptr, net::response::error(net::status::bad_request, id.error().message)};
    if (id.error() == errc::bad_state)  // max-variants: choose an existing variant
      return {nullptr, net::response::error(net::status::conflict, id.error().message)};
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
  admission a = admit(service, metrics, ctx, core::stream_kind::frames, true);
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

asio::awaitable<void> serve_mse(pipeline_service& service, stream_metrics& metrics, net::request_context& ctx,
                                net::stream_start& start) {
  admission a = admit(service, metrics, ctx, core::stream_kind::mse);
  if (!a.slot) {
    (void)start.refuse(std::move(*a.refusal));
    co_return;
  }
  const auto config = service.find_websink(ctx.param("p"), ctx.param("e"));
  const std::string mime = config && config->sink->video_config() ? config->sink->video_config()->mse_mime
                                                                   : std::string("application/octet-stream");
  auto writer = co_await start.begin(net::stream_format::raw(mime));
  if (!writer) co_return;
  a.slot->attach(*writer);
  co_await (*writer)->wait_closed();
  log_viewer_end("fmp4", ctx, *a.slot);
}

}  // namespace

result<void> add_frame_routes(net::router& router, pipeline_service& service, stream_metrics& metrics) {
  auto mjpeg = router.add_stream(net::verb::get, "/api/v1/pipelines/{p}/sinks/{e}/mjpeg",
                                 [&service, &metrics](net::request_context& ctx, net::stream_start& start) {
                                   return serve_mjpeg(service, metrics, ctx, start);
                                 });
  if (!mjpeg) return mjpeg;
  auto mse = router.add_stream(net::verb::get, "/api/v1/pipelines/{p}/sinks/{e}/fmp4",
                               [&service, &metrics](net::request_context& ctx, net::stream_start& start) {
                                 return serve_mse(service, metrics, ctx, start);
                               });
  if (!mse) return mse;
  return router.add_websocket("/api/v1/pipelines/{p}/sinks/{e}/ws",
                              [&service, &metrics](net::request_context& ctx, net::websocket_upgrade& up) {
                                return serve_ws_frames(service, metrics, ctx, up);
                              });
}

}  // namespace tessera::server
