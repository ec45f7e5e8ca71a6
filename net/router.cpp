#include "net/router.hpp"

#include <algorithm>

namespace tessera::net {

struct router::pattern_routes {
  route_pattern pattern;
  std::vector<std::unique_ptr<route>> routes;  // unique_ptr: sessions keep route pointers
};

router::router() = default;
router::~router() = default;

result<router::route*> router::add_route(std::string_view pattern_text, verb method,
                                         std::string method_name, route_kind kind) {
  if (frozen_) {
    return fail(errc::bad_state, "route " + method_name + " " + std::string(pattern_text) +
                                     ": routes cannot be added after the server started");
  }
  auto parsed = route_pattern::parse(pattern_text);
  if (!parsed) return parsed.error();
  pattern_routes* home = nullptr;
  for (auto& p : patterns_) {
    if (p->pattern.text() == parsed->text()) {
      home = p.get();
      break;
    }
    if (p->pattern.same_shape(*parsed)) {
      return fail(errc::invalid_argument,
                  "route pattern \"" + parsed->text() + "\" conflicts with \"" +
                      p->pattern.text() + "\" (same shape, other parameter names)");
    }
  }
  if (home) {
    for (const auto& r : home->routes) {
      if (r->method_name == method_name) {
        return fail(errc::invalid_argument, "route " + method_name + " " + parsed->text() +
                                                " is already registered");
      }
    }
  } else {
    patterns_.push_back(std::make_unique<pattern_routes>(pattern_routes{std::move(*parsed), {}}));
    home = patterns_.back().get();
  }
  auto r = std::make_unique<route>();
  r->method_name = std::move(method_name);
  r->method = method;
  r->kind = kind;
  r->pattern = &home->pattern;
  home->routes.push_back(std::move(r));
  return home->routes.back().get();
}

result<void> router::add(verb method, std::string_view pattern, plain_handler handler) {
  if (!handler) return fail(errc::invalid_argument, "route " + std::string(pattern) + ": empty handler");
  auto r = add_route(pattern, method, std::string(boost::beast::http::to_string(method)),
                     route_kind::plain);
  if (!r) return r.error();
  (*r)->plain = std::move(handler);
  return {};
}

result<void> router::add_stream(verb method, std::string_view pattern, stream_handler handler) {
  if (!handler) return fail(errc::invalid_argument, "route " + std::string(pattern) + ": empty handler");
  auto r = add_route(pattern, method, std::string(boost::beast::http::to_string(method)),
                     route_kind::stream);
  if (!r) return r.error();
  (*r)->stream = std::move(handler);
  return {};
}

result<void> router::add_websocket(std::string_view pattern, websocket_handler handler) {
  if (!handler) return fail(errc::invalid_argument, "route " + std::string(pattern) + ": empty handler");
  auto r = add_route(pattern, verb::get, "WEBSOCKET", route_kind::websocket);
  if (!r) return r.error();
  (*r)->websocket = std::move(handler);
  return {};
}

result<void> router::set_pre_route(pre_route_hook hook) {
  if (frozen_) {
    return fail(errc::bad_state, "the pre_route hook cannot be set after the server started");
  }
  pre_route_ = std::move(hook);
  return {};
}

router::resolution router::resolve(request_context& ctx) const {
  auto answer = [](response r, answered_by why) {
    resolution res;
    res.answer = std::move(r);
    res.reason = why;
    return res;
  };
  const auto parts = split_target(ctx.request.target);
  auto segments = split_path(parts.path);
  if (!segments) return answer(response::error(status::bad_request, segments.error().message),
                               answered_by::bad_target);
  auto path = percent_decode(parts.path);
  auto query = parse_query(parts.query);
  if (!query) return answer(response::error(status::bad_request, query.error().message),
                            answered_by::bad_target);
  ctx.path = std::move(*path);
  ctx.query = std::move(*query);

  if (pre_route_) {
    if (auto r = pre_route_(ctx)) return answer(std::move(*r), answered_by::pre_route);
  }

  const pattern_routes* best = nullptr;
  param_map best_params;
  for (const auto& p : patterns_) {
    param_map params;
    if (!p->pattern.match(*segments, params)) continue;
    if (!best || p->pattern.more_specific_than(best->pattern)) {
      best = p.get();
      best_params = std::move(params);
    }
  }
  if (!best) {
    return answer(response::error(status::not_found, "no resource at " + ctx.path),
                  answered_by::not_found);
  }
  ctx.params = std::move(best_params);
  ctx.route = best->pattern.text();

  const route* websocket = nullptr;
  const route* same_method = nullptr;
  const route* get = nullptr;
  for (const auto& r : best->routes) {
    if (r->kind == route_kind::websocket) {
      websocket = r.get();
    } else {
      if (r->method == ctx.request.method && ctx.request.method != verb::unknown) {
        same_method = r.get();
      }
      if (r->method == verb::get) get = r.get();
    }
  }
  resolution res;
  if (ctx.websocket_upgrade && websocket) {
    res.target = websocket;
    return res;
  }
  if (same_method) {
    res.target = same_method;
    return res;
  }
  if (ctx.request.method == verb::head && get && get->kind == route_kind::plain) {
    res.target = get;
    res.head_only = true;
    return res;
  }
  if (websocket && ctx.request.method == verb::get) {
    auto r = response::error(status::upgrade_required,
                             ctx.path + " accepts only WebSocket upgrade requests");
    r.headers.set("Upgrade", "websocket");
    r.headers.set("Connection", "Upgrade");
    return answer(std::move(r), answered_by::upgrade_required);
  }
  std::vector<std::string> methods;
  auto append = [&](std::string_view m) {
    if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.emplace_back(m);
  };
  for (const auto& r : best->routes) {
    append(r->kind == route_kind::websocket ? "GET" : r->method_name);
    if (r->kind == route_kind::plain && r->method == verb::get) append("HEAD");
  }
  std::string allow;
  for (const auto& m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  auto r = response::error(status::method_not_allowed,
                           "method " + ctx.request.method_text + " not allowed on " + ctx.path +
                               " (allowed: " + allow + ")");
  r.headers.set("Allow", allow);
  return answer(std::move(r), answered_by::method_not_allowed);
}

void router::record(const route& r, std::chrono::nanoseconds latency) noexcept {
  r.requests.fetch_add(1, std::memory_order_relaxed);
  r.latency_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0)),
                         std::memory_order_relaxed);
}

std::vector<route_stats> router::stats() const {
  std::vector<route_stats> out;
  for (const auto& p : patterns_) {
    for (const auto& r : p->routes) {
      out.push_back({r->method_name, p->pattern.text(),
                     r->requests.load(std::memory_order_relaxed),
                     std::chrono::nanoseconds(r->latency_ns.load(std::memory_order_relaxed))});
    }
  }
  return out;
}

}  // namespace tessera::net
