#include "user.hpp"

namespace user {

namespace {
int g_failures;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

bool streq(const char* a, const char* b) {
    while (*a && *a == *b)
        ++a, ++b;
    return *a == *b;
}

void print(const char* s) {
    write(s, strlen(s));
}

void print_u64(uint64_t v) {
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    print(buf + i);
}

uint64_t parse_u64(const char* s, uint64_t fallback) {
    if (!s || !*s) return fallback;
    uint64_t v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9') return fallback;
        v = v * 10 + static_cast<uint64_t>(*s - '0');
    }
    return v;
}

void check(bool ok, const char* name) {
    // One write per line keeps lines whole on the console.
    char line[128];
    size_t n = 0;
    for (const char* p = ok ? "PASS: " : "FAIL: "; *p; ++p)
        line[n++] = *p;
    for (const char* p = name; *p && n < sizeof line - 1; ++p)
        line[n++] = *p;
    line[n++] = '\n';
    write(line, n);
    if (!ok) ++g_failures;
}

int failures() {
    return g_failures;
}

} // namespace user
