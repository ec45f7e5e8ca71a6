// How a description becomes elements and links.
//
// The parser reads tokens left to right with a small state machine instead of a
// grammar with recursion (gst/parse/grammar.y's openchain/chain/chainlist):
//
//   start      nothing pending: an element or a reference starts a chain
//   element    the last thing was an element: properties attach to it; "!" links from it
//   reference  a chain started with `t.`: only "!" may follow
//   after_link a "!" waits for its sink: element, caps (implicit capsfilter), `t.` or a bin
//   closed     a chain ended in `! t.`: a new chain may start, "!" may not
//   bin_start  just after "(": `name=` names the bin, anything else starts its first chain
//   bin_end    just after ")": "!" links from the bin's last element; no properties
//
// Bins nest without recursion: "(" pushes what the enclosing chain was doing (its
// state, what it links from, a "!" waiting for the bin) on a stack, ")" pops it and
// the bin becomes one link end, its first element for a link in, its last for a link
// out (grammar.y's bin rule, chain->first and chain->last).
//
// Links whose ends are references are kept by name until the end, because a
// reference may come before the `name=` it refers to; then default names
// (factory + index) are assigned, names are checked for duplicates and the
// references resolved. The first error ends the parse.

#include "core/parse/parse_launch.hpp"

#include "core/parse/launch_lexer.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera::core {
namespace {

/// One end of a link: an element already known by index, or a name to resolve.
struct endpoint {
  std::optional<std::size_t> element;
  std::string name;
  std::string pad;
  source_position position;
  std::optional<std::size_t> bin;  ///< a closed bin, standing for `element` (its last)

  std::string reference_text() const { return name + "." + pad; }
};

struct pending_link {
  endpoint from;
  endpoint to;
  source_position position;
};

error parse_failure(source_position position, const std::string& what) {
  return error(errc::parse_error, to_string(position) + ": " + what);
}

std::string describe(const launch_token& token) {
  switch (token.kind) {
    case launch_token_kind::end: return "the end of the description";
    case launch_token_kind::link: return "\"!\"";
    case launch_token_kind::element: return "element \"" + token.text + "\"";
    case launch_token_kind::property: return "property \"" + token.text + "\"";
    case launch_token_kind::reference: return "reference \"" + token.text + "." + token.value + "\"";
    case launch_token_kind::caps: return "caps";
    case launch_token_kind::bin_open: return "\"(\"";
    case launch_token_kind::bin_close: return "\")\"";
  }
  return "?";
}

class launch_parser {
 public:
  launch_parser(std::string_view text, const parse_limits& limits) : lexer_(text), limits_(limits) {}

  result<pipeline_desc> run() {
    for (;;) {
      auto token = lexer_.next(state_ == state::after_link);
      if (!token) return token.error();
      if (token->kind == launch_token_kind::end) {
        if (auto r = finish_chain(*token); !r) return r.error();
        break;
      }
      if (auto r = step(std::move(*token)); !r) return r.error();
    }
    if (!open_bins_.empty()) return unclosed_bin();
    // Text with tokens but no element holds only references, which fail to resolve below.
    if (!seen_anything_) return parse_failure({1, 1}, "description is empty");
    assign_default_names();
    if (auto r = check_names(); !r) return r.error();
    if (auto r = resolve_links(); !r) return r.error();
    return std::move(desc_);
  }

 private:
  enum class state { start, element, reference, after_link, closed, bin_start, bin_end };

  /// What an open bin's "(" interrupted, restored at its ")".
  struct open_bin {
    std::size_t bin = 0;
    state outer_state = state::start;
    endpoint outer_last;
    source_position outer_link_position;
    bool first_chain_started = false;
    std::optional<std::size_t> first_from_nested;  ///< the first chain starts with this nested bin
  };

  result<void> step(launch_token token) {
    seen_anything_ = true;
    switch (token.kind) {
      case launch_token_kind::link: return on_link(token);
      case launch_token_kind::element:
      case launch_token_kind::caps: return on_element(std::move(token));
      case launch_token_kind::property: return on_property(std::move(token));
      case launch_token_kind::reference: return on_reference(std::move(token));
      case launch_token_kind::bin_open: return on_bin_open(token);
      case launch_token_kind::bin_close: return on_bin_close(token);
      case launch_token_kind::end: break;
    }
    return {};
  }

  // What may not be left hanging when a chain ends (at the end, or where a new one starts).
  result<void> finish_chain(const launch_token& next) {
    if (state_ == state::after_link) return missing_sink(next);
    if (state_ == state::reference) {
      return parse_failure(last_.position, "reference \"" + last_.reference_text() +
                                               "\" must be followed by \"!\" to start a chain");
    }
    return {};
  }

  error missing_sink(const launch_token& found) const {
    return parse_failure(link_position_,
                         "expected an element or caps after \"!\", found " + describe(found));
  }

  result<void> on_link(const launch_token& token) {
    switch (state_) {
      case state::start:
      case state::bin_start: return parse_failure(token.position, "\"!\" with nothing before it");
      case state::bin_end:
        if (!last_.element) {
          const bin_desc& bin = desc_.bins[*last_.bin];
          return parse_failure(token.position, "bin \"" + std::string(bin.effective_name()) +
                                                   "\" has no element to link from: its last chain ends in a "
                                                   "reference");
        }
        break;
      case state::after_link: return missing_sink(token);
      case state::closed:
        return parse_failure(token.position, "\"!\" after \"" + last_.reference_text() +
                                                 "\", which ends its chain; to link from it, "
                                                 "start a new chain: \"" +
                                                 last_.reference_text() + " ! ...\"");
      case state::element:
      case state::reference: break;
    }
    link_position_ = token.position;
    state_ = state::after_link;
    return {};
  }

  result<void> on_element(launch_token token) {
    if (auto r = finish_chain_unless_linking(token); !r) return r;
    if (desc_.elements.size() >= limits_.max_elements) {
      return error(errc::limit_exceeded, to_string(token.position) +
                                             ": too many elements: a pipeline may have at most " +
                                             std::to_string(limits_.max_elements));
    }
    element_desc element;
    element.position = token.position;
    if (token.kind == launch_token_kind::caps) {
      element.factory = "capsfilter";
      element.properties.push_back(
          {"caps", std::move(token.value), token.quoted, token.position, token.position});
    } else {
      element.factory = std::move(token.text);
    }
    const std::size_t index = desc_.elements.size();
    if (!open_bins_.empty()) element.bin = open_bins_.back().bin;
    for (const open_bin& open : open_bins_) desc_.bins[open.bin].elements.push_back(index);
    desc_.elements.push_back(std::move(element));
    endpoint here{index, {}, {}, token.position};
    if (state_ == state::after_link) links_.push_back({last_, here, link_position_});
    else note_chain_start(here.element);
    last_ = std::move(here);
    state_ = state::element;
    return {};
  }

  result<void> on_property(launch_token token) {
    switch (state_) {
      case state::element: break;
      case state::bin_start: return on_bin_property(std::move(token));
      case state::bin_end:
        return parse_failure(token.position, "property \"" + token.text +
                                                 "\" after the \")\" of a bin: a bin's name= goes right after "
                                                 "its \"(\"");
      case state::after_link: return missing_sink(token);
      case state::start:
        return parse_failure(token.position,
                             "property \"" + token.text + "\" has no element before it");
      case state::reference:
      case state::closed:
        return parse_failure(token.position, "property \"" + token.text + "\" after reference \"" +
                                                 last_.reference_text() +
                                                 "\": properties belong after an element");
    }
    desc_.elements[*last_.element].properties.push_back(
        {std::move(token.text), std::move(token.value), token.quoted, token.position,
         token.value_position});
    return {};
  }

  result<void> on_reference(launch_token token) {
    if (auto r = finish_chain_unless_linking(token); !r) return r;
    endpoint here{std::nullopt, std::move(token.text), std::move(token.value), token.position};
    if (state_ == state::after_link) {
      links_.push_back({last_, here, link_position_});
      state_ = state::closed;
    } else {
      note_chain_start(std::nullopt);
      state_ = state::reference;
    }
    last_ = std::move(here);
    return {};
  }

  // A chain starts inside the innermost open bin: the bin's first chain gives the
  // element links into the bin go to (none when it starts with a reference).
  void note_chain_start(std::optional<std::size_t> element) {
    if (open_bins_.empty() || open_bins_.back().first_chain_started) return;
    open_bins_.back().first_chain_started = true;
    desc_.bins[open_bins_.back().bin].first = element;
  }

  result<void> on_bin_open(const launch_token& token) {
    if (token.text != "bin")
      return parse_failure(token.position, "no bin type \"" + token.text +
                                               "\": a bin is written \"( ... )\" or \"bin.( ... )\"");
    if (auto r = finish_chain_unless_linking(token); !r) return r;
    if (desc_.bins.size() >= limits_.max_elements) {
      return error(errc::limit_exceeded, to_string(token.position) + ": too many bins: a pipeline may have at most " +
                                             std::to_string(limits_.max_elements));
    }
    const std::size_t index = desc_.bins.size();
    bin_desc bin;
    bin.position = token.position;
    bin.default_name = "bin" + std::to_string(index);
    if (!open_bins_.empty()) {
      bin.parent = open_bins_.back().bin;
      if (state_ != state::after_link && !open_bins_.back().first_chain_started) {
        // This bin starts the enclosing bin's first chain: its first element is the
        // enclosing bin's, known at its ")".
        open_bins_.back().first_chain_started = true;
        open_bins_.back().first_from_nested = index;
      }
    }
    desc_.bins.push_back(std::move(bin));
    open_bins_.push_back({index, state_, last_, link_position_, false, std::nullopt});
    state_ = state::bin_start;
    return {};
  }

  result<void> on_bin_property(launch_token token) {
    bin_desc& bin = desc_.bins[open_bins_.back().bin];
    if (token.text != "name")
      return parse_failure(token.position, "a bin has no property \"" + token.text + "\": it takes only name=");
    if (token.value.empty()) return parse_failure(token.position, "a bin name must not be empty");
    bin.name = std::move(token.value);
    bin_name_positions_[open_bins_.back().bin] = token.position;
    return {};
  }

  result<void> on_bin_close(const launch_token& token) {
    if (open_bins_.empty()) return parse_failure(token.position, "\")\" without a \"(\" to close");
    if (auto r = finish_chain(token); !r) return r;
    const open_bin open = open_bins_.back();
    open_bins_.pop_back();
    bin_desc& bin = desc_.bins[open.bin];
    if (bin.elements.empty())
      return parse_failure(bin.position, "empty bin: \"( )\" must hold at least one element");
    if (open.first_from_nested) bin.first = desc_.bins[*open.first_from_nested].first;
    // The last chain's end: an element, a nested bin's last element, or a reference.
    if (state_ == state::element || state_ == state::bin_end) bin.last = last_.element;
    state_ = open.outer_state;
    last_ = open.outer_last;
    link_position_ = open.outer_link_position;
    endpoint here{bin.last, {}, {}, bin.position};
    here.bin = open.bin;
    if (state_ == state::after_link) {
      if (!bin.first) {
        return parse_failure(link_position_, "bin \"" + std::string(bin.effective_name()) +
                                                 "\" has no element to link to: its first chain starts with a "
                                                 "reference");
      }
      links_.push_back({last_, endpoint{bin.first, {}, {}, bin.position}, link_position_});
    }
    last_ = std::move(here);
    state_ = state::bin_end;
    return {};
  }

  error unclosed_bin() const {
    const bin_desc& bin = desc_.bins[open_bins_.back().bin];
    std::string hint;
    // gst-launch reads "x=1)" as the value "1)": say so when that is what happened.
    for (auto e = bin.elements.rbegin(); e != bin.elements.rend() && hint.empty(); ++e) {
      const auto& properties = desc_.elements[*e].properties;
      for (auto p = properties.rbegin(); p != properties.rend(); ++p) {
        if (p->quoted || !p->value.ends_with(')')) continue;
        hint = " (the \")\" at the end of property \"" + p->name + "=" + p->value +
               "\" belongs to its value: put a space before it)";
        break;
      }
    }
    return parse_failure(bin.position, "unclosed \"(\": no \")\" closes the bin opened here" + hint);
  }

  // An element or reference either completes a "!" or starts a new chain.
  result<void> finish_chain_unless_linking(const launch_token& token) {
    if (state_ == state::after_link) return {};
    return finish_chain(token);
  }

  void assign_default_names() {
    std::unordered_map<std::string, std::size_t> counts;
    for (auto& element : desc_.elements) {
      element.default_name = element.factory + std::to_string(counts[element.factory]++);
    }
  }

  // Names are echoed in every reply and log line about the element: keep them short.
  result<void> check_name_length(std::string_view what, std::string_view name, source_position where) const {
    if (name.size() <= limits_.max_name_bytes) return {};
    return error(errc::limit_exceeded, to_string(where) + ": " + std::string(what) + " name of " +
                                           std::to_string(name.size()) + " bytes exceeds the limit of " +
                                           std::to_string(limits_.max_name_bytes) + " bytes");
  }

  result<void> check_names() {
    for (std::size_t i = 0; i < desc_.elements.size(); ++i) {
      const element_desc& element = desc_.elements[i];
      const property_desc* name_property = nullptr;
      for (const auto& property : element.properties) {
        if (property.name == "name") name_property = &property;
      }
      if (name_property && name_property->value.empty()) {
        return parse_failure(name_property->position, "an element name must not be empty");
      }
      if (name_property) {
        if (auto r = check_name_length("an element", name_property->value, name_property->position); !r) return r;
      }
      std::string name(element.effective_name());
      auto [it, inserted] = names_.emplace(name, i);
      if (inserted) continue;
      std::string first = to_string(desc_.elements[it->second].position);
      if (name_property) {
        return parse_failure(name_property->position, "duplicate element name \"" + name +
                                                          "\" (first used by the element at " +
                                                          first + ")");
      }
      return parse_failure(element.position,
                           "duplicate element name \"" + name + "\": the default name of this \"" +
                               element.factory + "\" is already used by the element at " + first +
                               "; give one of them another name=");
    }
    // Bins share the elements' names (GStreamer's bins are elements).
    for (std::size_t i = 0; i < desc_.bins.size(); ++i) {
      const bin_desc& bin = desc_.bins[i];
      const std::string name(bin.effective_name());
      const auto named_at = bin_name_positions_.find(i);
      const source_position where = named_at != bin_name_positions_.end() ? named_at->second : bin.position;
      if (auto r = check_name_length("a bin", name, where); !r) return r;
      if (auto e = names_.find(name); e != names_.end()) {
        return parse_failure(where, "duplicate name \"" + name + "\": the bin opened at " + to_string(bin.position) +
                                        " and the element at " + to_string(desc_.elements[e->second].position) +
                                        " have the same name; give one of them another name=");
      }
      auto [it, inserted] = bin_names_.emplace(name, i);
      if (!inserted) {
        return parse_failure(where, "duplicate bin name \"" + name + "\" (first used by the bin opened at " +
                                        to_string(desc_.bins[it->second].position) + ")");
      }
    }
    return {};
  }

  // `as_source`: the end a link comes from (a bin then stands for its last element).
  result<std::size_t> resolve(const endpoint& end, bool as_source) const {
    if (end.element) return *end.element;
    if (auto b = bin_names_.find(end.name); b != bin_names_.end()) {
      const bin_desc& bin = desc_.bins[b->second];
      if (auto element = as_source ? bin.last : bin.first) return *element;
      return parse_failure(end.position, "bin \"" + end.name + "\" has no element to link " +
                                             (as_source ? "from: its last chain ends" : "to: its first chain starts") +
                                             " with a reference");
    }
    auto it = names_.find(end.name);
    if (it == names_.end()) {
      return parse_failure(end.position, "no element named \"" + end.name +
                                             "\" (referenced as \"" + end.reference_text() + "\")");
    }
    return it->second;
  }

  result<void> resolve_links() {
    // A link into a bin is known only at its ")": back into the order of the "!"s.
    std::stable_sort(links_.begin(), links_.end(), [](const pending_link& a, const pending_link& b) {
      return std::pair(a.position.line, a.position.column) < std::pair(b.position.line, b.position.column);
    });
    desc_.links.reserve(links_.size());
    for (const auto& link : links_) {
      auto from = resolve(link.from, true);
      if (!from) return from.error();
      auto to = resolve(link.to, false);
      if (!to) return to.error();
      if (*from == *to) {
        return parse_failure(link.position, "element \"" +
                                                std::string(desc_.elements[*from].effective_name()) +
                                                "\" cannot be linked to itself");
      }
      desc_.links.push_back({*from, link.from.pad, *to, link.to.pad, link.position});
    }
    return {};
  }

  launch_lexer lexer_;
  const parse_limits& limits_;
  pipeline_desc desc_;
  std::vector<pending_link> links_;
  std::unordered_map<std::string, std::size_t> names_;
  std::unordered_map<std::string, std::size_t> bin_names_;
  std::unordered_map<std::size_t, source_position> bin_name_positions_;  ///< of each bin's name=
  std::vector<open_bin> open_bins_;  ///< innermost last
  state state_ = state::start;
  endpoint last_;                  ///< what the next "!" links from (or the last sink reference)
  source_position link_position_;  ///< of the "!" waiting for its sink
  bool seen_anything_ = false;
};

// The position of the first NUL byte, counted as the lexer counts.
source_position position_of(std::string_view text, std::size_t offset) {
  source_position position;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++position.column;
    }
  }
  return position;
}

}  // namespace

result<pipeline_desc> parse_launch(std::string_view text, const parse_limits& limits) {
  if (text.size() > limits.max_bytes) {
    return error(errc::limit_exceeded, "1:1: the description is " + std::to_string(text.size()) +
                                           " bytes, over the limit of " +
                                           std::to_string(limits.max_bytes) + " bytes");
  }
  // Values end up in C strings and logs; a NUL in them would silently cut them short.
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return parse_failure(position_of(text, nul), "the description contains a NUL byte");
  }
  return launch_parser(text, limits).run();
}

}  // namespace tessera::core
