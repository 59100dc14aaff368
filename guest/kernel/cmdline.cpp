#include "cmdline.hpp"

namespace kernel {

bool cmdline_value(const char* cmdline, const char* key, char* out, size_t size) {
    if (!cmdline) return false;
    const char* p = cmdline;
    while (*p) {
        while (*p == ' ')
            ++p;
        const char* k = key;
        const char* w = p;
        while (*k && *w == *k)
            ++w, ++k;
        if (!*k && *w == '=') {
            ++w;
            size_t n = 0;
            while (w[n] && w[n] != ' ')
                ++n;
            if (n + 1 > size) return false;
            for (size_t i = 0; i < n; ++i)
                out[i] = w[i];
            out[n] = 0;
            return true;
        }
        while (*p && *p != ' ')
            ++p;
    }
    return false;
}

bool list_contains(const char* list, const char* item) {
    const char* p = list;
    while (*p) {
        const char* i = item;
        const char* w = p;
        while (*i && *w == *i)
            ++w, ++i;
        if (!*i && (*w == ',' || *w == 0)) return true;
        while (*p && *p != ',')
            ++p;
        if (*p == ',') ++p;
    }
    return false;
}

} // namespace kernel
