#include "server/factory_json.hpp"

namespace tessera::server {

namespace json = boost::json;

json::value property_value_json(const core::property_value& v) {
  struct visitor {
    json::value operator()(std::int64_t i) const { return i; }
    json::value operator()(double d) const { return d; }
    json::value operator()(bool b) const { return b; }
    json::value operator()(const std::string& s) const { return json::string(s); }
    json::value operator()(core::fraction_value f) const {
      return json::string(std::to_string(f.num) + "/" + std::to_string(f.den));
    }
    json::value operator()(const core::enum_value& e) const { return json::string(e.nick); }
  };
  return std::visit(visitor{}, v);
}

json::object factory_summary_json(const core::element_factory& f) {
  return {{"name", f.name}, {"long_name", f.long_name}, {"klass", f.klass}, {"description", f.description}};
}

json::object factory_json(const core::element_factory& f) {
  json::object o = factory_summary_json(f);
  json::array pads;
  for (auto& t : f.pad_templates) {
    pads.push_back(json::object{{"name", t.name_template},
                                {"direction", std::string(core::to_string(t.direction))},
                                {"presence", std::string(core::to_string(t.presence))},
                                {"caps", t.caps.to_string()}});
  }
  o["pad_templates"] = std::move(pads);
  json::array props;
  for (auto& p : f.properties) {
    json::object po{{"name", p.name},
                    {"blurb", p.blurb},
                    {"type", std::string(core::to_string(p.type))},
                    {"default", property_value_json(p.default_value)},
                    {"writable", p.writable},
                    {"mutable_in", std::string(core::to_string(p.mutable_in))}};
    switch (p.type) {
      case core::property_type::integer:
        po["min"] = p.int_min;
        po["max"] = p.int_max;
        break;
      case core::property_type::real:
      case core::property_type::fraction:
        po["min"] = p.min;
        po["max"] = p.max;
        break;
      case core::property_type::enumeration: {
        json::array values;
        for (auto& e : p.enum_entries)
          values.push_back(json::object{{"value", e.value}, {"nick", e.nick}, {"description", e.description}});
        po["enum"] = std::move(values);
        break;
      }
      default: break;
    }
    props.push_back(std::move(po));
  }
  o["properties"] = std::move(props);
  return o;
}

}  // namespace tessera::server
