// Kernel command line: space-separated key=value words.
#pragma once

#include <stddef.h>

namespace kernel {

// Copies the value of `key` into out (NUL-terminated); false if absent or too long.
bool cmdline_value(const char* cmdline, const char* key, char* out, size_t size);

// True if `item` is one of the comma-separated entries of `list`.
bool list_contains(const char* list, const char* item);

} // namespace kernel
