#include "console.hpp"

#include <vmirt/ops.hpp>

namespace kernel {

namespace {

char g_buf[256];
size_t g_len = 0;

void put(char c) {
    g_buf[g_len++] = c;
    if (c == '\n' || g_len == sizeof g_buf) flush();
}

void put_str(const char* s) {
    while (*s)
        put(*s++);
}

void put_unsigned(uint64_t v, unsigned base, int width) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    for (int pad = width - n; pad > 0; --pad)
        put('0');
    while (n)
        put(digits[--n]);
}

} // namespace

void flush() {
    if (g_len) vmi::console_write(g_buf, g_len);
    g_len = 0;
}

void write(const char* buf, size_t len) {
    flush();
    vmi::console_write(buf, len);
}

void vprint(const char* fmt, va_list ap) {
    for (; *fmt; ++fmt) {
        if (*fmt != '%') {
            put(*fmt);
            continue;
        }
        int width = 0;
        while (*++fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt - '0');
        int longs = 0;
        for (; *fmt == 'l'; ++fmt)
            ++longs;
        switch (*fmt) {
        case 's':
            put_str(va_arg(ap, const char*));
            break;
        case 'c':
            put(static_cast<char>(va_arg(ap, int)));
            break;
        case 'd': {
            const int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (v < 0) put('-');
            put_unsigned(v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v), 10, width);
            break;
        }
        case 'u':
            put_unsigned(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width);
            break;
        case 'x':
            put_unsigned(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width);
            break;
        case '%':
            put('%');
            break;
        default:
            put('?');
            break;
        }
        if (!*fmt) break;
    }
}

void print(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

} // namespace kernel
