// Kernel console: formatted output through vmi::console_write, one call per line or flush.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace kernel {

// printf subset: %s %c %d %u %x, zero-padded width (%03u), l/ll, %%.
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vprint(const char* fmt, va_list ap);
void write(const char* buf, size_t len);
void flush();

} // namespace kernel
