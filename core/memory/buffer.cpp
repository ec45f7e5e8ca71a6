// Buffers after gstbuffer.c: a list of memories, explicit sharing, make_writable
// that copies only what is shared, and map() that spans adjacent shares instead
// of copying when it can. Every copy goes through memory::copy or counted_copy.

#include "core/memory/buffer.hpp"

#include "core/memory/counters.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace tessera::core {
namespace {

// One share of the common parent when every memory is a share of it and each
// starts where the previous ends; an empty handle otherwise.
memory span_all(const memory_list& list) {
  std::size_t first_offset = 0;
  if (!list[0].is_span(list[1], &first_offset)) return {};
  std::size_t total = list[0].size() + list[1].size();
  for (std::size_t i = 1; i + 1 < list.size(); ++i) {
    if (!list[i].is_span(list[i + 1])) return {};
    total += list[i + 1].size();
  }
  auto spanned = list[0].parent().share(first_offset, total);
  return spanned ? std::move(*spanned) : memory{};
}

// A new memory holding the bytes of every memory in order: one counted copy each.
result<memory> merge_copy(const memory_list& list) {
  std::size_t total = 0;
  alloc_params params;
  for (const memory& m : list) {
    total += m.size();
    params.align = std::max(params.align, m.align());
  }
  auto merged = system_allocator().allocate(total, params);
  if (!merged) return merged;
  auto target = merged->map(map_access::write);
  if (!target) return target.error();
  std::byte* out = target->data();
  for (const memory& m : list) {
    auto source = m.bytes_pinned();
    if (!source) return source.error();
    counted_copy(out, m.data(), m.size());
    out += m.size();
  }
  return merged;
}

// Replaces `m` by a writable copy when it is not writable (counted).
result<void> ensure_writable(memory& m) {
  if (m.is_writable()) return {};
  auto copy = m.copy();
  if (!copy) return copy.error();
  m = std::move(*copy);
  return {};
}

}  // namespace

result<buffer> buffer::allocate(std::size_t size, allocator& a, const alloc_params& p) {
  buffer b;
  if (size == 0) {
    auto checked = check_alloc_request("buffer::allocate", 0, p);
    if (!checked) return checked.error();
    return b;
  }
  auto m = a.allocate(size, p);
  if (!m) return m.error();
  b.memories_.push_back(std::move(*m));
  return b;
}

result<buffer> buffer::wrap(memory m) {
  buffer b;
  auto added = b.append_memory(std::move(m));
  if (!added) return added.error();
  return b;
}

void buffer::copy_metadata_from(const buffer& other) noexcept {
  pts = other.pts;
  dts = other.dts;
  duration = other.duration;
  offset = other.offset;
  offset_end = other.offset_end;
  flags = other.flags;
}

buffer buffer::share() const {
  buffer out;
  out.copy_metadata_from(*this);
  out.perms_ = perms_;
  out.memories_ = memories_;
  return out;
}

result<buffer> buffer::share_region(std::size_t offset, std::size_t size) const {
  buffer out = share();
  auto resized = out.resize(offset, size);
  if (!resized) return resized.error();
  return out;
}

result<buffer> buffer::deep_copy() const {
  buffer out;
  out.copy_metadata_from(*this);
  out.memories_.reserve(memories_.size());
  for (const memory& m : memories_) {
    auto copy = m.copy();
    if (!copy) return copy.error();
    out.memories_.push_back(std::move(*copy));
  }
  return out;
}

const memory& buffer::peek_memory(std::size_t i) const noexcept {
  static const memory none;
  return i < memories_.size() ? memories_[i] : none;
}

result<void> buffer::append_memory(memory m) {
  return insert_memory(memories_.size(), std::move(m));
}

result<void> buffer::insert_memory(std::size_t i, memory m) {
  if (!m) return fail(errc::invalid_argument, "buffer::insert_memory: empty memory handle");
  if (i > memories_.size()) {
    return fail(errc::out_of_range, "buffer::insert_memory(index=" + std::to_string(i) +
                                        "): buffer has " + std::to_string(memories_.size()) +
                                        " memories");
  }
  if (memories_.size() >= max_memories) {
    return fail(errc::limit_exceeded, "buffer::insert_memory: buffer already holds " +
                                          std::to_string(max_memories) + " memories (the limit)");
  }
  memories_.insert(i, std::move(m));
  return {};
}

result<void> buffer::replace_memory(std::size_t i, memory m) {
  if (!m) return fail(errc::invalid_argument, "buffer::replace_memory: empty memory handle");
  if (i >= memories_.size()) {
    return fail(errc::out_of_range, "buffer::replace_memory(index=" + std::to_string(i) +
                                        "): buffer has " + std::to_string(memories_.size()) +
                                        " memories");
  }
  memories_[i] = std::move(m);
  return {};
}

result<void> buffer::remove_memory(std::size_t i) {
  if (i >= memories_.size()) {
    return fail(errc::out_of_range, "buffer::remove_memory(index=" + std::to_string(i) +
                                        "): buffer has " + std::to_string(memories_.size()) +
                                        " memories");
  }
  memories_.erase(i);
  return {};
}

std::size_t buffer::size() const noexcept {
  std::size_t total = 0;
  for (const memory& m : memories_) total += m.size();
  return total;
}

bool buffer::is_writable() const noexcept {
  return std::all_of(memories_.begin(), memories_.end(),
                     [](const memory& m) { return m.is_writable(); });
}

result<void> buffer::make_writable() {
  // In order, checking each memory when its turn comes: copying one share may
  // leave its sibling the only holder of their parent, and then it stays.
  for (memory& m : memories_) {
    auto ok = ensure_writable(m);
    if (!ok) return ok;
  }
  perms_ |= perm::write;
  return {};
}

result<buffer_map> buffer::map(map_access access) {
  const auto bits = static_cast<unsigned>(access);
  if (bits == 0 || bits > 3) {
    return fail(errc::invalid_argument,
                "buffer::map: invalid access " + std::to_string(bits) + " (read=1, write=2)");
  }
  const bool write = has_any(access, map_access::write);
  const std::size_t n = memories_.size();
  if (n == 0) return buffer_map(memory{}, memory_map{}, access);

  if (n == 1) {
    if (write) {
      auto ok = ensure_writable(memories_[0]);
      if (!ok) return ok.error();
    }
    auto mapped = memories_[0].map(access);
    if (!mapped) return mapped.error();
    return buffer_map(memory{}, std::move(*mapped), access);
  }

  memory merged = span_all(memories_);
  if (!merged) {
    auto copied = merge_copy(memories_);
    if (!copied) return copied.error();
    merged = std::move(*copied);
  }
  if (!write) {
    auto mapped = merged.map(access);
    if (!mapped) return mapped.error();
    return buffer_map(std::move(merged), std::move(*mapped), access);
  }
  // Write access: the merged memory replaces the list. A span becomes writable
  // when the shares it replaces were the only other holders of its parent.
  memories_.clear();
  memories_.push_back(std::move(merged));
  auto ok = ensure_writable(memories_[0]);
  if (!ok) return ok.error();
  auto mapped = memories_[0].map(access);
  if (!mapped) return mapped.error();
  return buffer_map(memory{}, std::move(*mapped), access);
}

result<void> buffer::resize(std::size_t offset, std::size_t size) {
  const std::size_t total = this->size();
  if (offset > total || (size != memory::npos && size > total - offset)) {
    return fail(errc::out_of_range, "buffer::resize(offset=" + detail::size_text(offset) + ", size=" + detail::size_text(size) +
                                        "): exceeds buffer size " + std::to_string(total));
  }
  if (size == memory::npos) size = total - offset;
  const std::size_t end = offset + size;

  // Which memories stay ([first, last]) and which part of the two edge ones.
  struct edge {
    std::size_t index = 0, from = 0, length = 0;
    bool partial = false;
    memory share;  // prepared when the memory is not writable
  };
  std::size_t first = memory::npos, last = 0;
  edge edges[2];
  std::size_t pos = 0;
  for (std::size_t i = 0; i < memories_.size(); ++i) {
    const std::size_t start = pos, stop = pos + memories_[i].size();
    pos = stop;
    const std::size_t lo = std::max(offset, start), hi = std::min(end, stop);
    if (lo >= hi) continue;
    if (first == memory::npos) first = i;
    last = i;
    edge& e = edges[first == i ? 0 : 1];
    e = edge{i, lo - start, hi - lo, lo != start || hi != stop, {}};
  }
  if (first == memory::npos) {
    memories_.clear();
    return {};
  }
  if (last == first) edges[1] = edge{};

  // Fallible work first (shares), so a failure leaves the buffer as it was.
  for (edge& e : edges) {
    if (!e.partial || memories_[e.index].is_writable()) continue;
    auto s = memories_[e.index].share(e.from, e.length);
    if (!s) return s.error();
    e.share = std::move(*s);
  }
  for (edge& e : edges) {
    if (!e.partial) continue;
    memory& m = memories_[e.index];
    if (!e.share && m.resize(m.offset() + e.from, e.length)) continue;
    if (!e.share) {
      // Became shared since the check above: fall back to a share.
      auto s = m.share(e.from, e.length);
      if (!s) return s.error();
      e.share = std::move(*s);
    }
    m = std::move(e.share);
  }
  if (first == 0 && last + 1 == memories_.size()) return {};
  memory_list kept;
  kept.reserve(last - first + 1);
  for (std::size_t i = first; i <= last; ++i) kept.push_back(std::move(memories_[i]));
  memories_ = std::move(kept);
  return {};
}

}  // namespace tessera::core
