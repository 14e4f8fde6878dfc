// Memory for a large snapshot array (Reader.orders() of a million slots is 192 MB): its own
// anonymous mapping, advised for transparent huge pages, instead of numpy's malloc. Each page of
// a fresh array is faulted in (and zeroed by the kernel) on first write, and in a VM a fault
// costs microseconds: 2 MB pages fault 512 times less often than 4 KB ones. The mapping freed
// last is kept for the next snapshot, so a caller that takes a snapshot, drops it and takes
// another (or keeps one while taking the next) writes into pages already in place.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>

namespace ose::python {

namespace py = pybind11;

// Below this many bytes (8 MiB unless a test lowers it: ose._ose._set_row_memory_min) an array
// comes from numpy's own allocator as before: small arrays fault little, and a mapping per array
// would be a syscall each.
size_t row_memory_min_bytes();
void bind_row_memory(py::module_& m);

// Uninitialised memory (not zeroed, not read by anyone) for `bytes` bytes of rows, and its owner.
// Make arrays over `data` with `owner` as their base: the memory lives as long as the last of
// them, then goes back to the one-mapping cache (MADV_FREE'd there, so the kernel may take the
// pages under memory pressure) or to the system. Needs the GIL; MemoryError when mmap fails.
struct RowMemory {
  py::capsule owner;
  std::byte* data = nullptr;
  size_t bytes = 0;
};
RowMemory row_memory(size_t bytes);

}  // namespace ose::python
