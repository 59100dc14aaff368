// The first process. Its argument is what the kernel command line asked for:
//   "tests"                     run utest;
//   "bench:NAME,NAME[:N]"       run each user-level benchmark in ubench (N iterations each);
// each in a child, one after the other. The exit status is the number of failed children.
#include "lib/user.hpp"

using namespace user;

namespace {

int run(const char* program, const char* arg) {
    const long pid = fork();
    if (pid == 0) {
        exec(program, arg);
        print("init: exec failed\n");
        exit(127);
    }
    int status = -1;
    if (pid < 0 || wait(&status) != pid) return 1;
    return status == 0 ? 0 : 1;
}

} // namespace

int main(const char* arg) {
    if (streq(arg, "tests")) return run("utest", "");
    if (arg[0] != 'b' || arg[1] != 'e' || arg[2] != 'n' || arg[3] != 'c' || arg[4] != 'h' ||
        arg[5] != ':')
        return 1;
    // "bench:a,b,c" or "bench:a,b,c:N": run "a:N", "b:N", ... (or "a", "b", ...).
    const char* list = arg + 6;
    const char* iterations = nullptr;
    for (const char* p = list; *p; ++p)
        if (*p == ':') iterations = p + 1;
    int failed = 0;
    const char* p = list;
    while (*p && *p != ':') {
        char one[64];
        size_t n = 0;
        while (*p && *p != ',' && *p != ':' && n < 31)
            one[n++] = *p++;
        if (iterations) {
            one[n++] = ':';
            for (const char* q = iterations; *q && n < sizeof one - 1; ++q)
                one[n++] = *q;
        }
        one[n] = 0;
        failed += run("ubench", one);
        if (*p == ',') ++p;
    }
    return failed;
}
