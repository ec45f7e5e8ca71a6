#pragma once
/// JSON descriptions of element factories and property values, shared by
/// `tessera inspect --json`, GET /api/v1/factories[/{f}] and factory.describe.

#include "core/graph/element_factory.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace tessera::server {

boost::json::value property_value_json(const core::property_value& v);
/// Name, long name, class and description.
boost::json::object factory_summary_json(const core::element_factory& f);
/// The summary plus pad templates and properties with type, default, range/enum and
/// when they can change.
boost::json::object factory_json(const core::element_factory& f);

}  // namespace tessera::server
