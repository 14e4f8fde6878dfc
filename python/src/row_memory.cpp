#include "python/src/row_memory.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace ose::python {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

struct Mapping {
  void* base = nullptr;
  size_t length = 0;  // a multiple of kHugePage, base aligned to it
};

// The mapping given back last, if any. Only touched with the GIL held (row_memory() and the
// capsule destructor both run under it), so no lock.
Mapping idle;

size_t min_bytes = size_t{8} << 20;

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

// A new mapping of `length` bytes (a multiple of kHugePage) aligned to kHugePage, so that every
// 2 MB of it can be one huge page; {} when mmap fails.
Mapping map_aligned(size_t length) {
  const size_t padded = length + kHugePage;
  void* p = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return {};
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = round_up(start, kHugePage);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = aligned + length;
  if (start + padded > end) munmap(reinterpret_cast<void*>(end), start + padded - end);
  void* base = reinterpret_cast<void*>(aligned);
  // Advice only: without THP (or with it off) the pages are 4 KB and all still works.
  madvise(base, length, MADV_HUGEPAGE);
  return {base, length};
}

void unmap(Mapping& m) {
  if (m.base != nullptr) munmap(m.base, m.length);
  m = {};
}

// The capsule's destructor: the last array over the mapping is gone.
void give_back(PyObject* capsule) {
  auto* m = static_cast<Mapping*>(PyCapsule_GetPointer(capsule, nullptr));
  if (m == nullptr) {
    PyErr_Clear();
    return;
  }
  unmap(idle);  // keep only the newest
  idle = *m;
  // The kernel may now reclaim the pages instead of swapping them; until it does, writing them
  // again costs no fault (and reads whatever was there, which a copy overwrites anyway).
  madvise(idle.base, idle.length, MADV_FREE);
  delete m;
}

}  // namespace

RowMemory row_memory(size_t bytes) {
  const size_t length = round_up(bytes == 0 ? 1 : bytes, kHugePage);
  Mapping m;
  // The idle mapping when it fits and is not more than twice the size needed (a small snapshot
  // should not hold on to a large mapping); otherwise it goes back to the system.
  if (idle.base != nullptr && idle.length >= length && idle.length <= 2 * length) {
    m = idle;
    idle = {};
  } else {
    unmap(idle);
    m = map_aligned(length);
    if (m.base == nullptr) throw std::bad_alloc();  // pybind11: MemoryError
  }
  auto* owned = new Mapping(m);
  PyObject* capsule = PyCapsule_New(owned, nullptr, give_back);
  if (capsule == nullptr) {
    unmap(*owned);
    delete owned;
    throw py::error_already_set();
  }
  return RowMemory{py::reinterpret_steal<py::capsule>(capsule), static_cast<std::byte*>(m.base),
                   m.length};
}

size_t row_memory_min_bytes() {
  return min_bytes;
}

void bind_row_memory(py::module_& m) {
  m.def(
      "_set_row_memory_min", [](size_t bytes) { return std::exchange(min_bytes, bytes); },
      py::arg("bytes"),
      "Tests: arrays of at least `bytes` get their own mapping (row_memory.hpp); returns the "
      "previous threshold.");
}

}  // namespace ose::python
